package render

import (
	"fmt"
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

// Lookups writes the DNS lookups of a trace.
func Lookups(w io.Writer, ls []*dns.Lookup, color bool) {
	if len(ls) == 0 {
		return
	}
	p := painter{color}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf("DNS lookups: %d", len(ls))))
	for _, l := range ls {
		fmt.Fprintf(w, "  %s\n", LookupLine(l))
	}
	fmt.Fprintln(w)
}

// mxLine says which MX answer a session followed.
func mxLine(mx *session.MXLookup) string {
	return fmt.Sprintf("  reached by MX lookup: %s MX %d %s -> %s, asked by %s of %s at %s", Escape(mx.Domain), mx.Preference,
		Escape(mx.Exchange), mx.Address, mx.Client, mx.Server, mx.Time.UTC().Format("15:04:05.000"))
}
