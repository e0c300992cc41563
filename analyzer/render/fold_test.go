package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestLongRepliesFold(t *testing.T) {
	r := &session.Response{Status: "+OK", Lines: []string{"+OK 30 messages"}}
	for i := 1; i < 30; i++ {
		r.Lines = append(r.Lines, fmt.Sprintf("%d 500", i))
	}
	// The line that carried a message stays, with its summary.
	r.Messages, r.MessageLines = []int{0}, []int{20}
	s := &session.Session{Protocol: "pop3", Messages: []*session.Message{{Size: 7, Subject: "kept"}}}
	text := func(o TextOptions) []string {
		var out []string
		for _, l := range responseLines(s, &session.Exchange{Response: r}, o, painter{}, nil) {
			out = append(out, l.text)
		}
		return out
	}
	got := text(TextOptions{})
	want := []string{"S: +OK 30 messages", "S: 1 500", "S: 2 500", "S: 3 500", "S: 4 500", "S: 5 500", "S: 6 500", "S: 7 500",
		"S: … 12 more lines (--full shows them)", "S: 20 500", "S: <message 7 bytes> Subject: kept",
		"S: … 7 more lines (--full shows them)", "S: 28 500", "S: 29 500"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("folded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := text(TextOptions{Full: true}); len(got) != 31 {
		t.Errorf("--full shows %d lines, want 30 and the summary", len(got))
	}
}
