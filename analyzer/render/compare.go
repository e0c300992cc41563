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
// session (rows writes them: CompareRow's, written as the sessions
// ended) and one per protocol, what each changed on the server, and the
// sentences that say what the figures cannot. Nothing is written when
// the capture has neither.
func Compare(w io.Writer, r compare.Report, rows func(io.Writer) error, l explain.Lang) error {
	if len(r.Protocols) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\n"+explain.Say("ui.compare.title", l))
	fmt.Fprintf(w, compareHead, heading("ui.compare.head", l)...)
	if err := rows(w); err != nil {
		return err
	}
	for _, p := range r.Protocols {
		compareRow(w, explain.Say("ui.compare.all", l), p.Session, l)
	}
	for _, n := range compare.Notes(r.Protocols, l) {
		fmt.Fprintln(w)
		for _, l := range wrapWords(n, LabWidth-2) {
			fmt.Fprintln(w, "  "+l)
		}
	}
	return nil
}

const compareHead = "%5s  %-5s %6s %9s %9s %9s %9s %5s %6s\n"

// CompareRow writes a session's row of the comparison, and what it
// changed on the server.
func CompareRow(w io.Writer, s compare.Session, l explain.Lang) {
	compareRow(w, fmt.Sprint(s.ID), s, l)
}

func compareRow(w io.Writer, id string, s compare.Session, l explain.Lang) {
	fmt.Fprintf(w, compareHead, id, strings.ToUpper(string(s.Protocol)), fmt.Sprint(s.RoundTrips), fmt.Sprint(s.BytesClient),
		fmt.Sprint(s.BytesServer), seconds(s.Open), seconds(s.Idle), fmt.Sprint(s.Downloaded), fmt.Sprint(s.Again))
	if len(s.Changes) > 0 {
		var cs []string
		for _, name := range sortedKeys(s.Changes) {
			label := name // the JSON's key; said in l where the catalog has it
			if t := explain.Say("ui.compare.change."+name, l); t != "" {
				label = t
			}
			cs = append(cs, fmt.Sprintf("%s ×%d", label, s.Changes[name]))
		}
		for _, l := range wrapWords(explain.Say("ui.compare.changed", l)+strings.Join(cs, ", "), LabWidth-9) {
			fmt.Fprintln(w, "         "+l)
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
