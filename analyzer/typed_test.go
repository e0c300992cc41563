package analyzer_test

import (
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/imap"
	"github.com/mailtrace/mailtrace/analyzer/pop3"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/smtp"
)

// TestTypedLineTimedAtItsEnd: a command typed over telnet, one key per
// segment, is timed when its line ended, says how long it took to type,
// and its latency runs from its end: typing is not the server's delay.
func TestTypedLineTimedAtItsEnd(t *testing.T) {
	ms := func(n int) time.Time { return st.T0.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name  string
		spec  proto.Spec
		steps []st.Step
	}{
		// Steps are 1 ms apart: the greeting at 0, keys at 1..5, the
		// reply at 6.
		{"smtp", smtp.Spec(), []st.Step{st.S("220 mx ESMTP\r\n"), st.C("H"), st.C("E"), st.C("LO"), st.C(" x"), st.C("\r\n"), st.S("250 mx\r\n")}},
		{"pop3", pop3.Spec(), []st.Step{st.S("+OK ready\r\n"), st.C("S"), st.C("T"), st.C("A"), st.C("T"), st.C("\r\n"), st.S("+OK 0 0\r\n")}},
		{"imap", imap.Spec(), []st.Step{st.S("* OK ready\r\n"), st.C("a"), st.C("1 "), st.C("NO"), st.C("OP"), st.C("\r\n"), st.S("a1 OK done\r\n")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := st.RunSpec(tc.spec, proto.Options{}, tc.steps...)
			var found bool
			for _, e := range s.Exchanges {
				c := e.Command
				if c == nil {
					continue
				}
				found = true
				if !c.Time.Equal(ms(5)) {
					t.Errorf("command timed at %v, want the line's end %v", c.Time.Sub(st.T0), ms(5).Sub(st.T0))
				}
				if c.TypedMS != 4 {
					t.Errorf("typed over %v ms, want 4", c.TypedMS)
				}
				if e.LatencyMS == nil || *e.LatencyMS != 1 {
					t.Errorf("latency %v, want 1 ms from the line's end", e.LatencyMS)
				}
			}
			if !found {
				t.Fatalf("no command in %+v", s.Exchanges)
			}
		})
	}
}
