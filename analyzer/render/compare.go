package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/compare"
	"github.com/mailtrace/mailtrace/analyzer/explain"
)

// Compare writes POP3 and IMAP side by side, in 80 columns: a row per
// session and one per protocol, what each changed on the server, and the
// sentences that say what the figures cannot. Nothing is written when
// the capture has neither.
func Compare(w io.Writer, r compare.Report, l explain.Lang) {
	if len(r.Sessions) == 0 {
		return
	}
	fmt.Fprintln(w, "\n"+explain.Say("ui.compare.title", l))
	const head = "%5s  %-5s %6s %9s %9s %9s %9s %5s %6s\n"
	fmt.Fprintf(w, head, heading("ui.compare.head", l)...)
	row := func(id string, s compare.Session) {
		fmt.Fprintf(w, head, id, strings.ToUpper(string(s.Protocol)), fmt.Sprint(s.RoundTrips), fmt.Sprint(s.BytesClient),
			fmt.Sprint(s.BytesServer), seconds(s.Open), seconds(s.Idle), fmt.Sprint(s.Downloaded), fmt.Sprint(s.Again))
		if len(s.Changes) > 0 {
			var cs []string
			for _, name := range sortedKeys(s.Changes) {
				cs = append(cs, fmt.Sprintf("%s ×%d", name, s.Changes[name]))
			}
			for _, l := range wrapWords(explain.Say("ui.compare.changed", l)+strings.Join(cs, ", "), LabWidth-9) {
				fmt.Fprintln(w, "         "+l)
			}
		}
	}
	for _, s := range r.Sessions {
		row(fmt.Sprint(s.ID), s)
	}
	for _, p := range r.Protocols {
		row(explain.Say("ui.compare.all", l), p.Session)
	}
	for _, n := range compare.Notes(r.Protocols, l) {
		fmt.Fprintln(w)
		for _, l := range wrapWords(n, LabWidth-2) {
			fmt.Fprintln(w, "  "+l)
		}
	}
}

func seconds(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// wrapWords breaks text into lines of at most n columns, at spaces; a
// word longer than n has a line of its own.
func wrapWords(text string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case width(line)+1+width(word) <= n:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
