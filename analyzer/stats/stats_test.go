package stats

import (
	"fmt"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestCollector(t *testing.T) {
	ms := func(v float64) *float64 { return &v }
	t0 := time.Unix(0, 0)
	s := &session.Session{Protocol: "smtp", TLS: session.TLSStart, BytesClient: 10, BytesServer: 20,
		Exchanges: []*session.Exchange{
			{Response: &session.Response{Status: "220"}},
			{Command: &session.Command{Kind: session.KindCommand, Verb: "NOOP", Time: t0}, Response: &session.Response{Status: "250"}, LatencyMS: ms(1)},
			{Command: &session.Command{Kind: session.KindCommand, Verb: "NOOP", Time: t0}, Response: &session.Response{Status: "250"}, LatencyMS: ms(3)},
			{Command: &session.Command{Kind: session.KindCommand, Verb: "NOOP", Time: t0}, Response: &session.Response{Status: "250"}, LatencyMS: ms(2)},
			{Command: &session.Command{Kind: session.KindCommand, Verb: "\x01\x02", Time: t0}},
			{Command: &session.Command{Kind: session.KindContinuation, Verb: "AUTH", Time: t0}, Response: &session.Response{Status: "235"}},
		},
		Auth:     []*session.Auth{{Success: session.Bool(true)}, {Success: session.Bool(false)}, {}},
		Messages: []*session.Message{{Size: 100}},
		Gaps:     []session.Gap{{Bytes: 7}},
	}
	c := New([]session.Protocol{"smtp", "pop3", "imap"})
	c.Add(&session.Session{Protocol: "zz-test", TLS: session.TLSNone})
	c.Add(&session.Session{Protocol: "imap", TLS: session.TLSImplicit})
	c.Add(s)
	r := c.Report()
	// The table's order, then protocols it does not list, by name.
	if len(r) != 3 || r[0].Protocol != "smtp" || r[1].Protocol != "imap" || r[2].Protocol != "zz-test" {
		t.Fatalf("protocols: %+v", r)
	}
	p := r[0]
	if p.Commands["NOOP"] != 3 || p.Commands[Malformed] != 1 || p.Commands["AUTH"] != 0 {
		t.Errorf("commands: %v (continuations are not commands)", p.Commands)
	}
	if p.Replies["250"] != 3 || p.Replies["220"] != 1 || p.Replies["235"] != 1 {
		t.Errorf("replies: %v", p.Replies)
	}
	if p.AuthOK != 1 || p.AuthFailed != 1 || p.AuthUnknown != 1 || p.Messages != 1 || p.MessageBytes != 100 ||
		p.Gaps != 1 || p.GapBytes != 7 || p.StartTLS != 1 || p.Unanswered != 1 {
		t.Errorf("figures: %+v", p)
	}
	if len(p.Latency) != 1 || p.Latency[0].Median != 2 || p.Latency[0].P95 != 3 || p.Latency[0].Count != 3 {
		t.Errorf("latency: %+v", p.Latency)
	}
	if r[1].TLSImplicit != 1 {
		t.Errorf("implicit TLS: %+v", r[1])
	}
}

func TestQuantile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct{ q, want float64 }{{0.5, 5}, {0.95, 10}, {0.1, 1}} {
		if got := quantile(v, tc.q); got != tc.want {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing")
	}
}

// TestVerbsBounded: made-up verbs past the first maxVerbs are counted
// together, so a flood of them fills no table; verbs seen before keep
// their own count.
func TestVerbsBounded(t *testing.T) {
	s := &session.Session{Protocol: "smtp"}
	for i := range maxVerbs + 100 {
		s.Exchanges = append(s.Exchanges, &session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: fmt.Sprintf("X%d", i)}})
	}
	s.Exchanges = append(s.Exchanges, &session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: "X1"}})
	c := New([]session.Protocol{"smtp"})
	c.Add(s)
	p := c.Report()[0]
	if len(p.Commands) != maxVerbs+1 || p.Commands[Other] != 100 || p.Commands["X1"] != 2 {
		t.Errorf("%d verbs, %d other, X1 %d", len(p.Commands), p.Commands[Other], p.Commands["X1"])
	}
}

// TestMessagesPastTheBoundCounted: the statistics count every whole
// message, those the session kept no record of (--max-messages) too.
func TestMessagesPastTheBoundCounted(t *testing.T) {
	s := &session.Session{Protocol: "imap", Limits: session.Limits{Messages: 2}}
	for range 5 {
		s.AddMessage(&session.Message{Size: 10})
	}
	s.AddMessage(&session.Message{Size: 7, Content: session.ContentHeader}) // a header alone
	c := New([]session.Protocol{"imap"})
	c.Add(s)
	if p := c.Report()[0]; len(s.Messages) != 2 || p.Messages != 5 || p.MessageBytes != 50 {
		t.Errorf("%d kept; counted %d messages, %d bytes; want 5, 50", len(s.Messages), p.Messages, p.MessageBytes)
	}
}

// TestExchangesPastTheBoundCounted: the statistics count the commands and
// replies of the exchanges the session kept no record of
// (--max-exchanges), and those left unanswered.
func TestExchangesPastTheBoundCounted(t *testing.T) {
	s := &session.Session{Protocol: "smtp", Limits: session.Limits{Exchanges: 2}}
	for i := range 5 {
		e := s.AddExchange(&session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: "NOOP"}})
		if i < 4 {
			s.Answer(e, &session.Response{Status: "250"})
		}
	}
	s.AddExchange(&session.Exchange{Response: &session.Response{Status: "421"}}) // nothing asked for it
	c := New([]session.Protocol{"smtp"})
	c.Add(s)
	p := c.Report()[0]
	if len(s.Exchanges) != 2 || p.Commands["NOOP"] != 5 || p.Replies["250"] != 4 || p.Replies["421"] != 1 || p.Unanswered != 1 {
		t.Errorf("%d kept; counted %v, replies %v, %d unanswered; want 5 NOOP, 4 250, 1 421, 1 unanswered", len(s.Exchanges), p.Commands, p.Replies, p.Unanswered)
	}
}
