package analyzer_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/findings"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// TestMessagesBound: past --max-messages a session's messages are read
// and counted, not kept; the exchanges that carried them stay, without
// one, and the bound is said once.
func TestMessagesBound(t *testing.T) {
	said := []capturetest.Said{{Data: "+OK ready\r\n"}}
	for i := 1; i <= 5; i++ {
		said = append(said, capturetest.Said{Client: true, Data: fmt.Sprintf("RETR %d\r\n", i)},
			capturetest.Said{Data: "+OK\r\nSubject: m\r\n\r\nbody\r\n.\r\n"})
	}
	o := analyzer.DefaultOptions()
	o.Limits.Messages = 2
	s := oneSession(t, conversation(110, said), o)
	carried, bounds := 0, bound(s, "ui.anomaly.bound.messages")
	for _, e := range s.Exchanges {
		if e.Response != nil && e.Response.Message != nil {
			carried++
		}
	}
	if len(s.Messages) != 2 || s.MessagesDropped != 3 || carried != 2 || len(s.Exchanges) != 6 || bounds != 1 {
		t.Errorf("%d messages kept, %d dropped, %d exchanges carrying one of %d, %d anomalies of the bound; want 2, 3, 2, 6, 1",
			len(s.Messages), s.MessagesDropped, carried, len(s.Exchanges), bounds)
	}
}

// TestAuthBound: a client that logs in thousands of times in one session
// (password guessing) leaves MaxAuth records; the rest are followed to
// their outcome and counted, in the statistics and in the finding of
// failures, and the bound is said once.
func TestAuthBound(t *testing.T) {
	extra := 4
	said := []capturetest.Said{{Data: "* OK ready\r\n"}}
	for i := range session.MaxAuth + extra {
		// The last one succeeds: an outcome past the bound is counted too.
		reply := fmt.Sprintf("l%d NO bad\r\n", i)
		if i == session.MaxAuth+extra-1 {
			reply = fmt.Sprintf("l%d OK in\r\n", i)
		}
		said = append(said, capturetest.Said{Client: true, Data: fmt.Sprintf("l%d LOGIN user%d secret%d\r\n", i, i, i)},
			capturetest.Said{Data: reply})
	}
	s := oneSession(t, conversation(143, said), analyzer.DefaultOptions())
	if len(s.Auth) != session.MaxAuth || s.AuthDropped != extra {
		t.Errorf("%d authentications kept, %d dropped; want %d, %d", len(s.Auth), s.AuthDropped, session.MaxAuth, extra)
	}
	if ok, failed, unknown := s.AuthOutcomes(); ok != 1 || failed != session.MaxAuth+extra-1 || unknown != 0 {
		t.Errorf("outcomes %d ok, %d failed, %d unknown; want 1, %d, 0", ok, failed, unknown, session.MaxAuth+extra-1)
	}
	if n := bound(s, "ui.anomaly.bound.auth"); n != 1 {
		t.Errorf("%d anomalies of the bound, want 1", n)
	}
	c := stats.New(nil)
	c.Add(s)
	if r := c.Report(); len(r) != 1 || r[0].AuthOK != 1 || r[0].AuthFailed != session.MaxAuth+extra-1 || r[0].AuthUnknown != 0 {
		t.Errorf("statistics %+v; want 1 ok, %d failed", r, session.MaxAuth+extra-1)
	}
	want := fmt.Sprintf("%d failed authentications", session.MaxAuth+extra-1)
	found := false
	for _, f := range s.Findings {
		found = found || f.Kind == findings.AuthFailures && strings.HasPrefix(f.Text, want)
	}
	if !found {
		t.Errorf("no finding %q in %d findings", want, len(s.Findings))
	}
}

// TestGapsBound: a capture that lost a piece of every segment lists
// MaxGaps gaps; the rest are counted with their bytes, in the session and
// in the statistics, and the bound is said once.
func TestGapsBound(t *testing.T) {
	lines := session.MaxGaps + 10
	said := []capturetest.Said{{Data: "+OK ready\r\n"}, {Client: true, Data: "RETR 1\r\n"}, {Data: "+OK\r\nSubject: s\r\n\r\n"}}
	for range 2 * lines {
		said = append(said, capturetest.Said{Data: "body line\r\n"})
	}
	said = append(said, capturetest.Said{Data: ".\r\n"})
	segs := conversation(110, said)
	// Every other line of the body is lost.
	first := len(segs)
	for i, s := range segs {
		if string(s.Payload) == "body line\r\n" {
			first = min(first, i)
		}
	}
	segs = capturetest.Drop(segs, func(i int, s capturetest.Segment) bool {
		return i >= first && string(s.Payload) == "body line\r\n" && (i-first)%2 == 0
	})
	s := oneSession(t, segs, analyzer.DefaultOptions())
	all := len(s.Gaps) + s.GapsDropped
	bytes := s.GapBytesDropped
	for _, g := range s.Gaps {
		bytes += int64(g.Bytes)
	}
	if len(s.Gaps) != session.MaxGaps || all != lines || bytes != int64(lines*len("body line\r\n")) {
		t.Errorf("%d gaps listed, %d in all, %d bytes; want %d, %d, %d", len(s.Gaps), all, bytes, session.MaxGaps, lines, lines*len("body line\r\n"))
	}
	if n := bound(s, "ui.anomaly.bound.gaps"); n != 1 {
		t.Errorf("%d anomalies of the bound, want 1", n)
	}
	c := stats.New(nil)
	c.Add(s)
	if r := c.Report(); len(r) != 1 || r[0].Gaps != lines || r[0].GapBytes != bytes {
		t.Errorf("statistics %+v; want %d gaps of %d bytes", r, lines, bytes)
	}
}

// conversation is what was said between a client on loopback and a
// server on port, with handshakes and acknowledgements.
func conversation(port uint16, said []capturetest.Said) []capturetest.Segment {
	return capturetest.Converse(netip.MustParseAddrPort("127.0.0.1:40000"), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), time.Unix(1700000000, 0), said...)
}

// oneSession analyzes segs, which must make one session, with o.
func oneSession(t *testing.T, segs []capturetest.Segment, o analyzer.Options) *session.Session {
	t.Helper()
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	sessions, _ := analyze(t, data, o)
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	return sessions[0]
}

// bound counts s's anomalies of the catalog's key.
func bound(s *session.Session, key string) int {
	n := 0
	for _, a := range s.Anomalies {
		if a.Key == key {
			n++
		}
	}
	return n
}

// TestLoginsPastTheBoundLendTheirRecords: past --max-exchanges a failed
// login's exchange and reply are the next command's, as a NOOP's are,
// once its attempt has its outcome: a flood of logins allocated both for
// each, for the collector to take back.
func TestLoginsPastTheBoundLendTheirRecords(t *testing.T) {
	table := analyzer.Protocols()
	for _, tc := range []struct {
		proto, greeting string
		cli, srv        func(i int) string
		commands        int // a login's
	}{
		{"imap", "* OK ready\r\n",
			func(i int) string { return fmt.Sprintf("l%d LOGIN user%d secret%d\r\n", i, i, i) },
			func(i int) string { return fmt.Sprintf("l%d NO bad\r\n", i) }, 1},
		{"smtp", "220 mx ESMTP\r\n",
			func(int) string { return "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n" },
			func(int) string { return "535 5.7.8 failed\r\n" }, 1},
		{"pop3", "+OK ready\r\n",
			func(int) string { return "USER user\r\nPASS secret\r\n" },
			func(int) string { return "+OK\r\n-ERR bad\r\n" }, 2},
		// Not a login: a message's DATA and the message, answered,
		// are lent as well (with MAIL and RCPT).
		{"smtp", "220 mx ESMTP\r\n",
			func(int) string { return "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x\r\n\r\nx\r\n.\r\n" },
			func(int) string { return "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n" }, 4},
	} {
		t.Run(fmt.Sprintf("%s %d", tc.proto, tc.commands), func(t *testing.T) {
			spec, err := table.Lookup(tc.proto)
			if err != nil {
				t.Fatal(err)
			}
			const n = 100
			var cli, srv strings.Builder
			for i := range n {
				cli.WriteString(tc.cli(i))
				srv.WriteString(tc.srv(i))
			}
			c, s := []byte(cli.String()), []byte(srv.String())
			perLogin := func(bound int) float64 {
				ss := sessiontest.NewSession(session.Protocol(tc.proto))
				ss.Limits.Exchanges = bound
				p := spec.New(proto.Env{Session: ss})
				p.Feed(session.FromServer, sessiontest.T0, []byte(tc.greeting))
				for range 2 * session.MaxAuth / n { // past the bound on attempts kept, in both
					p.Feed(session.FromClient, sessiontest.T0, c)
					p.Feed(session.FromServer, sessiontest.T0, s)
				}
				return testing.AllocsPerRun(10, func() {
					p.Feed(session.FromClient, sessiontest.T0, c)
					p.Feed(session.FromServer, sessiontest.T0, s)
				}) / n
			}
			kept, lent := perLogin(0), perLogin(1)
			if want := 2 * float64(tc.commands); kept-lent < want-0.1 {
				t.Errorf("%.2f allocations a login past the bound, %.2f keeping every exchange: want %.0f fewer (each command's exchange and reply)", lent, kept, want)
			}
		})
	}
}
