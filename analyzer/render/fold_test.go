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

// TestBodyLinesEach: --full writes each line of a kept body after the
// timeline's prefix and the side's mark, escaped, its colour reset on its
// own line (none leaks into the next line's prefix); the live view's block
// is the same lines without the timeline's prefix.
func TestBodyLinesEach(t *testing.T) {
	m := &session.Message{Body: []byte("Subject: hi\r\n\r\nbad \x1b[2J\nlast\r\n")}
	for _, on := range []bool{false, true} {
		col, reset := "", ""
		if on {
			col, reset = colServer, colReset
		}
		var b strings.Builder
		lw := lineWriter{w: &b}
		lw.body("  0.001  ", "S: | ", colServer, m, painter{on})
		lw.flush()
		var want []string
		for _, l := range []string{"Subject: hi", "", `bad \x1b[2J`, "last"} {
			want = append(want, col+"S: | "+l+reset)
		}
		if got := b.String(); got != "  0.001  "+strings.Join(want, "\n  0.001  ")+"\n" {
			t.Errorf("color %v: %q", on, got)
		}
		if got := bodyBlock("S: | ", colServer, m, painter{on}); got != strings.Join(want, "\n") {
			t.Errorf("color %v, live: %q", on, got)
		}
	}
}
