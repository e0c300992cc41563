package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/mailtrace/mailtrace/analyzer/render"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// runCLI runs mailtrace with args and returns stdout, stderr and the error.
func runCLI(t *testing.T, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCmd(bytes.NewReader(stdin), &out, &errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// sessionLine tells a --jsonl session's line from a DNS lookup's or a
// journey's.
func sessionLine(l string) bool {
	return strings.Contains(l[:min(len(l), 40)], `"type":"session"`)
}

func samples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../samples/*.pcapng")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples found: %v", err)
	}
	return files
}

// TestGolden checks every view of every sample against testdata/golden,
// and the lab's own sessions explained in both languages.
func TestGolden(t *testing.T) {
	views := []struct {
		ext  string
		args []string
	}{
		{"txt", nil},
		{"stats.txt", []string{"--stats"}},
		{"follow.txt", []string{"--follow"}},
		{"ladder.txt", []string{"--ladder"}},
		{"compare.txt", []string{"--compare"}},
		{"summary.txt", []string{"--summary"}},
		{"full.txt", []string{"--full"}},
		{"json", []string{"--json"}},
	}
	type run struct {
		path, ext string
		args      []string
	}
	var runs []run
	for _, path := range samples(t) {
		for _, v := range views {
			runs = append(runs, run{path, v.ext, v.args})
		}
	}
	// At the lab terminal's width every text view (--ladder and --compare
	// are drawn in 80 columns whatever the width): lines broken between
	// words, message fields on lines of their own, the statistics turned;
	// and every text view at 200, a wide terminal's.
	for _, path := range samples(t) {
		runs = append(runs, run{path, "w80.txt", []string{"--width", "80"}}, run{path, "stats-w80.txt", []string{"--stats", "--width", "80"}},
			run{path, "summary-w80.txt", []string{"--summary", "--width", "80"}}, run{path, "full-w80.txt", []string{"--full", "--width", "80"}},
			run{path, "follow-w80.txt", []string{"--follow", "--width", "80"}}, run{path, "w200.txt", []string{"--width", "200"}},
			run{path, "stats-w200.txt", []string{"--stats", "--width", "200"}}, run{path, "summary-w200.txt", []string{"--summary", "--width", "200"}},
			run{path, "full-w200.txt", []string{"--full", "--width", "200"}}, run{path, "follow-w200.txt", []string{"--follow", "--width", "200"}})
	}
	// Headings in Spanish without explanations: TLS, a folded reply.
	runs = append(runs, run{filepath.Join("..", "..", "samples", "smtp-starttls.pcapng"), "lang-es.txt", []string{"--lang", "es"}},
		run{filepath.Join("..", "..", "samples", "attachments-journey.pcapng"), "compare-es.txt", []string{"--compare", "--lang", "es"}},
		run{filepath.Join("..", "..", "samples", "attachments-journey.pcapng"), "stats-w80-es.txt", []string{"--stats", "--width", "80", "--lang", "es"}},
		run{filepath.Join("..", "..", "samples", "attachments-journey.pcapng"), "summary-es.txt", []string{"--summary", "--lang", "es"}},
		run{filepath.Join("..", "..", "samples", "smtp-starttls.pcapng"), "ladder-es.txt", []string{"--ladder", "--lang", "es"}},
		// A message's path, and exercise 3d's forged From in the ladder.
		run{filepath.Join("..", "..", "samples", "attachments-journey.pcapng"), "journey.txt", []string{"--journey"}},
		run{filepath.Join("..", "..", "samples", "attachments-journey.pcapng"), "journey-es.txt", []string{"--journey", "--lang", "es"}},
		run{filepath.Join("..", "..", "samples", "smtp-forged-from.pcapng"), "ladder-es.txt", []string{"--ladder", "--lang", "es"}},
		// The lab's last hop: Postfix hands the message to Dovecot over LMTP.
		run{filepath.Join("..", "..", "samples", "lmtp-journey.pcapng"), "journey.txt", []string{"--journey"}},
		run{filepath.Join("..", "..", "samples", "lmtp-journey.pcapng"), "journey-es.txt", []string{"--journey", "--lang", "es"}},
		run{filepath.Join("..", "..", "samples", "lmtp-journey.pcapng"), "explain-es.txt", []string{"--explain", "--lang", "es", "--proto", "lmtp"}})
	// The handout's own sessions (3b, 3f, 3h) and the lab's exercises 1
	// (client, its server, the next one) and 5 (the MX lookup, the first
	// exchanger refusing) at the lab terminal's width, explained, in both
	// languages; and the exercises' message paths.
	for _, name := range []string{"smtp1", "pop3", "imap", "exercise1-two-hops", "exercise5-mx"} {
		path := filepath.Join("..", "..", "samples", name+".pcapng")
		runs = append(runs, run{path, "explain-w80-es.txt", []string{"--explain", "--width", "80", "--lang", "es"}},
			run{path, "explain-w80-en.txt", []string{"--explain", "--width", "80", "--lang", "en"}})
		if strings.HasPrefix(name, "exercise") {
			runs = append(runs, run{path, "journey-es.txt", []string{"--journey", "--lang", "es"}})
		}
	}
	for _, name := range []string{"smtp1", "pop3", "imap"} {
		for _, lang := range []string{"es", "en"} {
			runs = append(runs, run{filepath.Join("..", "..", "samples", name+".pcapng"), "explain-" + lang + ".txt", []string{"--explain", "--lang", lang}})
		}
	}
	// The HTML report of every sample, and one in Spanish.
	for _, path := range samples(t) {
		runs = append(runs, run{path, "report.html", []string{"report", "-o", "-"}})
	}
	runs = append(runs, run{filepath.Join("..", "..", "samples", "attachments-journey.pcapng"), "report-es.html", []string{"report", "-o", "-", "--lang", "es"}})
	for _, r := range runs {
		base := strings.TrimSuffix(filepath.Base(r.path), ".pcapng")
		t.Run(base+"."+r.ext, func(t *testing.T) {
			args := append([]string{"read", "--color=never"}, r.args...)
			if len(r.args) > 0 && r.args[0] == "report" {
				args = r.args
			}
			got, stderr, err := runCLI(t, nil, append(args, r.path)...)
			if err != nil || stderr != "" {
				t.Fatalf("read %s: err %v, stderr %q", r.path, err, stderr)
			}
			golden := filepath.Join("testdata", "golden", base+"."+r.ext)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				d := st.Diff(strings.Split(got, "\n"), strings.Split(string(want), "\n"))
				t.Errorf("output differs from %s (run with -update if the change is deliberate):\n%.2000s", golden, d)
			}
		})
	}
}

// TestNoLineWiderThanTheWidth: at 80 and 200 columns, no line of any
// text view, in English or Spanish, for every sample and public capture,
// is wider.
func TestNoLineWiderThanTheWidth(t *testing.T) {
	files := samples(t)
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	files = append(files, public...)
	for _, width := range []string{"80", "200"} {
		for _, view := range [][]string{nil, {"--stats"}, {"--summary"}, {"--full"}, {"--follow"}, {"--ladder"}, {"--compare"}, {"--journey"}, {"--explain"},
			{"--lang", "es"}, {"--stats", "--lang", "es"}, {"--compare", "--lang", "es"}, {"--explain", "--lang", "es"}} {
			args := append([]string{"read", "--color=never", "--width", width}, view...)
			out, _, err := runCLI(t, nil, append(args, files...)...)
			if err != nil {
				t.Fatalf("%v: %v", view, err)
			}
			max, _ := strconv.Atoi(width)
			for _, l := range strings.Split(out, "\n") {
				if w := runewidth.StringWidth(l); w > max {
					t.Errorf("%v at %s: %d columns: %q", view, width, w, l)
				}
			}
		}
	}
}

// TestLabViewsFit80Columns: every arrow of the ladder, and every line of
// the POP3/IMAP comparison, for every sample and public capture, fits in
// 80 columns whatever the lines they carry.
func TestLabViewsFit80Columns(t *testing.T) {
	files := samples(t)
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	files = append(files, public...)
	views := []struct {
		flag    string
		checked func(line string) bool // the lines held to the width
	}{
		{"--ladder", func(l string) bool { return strings.HasPrefix(strings.TrimLeft(l, " 0123456789."), "│") }},
		{"--compare", func(string) bool { return true }},
	}
	for _, v := range views {
		t.Run(v.flag, func(t *testing.T) {
			for _, path := range files {
				out, _, err := runCLI(t, nil, "read", "--color=never", v.flag, path)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				checked := 0
				for _, l := range strings.Split(out, "\n") {
					if !v.checked(l) || l == "" {
						continue
					}
					checked++
					if w := runewidth.StringWidth(l); w > render.LabWidth {
						t.Errorf("%s: %d columns: %q", filepath.Base(path), w, l)
					}
				}
				if checked == 0 && strings.Contains(out, "Session ") {
					t.Errorf("%s: sessions but nothing drawn:\n%.500s", filepath.Base(path), out)
				}
			}
		})
	}
}

// TestMain keeps the outputs the tests compare from depending on the
// terminal the tests run in.
func TestMain(m *testing.M) {
	for _, v := range []string{"COLUMNS", "LC_ALL", "LC_MESSAGES", "LANG", "MAILTRACE_CLICKHOUSE"} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}

// TestMessagesToTheUserInBothLanguages: what mailtrace says on standard
// error follows --lang too.
func TestMessagesToTheUserInBothLanguages(t *testing.T) {
	sample := filepath.Join("..", "..", "samples", "smtp1.pcapng")
	for lang, want := range map[string]string{
		"en": "mailtrace: no session matches --session, --proto or --where; the capture holds 1 session (numbered 1 to 1)\n",
		"es": "mailtrace: ninguna sesión coincide con --session, --proto o --where; la captura tiene 1 sesión (numeradas de 1 a 1)\n",
	} {
		_, stderr, err := runCLI(t, nil, "read", "--lang", lang, "--session", "9", sample)
		if err != nil || stderr != want {
			t.Errorf("--lang %s: err %v, stderr %q, want %q", lang, err, stderr, want)
		}
	}
}
