package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/explain"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// LookupLine is one line for a DNS lookup in l: who asked whom what, how
// it went, and the records of each section, each with its name where it
// is not the name asked, MX records by preference (as a sender tries
// them, RFC 5321 §5.1), with their TTLs.
func LookupLine(lk *dns.Lookup, l explain.Lang) string {
	line := fmt.Sprintf("%s  DNS %s %s  %s -> %s", lk.Time.UTC().Format("15:04:05.000"), Escape(lk.Type), Escape(lk.Name), lk.Client, lk.Server)
	if lk.LatencyMS == nil {
		return line + "  " + explain.Say("ui.dns.noanswer", l)
	}
	outcome := explain.Say("ui.dns.rcode."+lk.RCode, l)
	if outcome == "" {
		outcome = Escape(lk.RCode)
	}
	line += fmt.Sprintf("  "+explain.Say("ui.dns.in", l), outcome, *lk.LatencyMS)
	for _, section := range []string{"answer", "additional"} {
		var rs []dns.Answer
		for _, a := range lk.Answers {
			if a.Section == section || section == "answer" && a.Section == "" {
				rs = append(rs, a)
			}
		}
		if len(rs) == 0 {
			continue
		}
		slices.SortStableFunc(rs, func(a, b dns.Answer) int {
			if a.Type == "MX" && b.Type == "MX" {
				return int(a.Preference) - int(b.Preference)
			}
			return 0
		})
		var shown []string
		for _, a := range rs {
			r := Escape(a.Type) + " "
			if a.Type == "MX" {
				r += fmt.Sprintf("%d ", a.Preference)
			}
			r += Escape(a.Value)
			if !strings.EqualFold(a.Name, lk.Name) {
				r = Escape(a.Name) + " " + r
			}
			shown = append(shown, r+fmt.Sprintf(" (ttl %d)", a.TTL))
		}
		line += fmt.Sprintf("; %s: %s", explain.Say("ui.dns.section."+section, l), strings.Join(shown, ", "))
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
		fmt.Fprintf(w, "  %s\n", LookupLine(l, o.Lang))
	}
	fmt.Fprintln(w)
}

// mxLine says which MX answer a session followed, in l.
func mxLine(mx *session.MXLookup, l explain.Lang) string {
	return fmt.Sprintf(explain.Say("ui.dns.reached", l), Escape(mx.Domain), mx.Preference,
		Escape(mx.Exchange), mx.Address, mx.Client, mx.Server, mx.Time.UTC().Format("15:04:05.000"))
}
