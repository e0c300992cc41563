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
	client := fit(fmt.Sprintf(explain.Say("ui.report.client", o.Lang), s.Client), half)
	server := fit(fmt.Sprintf(explain.Say("ui.report.server", o.Lang), s.Server), half)
	gap := max(1, LabWidth-timeCol-runewidth.StringWidth(client)-runewidth.StringWidth(server))
	fmt.Fprintln(w, p.paint(colHead, strings.Repeat(" ", timeCol)+client+strings.Repeat(" ", gap)+server))

	for _, st := range Steps(s, o.Lang) {
		var line, under string
		switch st.Kind {
		case StepCommand:
			text := fit(st.Text, inner-6)
			line = p.paint(colClient, "│── "+text+" "+dashes(inner-5-width(text))+"▶│")
			if st.Detail != "" {
				d := fit(st.Detail, inner-4)
				under = p.paint(colClient, "│   "+d+strings.Repeat(" ", max(0, inner-3-width(d)))+"│")
			}
		case StepReply, StepData:
			// The label is what says which command failed: the text
			// gives way to it.
			text := st.Text
			if st.Label != "" {
				text = fit(text, max(8, inner-8-width(st.Label))) + "  " + st.Label
			}
			text = fit(text, inner-6)
			col := colServer
			if st.Kind == StepReply {
				col = replyColour(s.Exchanges[st.Exchange].Response.Status)
			}
			line = p.paint(col, "│◀"+dashes(inner-5-width(text))+" "+text+" ──│")
		case StepTLS:
			text := fit(st.Text, inner-2)
			pad := inner - width(text)
			line = p.paint(colWarn, "│"+strings.Repeat(" ", pad/2)+text+strings.Repeat(" ", pad-pad/2)+"│")
		case StepGap:
			line = p.paint(colWarn, fit("│ !! "+st.Text, inner+1))
		}
		fmt.Fprintf(w, "%9.3f  %s\n", st.Time.Sub(s.Start).Seconds(), line)
		if under != "" {
			fmt.Fprintf(w, "%9s  %s\n", "", under)
		}
	}
	fmt.Fprintln(w)
}

// replyText is the line of r that stands for it, what else it carried
// (folded other lines), and when it came: its first line, or the last
// for a tagged reply.
func replyText(r *session.Response, tagged bool, folded int, l explain.Lang) (string, time.Time) {
	i := 0
	if tagged {
		i = len(r.Lines) - 1
	}
	text := Escape(r.Lines[i])
	switch {
	case len(r.Messages) == 1:
		text += explain.Say("ui.ladder.onemsg", l)
	case len(r.Messages) > 1:
		text += fmt.Sprintf(explain.Say("ui.ladder.msgs", l), len(r.Messages))
	case folded > 0 && tagged:
		text += fmt.Sprintf(explain.Say("ui.ladder.after", l), lineCount(folded, l))
	case folded > 0:
		text += fmt.Sprintf(explain.Say("ui.ladder.more", l), lineCount(folded, l))
	}
	return text, r.LineTime(i)
}

func lineCount(n int, l explain.Lang) string {
	if n == 1 {
		return explain.Say("ui.ladder.line", l)
	}
	return fmt.Sprintf(explain.Say("ui.ladder.lines", l), n)
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
