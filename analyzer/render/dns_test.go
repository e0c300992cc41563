package render

import (
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// TestLookupLine: the lab's exercise 5 read off one line: MX records by
// preference whatever the wire order, the additional section apart, each
// address with the name it belongs to, and the outcome in words.
func TestLookupLine(t *testing.T) {
	ms := 0.4
	l := &dns.Lookup{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Client: "127.0.0.1:4000", Server: "127.0.0.1:53",
		Name: "redes.unlp.edu.ar", Type: "MX", RCode: "Success", LatencyMS: &ms, Answers: []dns.Answer{
			{Section: "answer", Name: "redes.unlp.edu.ar", Type: "MX", Preference: 20, Value: "mx2.redes.unlp.edu.ar", TTL: 60},
			{Section: "answer", Name: "redes.unlp.edu.ar", Type: "MX", Preference: 10, Value: "mx1.redes.unlp.edu.ar", TTL: 60},
			{Section: "additional", Name: "mx1.redes.unlp.edu.ar", Type: "A", Value: "127.0.0.90", TTL: 60},
			{Section: "additional", Name: "mx2.redes.unlp.edu.ar", Type: "A", Value: "127.0.0.91", TTL: 60},
		}}
	got := LookupLine(l, explain.English)
	want := "answered in 0.4 ms; answer: MX 10 mx1.redes.unlp.edu.ar (ttl 60), MX 20 mx2.redes.unlp.edu.ar (ttl 60); " +
		"additional: mx1.redes.unlp.edu.ar A 127.0.0.90 (ttl 60), mx2.redes.unlp.edu.ar A 127.0.0.91 (ttl 60)"
	if !strings.HasSuffix(got, want) {
		t.Errorf("got  %q\nwant ...%q", got, want)
	}
	if es := LookupLine(l, explain.Spanish); !strings.Contains(es, "respondida en 0.4 ms; respuesta: MX 10") || !strings.Contains(es, "; adicional: mx1") {
		t.Errorf("Spanish: %q", es)
	}
	l.RCode, l.Answers = "NameError", nil
	if got := LookupLine(l, explain.English); !strings.HasSuffix(got, "no such name (NXDOMAIN) in 0.4 ms") {
		t.Errorf("NXDOMAIN: %q", got)
	}
}

// TestLookupsSayWhatWasTried: under an MX lookup, the exchangers the
// capture shows were tried, in the order they were, refused or reached;
// a try after another lookup is not listed; --explain gives the rule.
func TestLookupsSayWhatWasTried(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := 0.4
	l := &dns.Lookup{Time: at, Client: "127.0.0.1:4000", Server: "127.0.0.1:53", Name: "redes.unlp.edu.ar", Type: "MX", RCode: "Success", LatencyMS: &ms,
		Answers: []dns.Answer{{Section: "answer", Name: "redes.unlp.edu.ar", Type: "MX", Preference: 10, Value: "mx1.redes.unlp.edu.ar", TTL: 60},
			{Section: "additional", Name: "mx1.redes.unlp.edu.ar", Type: "A", Value: "127.0.0.90", TTL: 60}}}
	mx := func(pref uint16, host, addr string) session.MXLookup {
		return session.MXLookup{Time: at, Domain: "redes.unlp.edu.ar", Exchange: host, Preference: pref, Address: addr, Client: "127.0.0.1:4000"}
	}
	other := mx(10, "mx9.example", "127.0.0.99")
	other.Time = at.Add(time.Minute)
	tries := []MXTry{ // in the order sessions ended, not began
		{MX: mx(20, "mx2.redes.unlp.edu.ar", "127.0.0.91"), Session: 4, Status: "220", Greeting: "220 mx2 ESMTP"},
		{MX: mx(10, "mx1.redes.unlp.edu.ar", "127.0.0.90"), Session: 2, Status: "554", Greeting: "554 5.7.1 no service"},
		{MX: other, Session: 3, Status: "220", Greeting: "220 mx9"},
	}
	var b strings.Builder
	Lookups(&b, []*dns.Lookup{l}, tries, TextOptions{Explain: explain.Default()})
	out := b.String()
	first := strings.Index(out, "1. tried MX 10 mx1.redes.unlp.edu.ar at 127.0.0.90: session 2, refused (554 5.7.1 no service)")
	second := strings.Index(out, "2. tried MX 20 mx2.redes.unlp.edu.ar at 127.0.0.91: session 4, reached (220)")
	if first < 0 || second < first {
		t.Errorf("tries not listed in order, refused then reached:\n%s", out)
	}
	if strings.Contains(out, "mx9") {
		t.Errorf("a try after another lookup listed:\n%s", out)
	}
	if !strings.Contains(out, "lowest preference first") || !strings.Contains(out, "(RFC 5321") || !strings.Contains(out, "(RFC 1035") {
		t.Errorf("no rule explained:\n%s", out)
	}
}
