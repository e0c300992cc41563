package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"errors"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/where"
	"github.com/mailtrace/mailtrace/reassembly"
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
		{[]string{"read", "--lang", "es", "--color", "violeta", "x.pcap"}, `mailtrace: --color "violeta": tiene que ser auto, always o never`},
		{[]string{"read", "--lang", "es", "--json", "--stats", "x.pcap"}, "mailtrace: --follow, --ladder, --compare, --stats, --json, --jsonl, --summary y --journey se excluyen entre sí"},
		{[]string{"report", "--lang", "es", "x.pcap"}, "mailtrace: report: indicá la página con -o ARCHIVO (-o - la escribe en la salida estándar)"},
		{[]string{"read", "--json", "--stats", "x.pcap"}, "mailtrace: --follow, --ladder, --compare, --stats, --json, --jsonl, --summary and --journey exclude each other"},
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

// TestFileErrorsInTheirLanguage: what is wrong with a file that cannot be
// read as a capture is said in Spanish under --lang es, the path as it
// is; in English as before.
func TestFileErrorsInTheirLanguage(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		path, es, en string
	}{
		{filepath.Join(dir, "nada.pcap"), "no existe ese archivo", "no such file"},
		{dir, "es una carpeta, no un archivo", "is a directory"},
		{write("vacio.pcap", nil), "el archivo está vacío", "empty file"},
		{write("corto.pcap", []byte{0xd4, 0xc3}), "no es una captura: tiene solo 2 bytes", "not a capture file: only 2 bytes"},
		{write("notas.txt", []byte("hola mundo")), "no es un archivo pcap ni pcapng (empieza con 68 6f 6c 61)", "not a pcap or pcapng file (starts with 68 6f 6c 61)"},
	} {
		_, _, err := runCLI(t, nil, "read", "--lang", "es", tc.path)
		if err == nil {
			t.Fatalf("%s: read without an error", tc.path)
		}
		if got, want := errorLine(err, explain.Spanish), "mailtrace: "+tc.path+": "+tc.es; got != want {
			t.Errorf("Spanish: %q, want %q", got, want)
		}
		if got := errorLine(err, explain.English); !strings.HasPrefix(got, "mailtrace: "+tc.path+": "+tc.en) {
			t.Errorf("English: %q, want it to begin %q", got, tc.en)
		}
	}
}

// TestExpressionErrorsInBothLanguages: every mistake --filter and --where
// can say is said in English as the parsers say it, and in Spanish.
func TestExpressionErrorsInBothLanguages(t *testing.T) {
	filters := []string{"", strings.Repeat("not ", 1001) + "tcp", "port 25 port 26", "(port 25", "port 25 and", "ether host x",
		"host", "host mail", "net 10.0.0.0/99", "port 99999", "portrange 10"}
	wheres := []string{"", strings.Repeat("not ", 1001) + "user=a", "user=a user=b", `subject="x`, "user!a", "(user=a",
		"user=a and", "colour=red", "user", "user="}
	var errs []error
	for _, f := range filters {
		_, err := reassembly.ParseFilter(f)
		errs = append(errs, err)
	}
	for _, w := range wheres {
		_, err := where.Parse(w)
		errs = append(errs, err)
	}
	keys := map[string]bool{}
	for _, err := range errs {
		if err == nil {
			t.Fatal("an expression that should be refused was read")
		}
		if got, want := errorLine(usageError{err: err}, explain.English), "mailtrace: "+render.Escape(err.Error()); got != want {
			t.Errorf("English:\n got %q\nwant %q", got, want)
		}
		es := errorLine(usageError{err: err}, explain.Spanish)
		if es == errorLine(usageError{err: err}, explain.English) || !strings.Contains(es, "(esta versión lee") && !strings.Contains(es, "(CAMPO=VALOR") {
			t.Errorf("Spanish: %q", es)
		}
		var fe *reassembly.FilterError
		var we *where.Error
		switch {
		case errors.As(err, &fe):
			keys["filter."+fe.Key] = true
		case errors.As(err, &we):
			keys["where."+we.Key] = true
		}
	}
	if len(keys) != 21 {
		t.Errorf("%d kinds of mistake said, want every one of the 21: %v", len(keys), keys)
	}
}
