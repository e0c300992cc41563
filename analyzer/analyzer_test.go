package analyzer_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/reassembly"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// analyze runs a capture held in memory through reassembly and the
// tracker, and returns its sessions in ID order and the warnings.
func analyze(t *testing.T, data []byte, opts analyzer.Options) ([]*session.Session, []string) {
	t.Helper()
	var sessions []*session.Session
	var warnings []string
	tr := analyzer.NewTracker(opts, sink.Ended(func(s *session.Session) { sessions = append(sessions, s) }))
	rd := reassembly.NewReader(reassembly.DefaultOptions(), tr, func(w reassembly.Warning) { warnings = append(warnings, w.Error()) })
	if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
		t.Fatalf("read: %v", err)
	}
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].ID < sessions[j].ID })
	return sessions, warnings
}

// describe lists what a reader of the timeline sees of sessions, without
// the times: endpoints, exchanges, authentications and messages.
func describe(sessions []*session.Session) []string {
	var out []string
	for _, s := range sessions {
		out = append(out, fmt.Sprintf("session %s %s -> %s tls=%s bytes=%d/%d", s.Protocol, s.Client, s.Server, s.TLS, s.BytesClient, s.BytesServer))
		for _, p := range st.Pairs(s) {
			out = append(out, "  "+p)
		}
		for _, e := range s.Exchanges {
			if e.Response != nil && len(e.Response.Lines) > 1 {
				out = append(out, fmt.Sprintf("  reply of %d lines", len(e.Response.Lines)))
			}
		}
		for _, a := range s.Auth {
			out = append(out, fmt.Sprintf("  auth %s %q %q %v", a.Mechanism, a.Username, a.Password, a.Success != nil && *a.Success))
		}
		for _, m := range s.Messages {
			out = append(out, fmt.Sprintf("  message %s %d %q %q", m.Via, m.Size, m.From, m.Subject))
		}
		for _, a := range s.Anomalies {
			out = append(out, "  anomaly "+a.Text)
		}
	}
	return out
}

func sampleFiles(t *testing.T) []string {
	files, _ := filepath.Glob("../samples/*.pcapng")
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	return files
}

// TestImpairedSamples: where no byte is lost, impaired delivery of every
// sample gives exactly the sessions of the clean capture.
func TestImpairedSamples(t *testing.T) {
	impairments := map[string]func([]capturetest.Segment) []capturetest.Segment{
		"one-byte segments": func(s []capturetest.Segment) []capturetest.Segment { return capturetest.Split(s, 1) },
		"7-byte segments":   func(s []capturetest.Segment) []capturetest.Segment { return capturetest.Split(s, 7) },
		"neighbours reordered": func(s []capturetest.Segment) []capturetest.Segment {
			return capturetest.SwapNeighbours(capturetest.Split(s, 16))
		},
		"duplicated": capturetest.Duplicate,
		"overlapping retransmission": func(s []capturetest.Segment) []capturetest.Segment {
			return capturetest.OverlapRetransmit(capturetest.Split(s, 20))
		},
		// A tap or -i any records a reply before its command.
		"opposite neighbours swapped": capturetest.SwapOpposite,
		"opposite neighbours swapped, 7-byte segments": func(s []capturetest.Segment) []capturetest.Segment {
			return capturetest.SwapOpposite(capturetest.Split(s, 7))
		},
		"client delayed 1 packet": func(s []capturetest.Segment) []capturetest.Segment { return capturetest.Delay(s, s[0].Src, 1) },
		"client delayed 3 packets": func(s []capturetest.Segment) []capturetest.Segment {
			return capturetest.Delay(s, s[0].Src, 3)
		},
		"server delayed 2 packets": func(s []capturetest.Segment) []capturetest.Segment { return capturetest.Delay(s, s[0].Dst, 2) },
		"server delayed 3 packets, 16-byte segments": func(s []capturetest.Segment) []capturetest.Segment {
			return capturetest.Delay(capturetest.Split(s, 16), s[0].Dst, 3)
		},
		"sequence numbers wrap": func(s []capturetest.Segment) []capturetest.Segment {
			client := s[0].Src // the samples start with the client's SYN
			var server netip.AddrPort = s[0].Dst
			s = capturetest.ShiftSeq(s, client, -s[0].Seq-40)
			return capturetest.ShiftSeq(s, server, -s[1].Seq-40)
		},
	}
	for _, path := range sampleFiles(t) {
		segs, err := capturetest.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		clean, err := capturetest.Write(segs)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := analyze(t, clean, analyzer.DefaultOptions())
		wantDesc := describe(want)
		for name, impair := range impairments {
			t.Run(filepath.Base(path)+"/"+name, func(t *testing.T) {
				data, err := capturetest.Write(impair(segs))
				if err != nil {
					t.Fatal(err)
				}
				got, _ := analyze(t, data, analyzer.DefaultOptions())
				if d := st.Diff(describe(got), wantDesc); d != "" {
					t.Errorf("differs from the clean capture:\n%s", d)
				}
				for _, s := range got {
					if len(s.Gaps) > 0 {
						t.Errorf("session %d reports gaps %v where nothing was lost", s.ID, s.Gaps)
					}
				}
			})
		}
	}
}

// TestContentDetection: on a port that is not a mail port, each sample's
// protocol is recognized by its greeting and parsed the same.
func TestContentDetection(t *testing.T) {
	for _, path := range sampleFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			segs, err := capturetest.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			clean, _ := capturetest.Write(segs)
			want, _ := analyze(t, clean, analyzer.DefaultOptions())
			moving := segs
			seen := map[uint16]bool{}
			for _, s := range want {
				if s.TLS == session.TLSImplicit {
					continue // no greeting in clear to know it by: it stays on its port
				}
				var p uint16
				fmt.Sscan(s.Server[strings.LastIndexByte(s.Server, ':')+1:], &p)
				if !seen[p] {
					seen[p] = true
					moving = capturetest.MovePort(moving, p, 40000+p)
				}
			}
			moved, _ := capturetest.Write(moving)
			got, _ := analyze(t, moved, analyzer.DefaultOptions())
			// A greeting that refuses (521, 554) followed by QUIT says too
			// little to tell SMTP from FTP: on another port it is not taken.
			want = slices.DeleteFunc(want, func(s *session.Session) bool {
				return s.Protocol == "smtp" && len(s.Exchanges) > 0 && s.Exchanges[0].Response != nil &&
					s.Exchanges[0].Command == nil && s.Exchanges[0].Response.Status[0] == '5'
			})
			if len(got) != len(want) {
				t.Fatalf("got %d sessions, want %d", len(got), len(want))
			}
			for i := range got {
				if want[i].TLS == session.TLSImplicit {
					continue
				}
				if got[i].Detected != "content" || got[i].Protocol != want[i].Protocol {
					t.Errorf("session %d: detected %q as %s, want content, %s", i, got[i].Detected, got[i].Protocol, want[i].Protocol)
				}
				if d := st.Diff(st.Pairs(got[i]), st.Pairs(want[i])); d != "" {
					t.Errorf("session %d exchanges differ:\n%s", i, d)
				}
			}
		})
	}
}

// TestLostSegments: a lost segment is reported as a gap of its size and
// direction, and the exchanges after it are recovered.
func TestLostSegments(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/pop3.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	// Lose the server's segment answering "LIST" (the first with "messages:").
	lost := -1
	for i, s := range segs {
		if bytes.Contains(s.Payload, []byte("messages:")) {
			lost = i
			break
		}
	}
	if lost < 0 {
		t.Fatal("sample has no LIST reply")
	}
	data, _ := capturetest.Write(capturetest.Drop(segs, func(i int, _ capturetest.Segment) bool { return i == lost }))
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if len(got) != 1 {
		t.Fatalf("got %d sessions", len(got))
	}
	s := got[0]
	if len(s.Gaps) != 1 || s.Gaps[0].Bytes != len(segs[lost].Payload) || s.Gaps[0].Dir != "server->client" {
		t.Fatalf("gaps: got %+v, want one of %d bytes server->client", s.Gaps, len(segs[lost].Payload))
	}
	pairs := st.Pairs(s)
	if last := pairs[len(pairs)-1]; last != "QUIT => +OK" {
		t.Errorf("last exchange after the gap: got %q, want QUIT => +OK; all:\n%s", last, strings.Join(pairs, "\n"))
	}
	if !strings.Contains(strings.Join(pairs, "\n"), "RETR 1 => +OK") {
		t.Errorf("RETR after the gap not recovered:\n%s", strings.Join(pairs, "\n"))
	}
}

// TestMidstream: a capture that starts after the handshake and greeting
// still yields the session, client and server the right way round.
func TestMidstream(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	start := -1
	for i, s := range segs {
		if bytes.HasPrefix(s.Payload, []byte("mail from")) {
			start = i
			break
		}
	}
	data, _ := capturetest.Write(segs[start:])
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if len(got) != 1 {
		t.Fatalf("got %d sessions", len(got))
	}
	s := got[0]
	if !s.Midstream || !strings.HasSuffix(s.Server, ":25") {
		t.Errorf("got midstream=%v server=%s", s.Midstream, s.Server)
	}
	want := []string{"MAIL from:<alumnoimap@redes.unlp.edu.ar> => 250", "RCPT to: <alumnopop@redes.unlp.edu.ar> => 250",
		"DATA => 354", "message DATA 11 bytes => 250", "QUIT => 221"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Errorf("exchanges differ:\n%s", d)
	}
}

// TestOneDirectionOnly: a capture of the client's side only still gives
// the session, its commands unanswered.
func TestOneDirectionOnly(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	client := segs[0].Src
	data, _ := capturetest.Write(capturetest.Drop(segs, func(_ int, s capturetest.Segment) bool { return s.Src != client }))
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if len(got) != 1 {
		t.Fatalf("got %d sessions", len(got))
	}
	want := []string{"EHLO redes => (none)", "MAIL from:<alumnoimap@redes.unlp.edu.ar> => (none)",
		"RCPT to: <alumnopop@redes.unlp.edu.ar> => (none)", "DATA => (none)", "message DATA 11 bytes => (none)", "QUIT => (none)"}
	if d := st.Diff(st.Pairs(got[0]), want); d != "" {
		t.Errorf("exchanges differ:\n%s", d)
	}
}

// TestFourTupleReused: the same client port used again after a close is
// a new session.
func TestFourTupleReused(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	second := make([]capturetest.Segment, len(segs))
	for i, s := range segs {
		s.Time = s.Time.Add(time.Minute)
		s.Seq += 100000 // a new connection picks new sequence numbers
		s.Ack += 100000
		second[i] = s
	}
	data, _ := capturetest.Write(append(append([]capturetest.Segment{}, segs...), second...))
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if len(got) != 2 {
		t.Fatalf("got %d sessions, want 2", len(got))
	}
	if d := st.Diff(st.Pairs(got[1]), st.Pairs(got[0])); d != "" || got[0].Client != got[1].Client {
		t.Errorf("the second session differs from the first:\n%s", d)
	}
}

// TestConflictingRetransmission: a retransmission that carries other
// bytes is an anomaly; the first copy is what was delivered.
func TestConflictingRetransmission(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var out []capturetest.Segment
	for _, s := range segs {
		out = append(out, s)
		if bytes.HasPrefix(s.Payload, []byte("rcpt to")) {
			evil := s
			evil.Payload = bytes.Replace(s.Payload, []byte("alumnopop"), []byte("attackerx"), 1)
			evil.Time = s.Time.Add(time.Microsecond)
			out = append(out, evil)
		}
	}
	data, _ := capturetest.Write(out)
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if len(got) != 1 || len(got[0].Anomalies) != 1 || !strings.Contains(got[0].Anomalies[0].Text, "other bytes") {
		t.Fatalf("anomalies: %+v", got[0].Anomalies)
	}
	if p := strings.Join(st.Pairs(got[0]), "\n"); !strings.Contains(p, "RCPT to: <alumnopop@") || strings.Contains(p, "attackerx") {
		t.Errorf("the first copy must be kept:\n%s", p)
	}
}

// TestConflictingOverlap: a retransmission that overlaps a segment with
// other boundaries and other bytes is an anomaly too.
func TestConflictingOverlap(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/smtp-auth-attachment.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var out []capturetest.Segment
	done := false
	for _, s := range segs {
		out = append(out, s)
		if !done && len(s.Payload) >= 600 {
			evil := s
			evil.Seq = s.Seq + 100
			evil.Payload = bytes.Repeat([]byte("X"), 400)
			evil.Time = s.Time.Add(time.Microsecond)
			out = append(out, evil)
			done = true
		}
	}
	data, _ := capturetest.Write(out)
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if len(got) != 1 || len(got[0].Anomalies) != 1 || !strings.Contains(got[0].Anomalies[0].Text, "other bytes") {
		t.Fatalf("anomalies: %+v", got[0].Anomalies)
	}
	clean, _ := capturetest.Write(segs)
	want, _ := analyze(t, clean, analyzer.DefaultOptions())
	if d := st.Diff(st.Pairs(got[0]), st.Pairs(want[0])); d != "" {
		t.Errorf("the first copy must be kept:\n%s", d)
	}
}

// TestOneSidedCaptures: with only the server's direction captured, each
// sample gives its replies in order, one note for the missing direction
// and no anomaly per reply; with only the client's, the commands and one
// note.
func TestOneSidedCaptures(t *testing.T) {
	for _, path := range sampleFiles(t) {
		if strings.Contains(path, "starttls") || strings.HasPrefix(filepath.Base(path), "tls-") {
			continue // without the client's STARTTLS nothing says TLS follows
		}
		segs, err := capturetest.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		clean, _ := capturetest.Write(segs)
		want, _ := analyze(t, clean, analyzer.DefaultOptions())
		for _, side := range []string{"server", "client"} {
			t.Run(filepath.Base(path)+"/"+side+" only", func(t *testing.T) {
				clients := map[netip.AddrPort]bool{}
				for _, s := range segs {
					if s.SYN && !s.ACK {
						clients[s.Src] = true
					}
				}
				kept := capturetest.Drop(segs, func(_ int, s capturetest.Segment) bool { return clients[s.Src] == (side == "server") })
				data, _ := capturetest.Write(kept)
				got, _ := analyze(t, data, analyzer.DefaultOptions())
				if len(got) != len(want) {
					t.Fatalf("got %d sessions, want %d", len(got), len(want))
				}
				for i, s := range got {
					if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "direction was not captured") {
						t.Errorf("session %d: notes %q, want one for the missing direction", s.ID, s.Notes)
					}
					// A sample whose client breaks the protocol on purpose
					// (bare LFs) keeps its anomalies, and without the
					// server's replies a bare-LF dot stays undecided.
					for _, a := range s.Anomalies {
						// Without the command, a reply's long lines are not
						// known to be a message's, and a line past --max-line
						// is cut, and said.
						if len(want[i].Anomalies) == 0 && a.Key != "ui.anomaly.cut.server" {
							t.Errorf("session %d: anomaly %v", s.ID, a)
						}
					}
					replies, wantReplies := 0, 0
					for _, e := range s.Exchanges {
						if e.Response != nil {
							replies++
						}
					}
					for _, e := range want[i].Exchanges {
						if e.Response != nil {
							wantReplies++
						}
					}
					if side == "server" && replies != wantReplies {
						t.Errorf("session %d: %d replies, want the %d of the whole capture", s.ID, replies, wantReplies)
					}
				}
			})
		}
	}
}

// TestRepliesAfterServerGap: the client's acknowledgements say which
// replies a server gap held. Pipelined commands in separate segments
// acknowledge the same server bytes, so only the EHLO's reply is lost;
// a client that waited for each reply acknowledged more each time.
func TestRepliesAfterServerGap(t *testing.T) {
	c, s := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:25")
	S := func(d string) capturetest.Said { return capturetest.Said{Data: d} }
	C := func(d string) capturetest.Said { return capturetest.Said{Client: true, Data: d} }
	tests := []struct {
		name string
		said []capturetest.Said
		lost []string // server segments the capture lost
		want []string
	}{{
		name: "pipelined in three segments",
		said: []capturetest.Said{S("220 mx\r\n"), C("EHLO c\r\n"), S("250-mx\r\n250 PIPELINING\r\n"),
			C("MAIL FROM:<a@x>\r\n"), C("RCPT TO:<b@y>\r\n"), C("DATA\r\n"), S("250 ok\r\n250 ok\r\n354 go\r\n"),
			C("hi\r\n.\r\n"), S("250 queued\r\n"), C("QUIT\r\n"), S("221 bye\r\n")},
		lost: []string{"250-mx\r\n250 PIPELINING\r\n"},
		want: []string{"- => 220", "EHLO c => (none)", "MAIL FROM:<a@x> => 250", "RCPT TO:<b@y> => 250", "DATA => 354",
			"message DATA 4 bytes => 250", "QUIT => 221"},
	}, {
		name: "one command at a time, two replies lost",
		said: []capturetest.Said{S("220 mx\r\n"), C("EHLO c\r\n"), S("250 mx\r\n"), C("MAIL FROM:<a@x>\r\n"), S("250 sender ok\r\n"),
			C("RCPT TO:<b@y>\r\n"), S("250 rcpt ok\r\n"), C("QUIT\r\n"), S("221 bye\r\n")},
		lost: []string{"250 mx\r\n", "250 sender ok\r\n"},
		want: []string{"- => 220", "EHLO c => (none)", "MAIL FROM:<a@x> => (none)", "RCPT TO:<b@y> => 250", "QUIT => 221"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			segs := capturetest.Converse(c, s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), tc.said...)
			segs = capturetest.Drop(segs, func(_ int, s capturetest.Segment) bool { return slices.Contains(tc.lost, string(s.Payload)) })
			data, _ := capturetest.Write(segs)
			got, _ := analyze(t, data, analyzer.DefaultOptions())
			if d := st.Diff(st.Pairs(got[0]), tc.want); d != "" {
				t.Errorf("exchanges differ:\n%s", d)
			}
		})
	}
}

// TestHoleFilledLater: a RETR whose segments arrive out of order, a hole
// filled by a fast retransmission 4 ms later while data behind it waits,
// gives the whole message and nothing as stray replies.
func TestHoleFilledLater(t *testing.T) {
	body := strings.Repeat("una linea del mensaje\r\n", 290) // about 6 700 bytes
	said := []capturetest.Said{{Data: "+OK ready\r\n"}, {Client: true, Data: "RETR 1\r\n"},
		{Data: "+OK\r\nSubject: x\r\n\r\n" + body + ".\r\n"}, {Client: true, Data: "QUIT\r\n"}, {Data: "+OK bye\r\n"}}
	segs := capturetest.Converse(netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:110"),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), said...)
	out := capturetest.Split(segs, 1448)
	// The RETR reply's second segment is captured only after the two
	// behind it, as a fast retransmission 4 ms later.
	var reply []int
	for i, seg := range out {
		if seg.Src.Port() == 110 && len(seg.Payload) == 1448 {
			reply = append(reply, i)
		}
	}
	if len(reply) < 4 {
		t.Fatalf("reply in %d full segments", len(reply))
	}
	lost := out[reply[1]]
	out = append(out[:reply[1]:reply[1]], out[reply[1]+1:]...)
	at := reply[3] // after the two behind it
	out = append(out[:at:at], append([]capturetest.Segment{lost}, out[at:]...)...)
	for i := range out {
		out[i].Time = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 2 * time.Millisecond)
	}
	data, _ := capturetest.Write(out)
	got, _ := analyze(t, data, analyzer.DefaultOptions())
	if d := st.Diff(st.Pairs(got[0]), []string{"- => +OK", "RETR 1 => +OK", "QUIT => +OK"}); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if m := got[0].Messages; len(m) != 1 || m[0].Size != int64(len("Subject: x\r\n\r\n")+len(body)) || m[0].Truncated {
		t.Errorf("messages: %d, first %+v", len(m), *m[0])
	}
}

// TestFindingsOnSamples: the samples give exactly the findings that are
// true of them. The lab's servers take mail from loopback without
// authentication and offer STARTTLS that the lab's clients do not use;
// its clients log in with passwords in clear: those are true wherever
// they appear. Only the forged-From exercise (3d) shows a From: that is
// not the sender.
func TestFindingsOnSamples(t *testing.T) {
	cred, tls, local := "cleartext-credentials", "tls-not-used", "unauthenticated-local"
	want := map[string][]string{
		"attachments-journey.pcapng":  {tls, local, cred, cred, tls}, // SMTP; POP3 without CAPA; IMAP
		"imap-fetch-many.pcapng":      {cred, tls},
		"mx-lookup.pcapng":            {tls, local},
		"imap-idle.pcapng":            {cred, tls, tls, local},
		"imap-imaplib.pcapng":         {cred, tls},
		"imap-sections.pcapng":        {cred, tls},
		"imap.pcapng":                 {cred, tls},
		"pop3-poplib.pcapng":          {cred, tls},
		"pop3-typeahead.pcapng":       {cred, cred}, // no CAPA: no offer of STLS seen
		"pop3.pcapng":                 {cred, tls},
		"smtp-auth-attachment.pcapng": {cred, tls},
		"smtp-auth-login.pcapng":      {cred, tls},
		"smtp-forged-from.pcapng":     {"from-mismatch", tls, local},
		"smtp-spoofed-from.pcapng":    {tls, local},
		"smtp-starttls.pcapng":        nil,
		"smtp1.pcapng":                {tls, local},
		"smtp-auth-pasted.pcapng":     {cred, cred, cred, tls, tls, tls}, // CRAM-MD5's digest is a credential too
		"pop3-auth-pasted.pcapng":     {cred, cred, cred},                // no CAPA: no offer of STLS seen
		"imap-auth-pasted.pcapng":     {cred, cred, cred, tls, tls, tls, tls},
		"imap-literals.pcapng":        {cred, tls},
		// Postfix took the bare-LF dot; with smtpd_forbid_bare_newline
		// it did not, and the client left before the end: what a server
		// would do.
		"smtp-bare-lf.pcapng":           {"smtp-smuggling", tls, local},
		"smtp-bare-lf-forbidden.pcapng": {"smtp-smuggling", tls},
		// The dot taken, and the message hidden after it: both accepted.
		"smtp-smuggling.pcapng":       {"smtp-smuggling", "smtp-smuggling", tls, local, local},
		"pop3-dele-endings.pcapng":    {cred, cred, cred},
		"imap-seen.pcapng":            {cred, tls},
		"long-line.pcapng":            {tls, local, cred, cred, tls}, // SMTP; POP3 without CAPA; IMAP
		"smtp-auth-other-user.pcapng": {cred, "sender-not-authenticated-user", tls},
		"smtp-encodings.pcapng":       {tls, local},
		// The sessions in clear only (read here without their key log;
		// TestTLSDecryptedEqualsClear checks decrypted ones add none).
		"tls-keylog.pcapng":  {cred, tls, cred, cred, tls}, // SMTP on 587; POP3 without CAPA; IMAP
		"tls-secrets.pcapng": {cred, tls, cred, cred, tls},
		"tls-openssl.pcapng": nil,
		// SMTP and IMAP logins in clear; Dovecot's LMTP offers STARTTLS
		// to Postfix and is not taken, on loopback.
		"lmtp-journey.pcapng": {cred, cred, tls, tls, tls, tls, tls},
		// The submission logs in on 587 in clear; the second MTA offers
		// no STARTTLS, so the relay hop is in clear without a finding.
		"exercise1-two-hops.pcapng": {cred, tls},
		"exercise5-mx.pcapng":       {cred, tls},
	}
	for _, path := range sampleFiles(t) {
		name := filepath.Base(path)
		segs, _ := capturetest.ReadFile(path)
		data, _ := capturetest.Write(segs)
		sessions, _ := analyze(t, data, analyzer.DefaultOptions())
		var got []string
		for _, s := range sessions {
			for _, f := range s.Findings {
				got = append(got, f.Kind)
			}
		}
		slices.Sort(got)
		w := slices.Clone(want[name])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s: got %v, want %v", name, got, w)
		}
	}
}

// rawRecorder writes down the chunks each session's bytes came in.
type rawRecorder struct {
	sink.Nop
	chunks map[*session.Session][]session.Chunk
}

func (r *rawRecorder) Raw(s *session.Session, c session.Chunk) {
	r.chunks[s] = append(r.chunks[s], session.Chunk{Dir: c.Dir, Gap: c.Gap, Decrypted: c.Decrypted, BeforeTLS: c.BeforeTLS, Data: make([]byte, len(c.Data))})
}

// TestChunksBeforeTLS: the chunks said to come before any TLS (the follow
// view shows them as they come) are a session's first, and hold no byte
// at or past where TLS began in their direction; a session without TLS
// has only those, one with implicit TLS none, one upgraded both.
func TestChunksBeforeTLS(t *testing.T) {
	upgraded := 0
	for _, path := range sampleFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rec := &rawRecorder{chunks: map[*session.Session][]session.Chunk{}}
		tr := analyzer.NewTracker(analyzer.DefaultOptions(), rec)
		rd := reassembly.NewReader(reassembly.DefaultOptions(), tr, nil)
		if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
			t.Fatal(err)
		}
		for s, chunks := range rec.chunks {
			var before [2]int64
			after := false
			for _, c := range chunks {
				switch {
				case c.BeforeTLS && after:
					t.Fatalf("%s session %d: a chunk before TLS after one that is not", path, s.ID)
				case c.BeforeTLS:
					before[c.Dir] += int64(len(c.Data) + c.Gap)
				default:
					after = true
				}
			}
			switch {
			case s.TLS == session.TLSNone && after:
				t.Errorf("%s session %d: no TLS, yet a chunk not before it", path, s.ID)
			case s.TLS == session.TLSImplicit && (before != [2]int64{}):
				t.Errorf("%s session %d: implicit TLS, yet %v bytes before it", path, s.ID, before)
			case s.TLS == session.TLSStart && after:
				upgraded++
			}
			if e := s.Encrypted; e != nil {
				if from := [2]int64{e.ClientFrom, e.ServerFrom}; (from[0] >= 0 && before[0] > from[0]) || (from[1] >= 0 && before[1] > from[1]) {
					t.Errorf("%s session %d: %v bytes said before TLS, which began at %v", path, s.ID, before, from)
				}
			}
		}
	}
	if upgraded == 0 {
		t.Error("no sample upgraded to TLS with chunks each side")
	}
}
