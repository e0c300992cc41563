package main

import (
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/explain"
)

// TestUsageErrorsInTheirLanguage: a mistyped flag or command gets one
// line, in the language the run asked for, even when --lang itself was
// never parsed, and exits 2.
func TestUsageErrorsInTheirLanguage(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--lang", "es", "--nope", "x.pcap"}, "mailtrace: opción desconocida: --nope"},
		{[]string{"read", "--lang=es", "-x", "x.pcap"}, "mailtrace: opción corta desconocida: 'x' en -x"},
		{[]string{"read", "--nope", "x.pcap"}, "mailtrace: unknown flag: --nope"},
		{[]string{"reed", "x.pcap"}, `mailtrace: unknown command "reed"; did you mean read?`},
		{[]string{"--lang", "es", "reed"}, `mailtrace: comando desconocido "reed"; ¿quisiste decir read?`},
	} {
		_, _, err := runCLI(t, nil, tc.args...)
		if err == nil {
			t.Fatalf("%v: no error", tc.args)
		}
		if got := errorLine(err, langOf(tc.args, noEnv)); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.args, got, tc.want)
		}
		if exitCode(err) != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, exitCode(err))
		}
	}
	if l := langOf([]string{"read", "x"}, func(k string) string { return map[string]string{"LANG": "es_AR.UTF-8"}[k] }); l != explain.Spanish {
		t.Errorf("LANG=es_AR: %q", l)
	}
}
