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
	outcome := catalogWord("ui.dns.rcode.", lk.RCode, l)
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

// MXTry is an exchanger the capture shows a sender tried after an MX
// lookup: the session that followed the answer, and its greeting's
// status and line ("" when none came).
type MXTry struct {
	MX       session.MXLookup
	Session  int
	Status   string
	Greeting string
}

// MaxTries bounds the tries a view keeps; past it, the rest are not
// listed.
const MaxTries = 10000

// AddTry appends to tries the try s was, if it followed an MX answer and
// tries holds fewer than MaxTries.
func AddTry(tries []MXTry, s *session.Session) []MXTry {
	if t, ok := tryOf(s); ok && len(tries) < MaxTries {
		tries = append(tries, t)
	}
	return tries
}

// tryOf is the try a session was, if it followed an MX answer.
func tryOf(s *session.Session) (MXTry, bool) {
	if s.MXLookup == nil {
		return MXTry{}, false
	}
	t := MXTry{MX: *s.MXLookup, Session: s.ID}
	if len(s.Exchanges) > 0 {
		if e := s.Exchanges[0]; e.Command == nil && e.Response != nil && len(e.Response.Lines) > 0 {
			t.Status, t.Greeting = e.Response.Status, e.Response.Lines[0]
		}
	}
	return t, true
}

// Lookups writes the DNS lookups of a trace, in o's language: under an
// MX lookup, the exchangers the capture shows were tried, in the order
// they were, and how each answered; with o.Explain, what the records mean.
func Lookups(w io.Writer, ls []*dns.Lookup, tries []MXTry, o TextOptions) {
	if len(ls) == 0 {
		return
	}
	p := painter{o.Color}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf(explain.Say("ui.dns.title", o.Lang), len(ls))))
	tries = SortTries(tries)
	for _, l := range ls {
		for i, line := range LookupLines(l, tries, o) {
			if i > 0 {
				line = "   " + line
			}
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	fmt.Fprintln(w)
}

// SortTries puts tries in the order the sessions began.
func SortTries(tries []MXTry) []MXTry {
	tries = slices.Clone(tries)
	slices.SortStableFunc(tries, func(a, b MXTry) int { return a.Session - b.Session })
	return tries
}

// LookupLines are a lookup's line, then, with o.Explain, what its
// records mean, then for an MX lookup the exchangers tried after it, from
// tries (sorted by SortTries), each with how it answered.
func LookupLines(l *dns.Lookup, tries []MXTry, o TextOptions) []string {
	out := []string{LookupLine(l, o.Lang)}
	if o.Explain != nil {
		var ts []explain.Text
		if t, ok := o.Explain["dns."+l.Type]; ok {
			ts = append(ts, t)
		}
		if slices.ContainsFunc(l.Answers, func(a dns.Answer) bool { return a.Section == "additional" }) {
			ts = append(ts, o.Explain["dns.additional"])
		}
		for _, e := range explanationLines(ts, o.Lang) {
			out = append(out, strings.TrimPrefix(e, "   "))
		}
	}
	if l.Type != "MX" {
		return out
	}
	n := 0
	for _, t := range tries {
		if !t.MX.Time.Equal(l.Time) || !strings.EqualFold(t.MX.Domain, l.Name) || t.MX.Client != l.Client {
			continue
		}
		n++
		out = append(out, fmt.Sprintf(explain.Say("ui.dns.tried", o.Lang), n, t.MX.Preference, Escape(t.MX.Exchange), t.MX.Address, t.Session, tryOutcome(t, o.Lang)))
	}
	return out
}

// tryOutcome says how an exchanger answered: its greeting, by what the
// status means.
func tryOutcome(t MXTry, l explain.Lang) string {
	switch {
	case t.Status == "":
		return explain.Say("ui.dns.try.silent", l)
	case ReplyMeaning(t.Status) == MeaningOK:
		return fmt.Sprintf(explain.Say("ui.dns.try.ok", l), Escape(t.Status))
	}
	return fmt.Sprintf(explain.Say("ui.dns.try.refused", l), Escape(t.Greeting))
}

// mxLine says which MX answer a session followed, in l.
func mxLine(mx *session.MXLookup, l explain.Lang) string {
	return fmt.Sprintf(explain.Say("ui.dns.reached", l), Escape(mx.Domain), mx.Preference,
		Escape(mx.Exchange), mx.Address, mx.Client, mx.Server, mx.Time.UTC().Format("15:04:05.000"))
}
