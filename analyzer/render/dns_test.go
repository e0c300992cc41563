package render

import (
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/explain"
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
