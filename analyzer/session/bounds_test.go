package session

import (
	"fmt"
	"maps"
	"testing"
	"time"
)

// TestPastCountsEveryCommand: past the bound on exchanges kept, every
// command is counted by its verb and every reply by its status, runs of
// one verb as well as verbs that change at each; past MaxPastVerbs verbs,
// new ones under "". Asking does not change what is counted.
func TestPastCountsEveryCommand(t *testing.T) {
	s := &Session{Limits: Limits{Exchanges: 1}}
	want, wantReplies := map[string]int{}, map[string]int{}
	verbOf := func(i int) string {
		switch {
		case i < 1000:
			return "NOOP" // a run
		case i < 2000:
			return []string{"MAIL", "RCPT", "RCPT", "DATA"}[i%4]
		default:
			return fmt.Sprintf("X%d", i%400) // more verbs than counted apart
		}
	}
	s.AddExchange(&Exchange{Command: &Command{Kind: KindCommand, Verb: "EHLO"}}) // kept
	for i := range 3000 {
		e := s.AddExchange(&Exchange{Command: &Command{Kind: KindCommand, Verb: verbOf(i)}})
		status := []string{"250", "250", "550"}[i%3]
		s.Answer(e, &Response{Status: status, Time: time.Unix(1, 0)})
		wantReplies[status]++
		v := verbOf(i)
		if _, seen := want[v]; !seen && len(want) >= MaxPastVerbs {
			v = ""
		}
		want[v]++
		if i == 1500 {
			before := s.past
			_ = s.Past()
			if before.verbs != s.past.verbs || !maps.Equal(before.Commands, s.past.Commands) {
				t.Fatal("asking changed what is counted")
			}
		}
	}
	p := s.Past()
	if !maps.Equal(p.Commands, want) || !maps.Equal(p.Replies, wantReplies) || p.Sent != 3000 || p.Replied != 3000 {
		t.Errorf("past: %d commands by verb (sent %d, replied %d), want %d; replies %v, want %v",
			len(p.Commands), p.Sent, p.Replied, len(want), p.Replies, wantReplies)
	}
	if again := s.Past(); !maps.Equal(again.Commands, p.Commands) {
		t.Error("asked twice, told otherwise")
	}
}
