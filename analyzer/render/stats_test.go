package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// TestStatsSayWhichLatenciesAreApproximate: a verb's latencies counted in
// buckets (past 1 024 of them) show with a "~", exact ones as they are.
func TestStatsSayWhichLatenciesAreApproximate(t *testing.T) {
	p := stats.Protocol{Protocol: "smtp", Sessions: 1, Commands: map[string]int{"NOOP": 5000, "QUIT": 1},
		Replies: map[string]int{}, Findings: map[string]int{},
		Latency: []stats.Latency{{Verb: "NOOP", Count: 5000, Median: 0.205, P95: 1.5, Approximate: true}, {Verb: "QUIT", Count: 1, Median: 0.125, P95: 0.125}}}
	var out bytes.Buffer
	if err := Stats(&out, stats.Capture{}, []stats.Protocol{p}, 0, explain.English); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"~0.205", "~1.500", " 0.125 "} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "~0.125") {
		t.Errorf("an exact latency is marked approximate:\n%s", text)
	}
}
