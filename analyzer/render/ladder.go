package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// LabWidth is the lab's terminal: the ladder and --compare are drawn in
// it, and explanations wrapped to it.
const LabWidth = 80

// Ladder draws a session as a sequence diagram: the client on the left,
// the server on the right, one arrow per command and per reply in the
// order they crossed, with their times. Where commands are pipelined or
// typed ahead the arrows of several commands come before their replies',
// which is what the text timeline can only label.
func Ladder(w io.Writer, s *session.Session, o TextOptions) {
	p := painter{o.Color}
	Header(w, s, o)
	const timeCol = 11 // "%9.3f  "
	inner := LabWidth - timeCol - 2
	half := (LabWidth-timeCol)/2 - 1
	client, server := fit("client "+s.Client, half), fit("server "+s.Server, half)
	gap := max(1, LabWidth-timeCol-runewidth.StringWidth(client)-runewidth.StringWidth(server))
	fmt.Fprintln(w, p.paint(colHead, strings.Repeat(" ", timeCol)+client+strings.Repeat(" ", gap)+server))

	for _, st := range Steps(s) {
		var line string
		switch st.Kind {
		case StepCommand:
			text := fit(st.Text, inner-6)
			line = p.paint(colClient, "│── "+text+" "+dashes(inner-5-width(text))+"▶│")
		case StepReply, StepData:
			text := st.Text
			if st.Label != "" {
				text += "  " + st.Label
			}
			text = fit(text, inner-6)
			line = p.paint(colServer, "│◀"+dashes(inner-5-width(text))+" "+text+" ──│")
		case StepTLS:
			text := fit(fmt.Sprintf(explain.Say("ui.ladder.tls", o.Lang), st.Bytes[0], st.Bytes[1]), inner-2)
			pad := inner - width(text)
			line = p.paint(colWarn, "│"+strings.Repeat(" ", pad/2)+text+strings.Repeat(" ", pad-pad/2)+"│")
		case StepGap:
			line = p.paint(colWarn, fit("│ !! "+st.Text, inner+1))
		}
		fmt.Fprintf(w, "%9.3f  %s\n", st.Time.Sub(s.Start).Seconds(), line)
	}
	fmt.Fprintln(w)
}

// replyText is the line of r that stands for it, what else it carried
// (folded other lines), and when it came: its first line, or the last
// for a tagged reply.
func replyText(r *session.Response, tagged bool, folded int) (string, time.Time) {
	i := 0
	if tagged {
		i = len(r.Lines) - 1
	}
	text := Escape(r.Lines[i])
	switch {
	case len(r.Messages) == 1:
		text += " + a message"
	case len(r.Messages) > 1:
		text += fmt.Sprintf(" + %d messages", len(r.Messages))
	case folded > 0 && tagged:
		text += " (after " + lineCount(folded) + ")"
	case folded > 0:
		text += " (+" + lineCount(folded) + ")"
	}
	return text, r.LineTime(i)
}

func lineCount(n int) string {
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%d lines", n)
}

func width(s string) int { return runewidth.StringWidth(s) }

// fit cuts s to n columns, marking the cut.
func fit(s string, n int) string {
	if width(s) <= n {
		return s
	}
	return runewidth.Truncate(s, n, "…")
}

func dashes(n int) string { return strings.Repeat("─", max(1, n)) }
