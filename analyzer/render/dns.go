package render

import (
	"fmt"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"io"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// LookupLine is one line for a DNS lookup: who asked whom what, and the
// answers with their preferences and TTLs.
func LookupLine(l *dns.Lookup) string {
	line := fmt.Sprintf("%s  DNS %s %s  %s -> %s", l.Time.UTC().Format("15:04:05.000"), Escape(l.Type), Escape(l.Name), l.Client, l.Server)
	if l.LatencyMS == nil {
		return line + "  no answer"
	}
	var answers []string
	for _, a := range l.Answers {
		switch a.Type {
		case "MX":
			answers = append(answers, fmt.Sprintf("MX %d %s", a.Preference, Escape(a.Value)))
		default:
			answers = append(answers, fmt.Sprintf("%s %s", Escape(a.Type), Escape(a.Value)))
		}
		if len(answers) > 0 {
			answers[len(answers)-1] += fmt.Sprintf(" (ttl %d)", a.TTL)
		}
	}
	line += fmt.Sprintf("  %s in %.1f ms", Escape(l.RCode), *l.LatencyMS)
	if len(answers) > 0 {
		line += ": " + strings.Join(answers, ", ")
	}
	return line
}

// Lookups writes the DNS lookups of a trace, in o's language.
func Lookups(w io.Writer, ls []*dns.Lookup, o TextOptions) {
	if len(ls) == 0 {
		return
	}
	p := painter{o.Color}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf(explain.Say("ui.dns.title", o.Lang), len(ls))))
	for _, l := range ls {
		fmt.Fprintf(w, "  %s\n", LookupLine(l))
	}
	fmt.Fprintln(w)
}

// mxLine says which MX answer a session followed, in l.
func mxLine(mx *session.MXLookup, l explain.Lang) string {
	return fmt.Sprintf(explain.Say("ui.dns.reached", l), Escape(mx.Domain), mx.Preference,
		Escape(mx.Exchange), mx.Address, mx.Client, mx.Server, mx.Time.UTC().Format("15:04:05.000"))
}
