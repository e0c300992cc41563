package render

import (
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestAnswersLabelsPipelinedReplies(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	// ex is a command sent at c and its reply at r.
	ex := func(verb, tag string, c, r int) *session.Exchange {
		return &session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: verb, Tag: tag, Time: at(c)},
			Response: &session.Response{Lines: []string{"250 ok"}, Time: at(r)}}
	}
	tests := []struct {
		name string
		ex   []*session.Exchange
		want []string // each exchange's label, "" for none
	}{
		{"lock step", []*session.Exchange{ex("EHLO", "", 1, 2), ex("MAIL", "", 3, 4), ex("QUIT", "", 5, 6)},
			[]string{"", "", ""}},
		{"pipelined (RFC 2920)", []*session.Exchange{ex("EHLO", "", 1, 2), ex("MAIL", "", 3, 6), ex("RCPT", "", 3, 6), ex("RCPT", "", 4, 6), ex("DATA", "", 4, 7), ex("QUIT", "", 9, 10)},
			[]string{"", "← MAIL", "← RCPT #1", "← RCPT #2", "← DATA", ""}},
		{"typed ahead, a slow reply", []*session.Exchange{ex("USER", "", 1, 2), ex("PASS", "", 3, 8), ex("STAT", "", 5, 9)},
			[]string{"", "← PASS", "← STAT"}},
		{"tagged replies name their command", []*session.Exchange{ex("NOOP", "a1", 1, 5), ex("NOOP", "a2", 2, 6)},
			[]string{"", ""}},
		{"an unknown verb, cut", []*session.Exchange{ex("\x01\x02\x03\x04\x05\x06\x07\x08", "", 1, 5), ex("QUIT", "", 2, 6)},
			[]string{`← \x01\x02\x03\x04…`, "← QUIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := answers(&session.Session{Exchanges: tt.ex})
			for i, e := range tt.ex {
				if got[e] != tt.want[i] {
					t.Errorf("exchange %d (%s): got %q, want %q", i, e.Command.Verb, got[e], tt.want[i])
				}
			}
		})
	}
}
