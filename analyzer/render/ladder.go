package render

import (
	"fmt"
	"io"
	"sort"
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

	type arrow struct {
		t     time.Time
		order int
		line  string
	}
	var arrows []arrow
	add := func(t time.Time, line string) { arrows = append(arrows, arrow{t, len(arrows), line}) }
	labels := answers(s)
	for _, e := range s.Exchanges {
		if c := e.Command; c != nil {
			text := strings.TrimPrefix(commandLines(s, c, TextOptions{}, painter{})[0], "C: ")
			add(c.Time, p.paint(colClient, "│── "+fit(text, inner-6)+" "+dashes(inner-5-width(fit(text, inner-6)))+"▶│"))
		}
		if r := e.Response; r != nil && len(r.Lines) > 0 {
			// A tagged reply (IMAP) is its completion, the last line; the
			// untagged data before it is counted.
			tagged := e.Command != nil && e.Command.Tag != ""
			folded := len(r.Lines) - 1
			if tagged {
				// Data the server sent while the command ran (the EXISTS
				// IDLE announces) gets its own arrow, at its time.
				for i, l := range r.Lines[:len(r.Lines)-1] {
					if t := r.LineTime(i); !t.Equal(r.LineTime(len(r.Lines) - 1)) {
						text := fit(Escape(l), inner-6)
						add(t, p.paint(colServer, "│◀"+dashes(inner-5-width(text))+" "+text+" ──│"))
						folded--
					}
				}
			}
			text, at := replyText(r, tagged, folded)
			if l := labels[e]; l != "" {
				text += "  " + l
			}
			text = fit(text, inner-6)
			add(at, p.paint(colServer, "│◀"+dashes(inner-5-width(text))+" "+text+" ──│"))
		}
	}
	if e := s.Encrypted; e != nil {
		text := fit(fmt.Sprintf(explain.Say("ui.ladder.tls", o.Lang), e.BytesClient, e.BytesServer), inner-2)
		pad := inner - width(text)
		add(e.Since, p.paint(colWarn, "│"+strings.Repeat(" ", pad/2)+text+strings.Repeat(" ", pad-pad/2)+"│"))
	}
	for _, g := range s.Gaps {
		add(g.Time, p.paint(colWarn, fit(fmt.Sprintf("│ !! %d bytes lost %s", g.Bytes, g.Dir), inner+1)))
	}
	sort.SliceStable(arrows, func(i, j int) bool {
		if !arrows[i].t.Equal(arrows[j].t) {
			return arrows[i].t.Before(arrows[j].t)
		}
		return arrows[i].order < arrows[j].order
	})
	for _, a := range arrows {
		fmt.Fprintf(w, "%9.3f  %s\n", a.t.Sub(s.Start).Seconds(), a.line)
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
