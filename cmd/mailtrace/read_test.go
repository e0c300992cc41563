package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/reassembly"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sample, err := os.ReadFile("../../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
		code    int
	}{
		{"empty file", write("empty.pcap", nil), "empty.pcap: empty file", 1},
		{"not a capture", write("notes.txt", []byte("<html>hello</html>")), "notes.txt: not a pcap or pcapng file", 1},
		{"missing file", filepath.Join(dir, "nope.pcap"), "nope.pcap: no such file or directory", 1},
		{"a directory", dir, "is a directory", 1},
		{"too short", write("short.pcap", []byte{0xd4, 0xc3}), "not a capture file", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, nil, "read", tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if got := exitCode(err); got != tc.code {
				t.Errorf("exit code %d, want %d", got, tc.code)
			}
		})
	}
	t.Run("cut short: partial result and a warning", func(t *testing.T) {
		p := write("cut.pcapng", sample[:len(sample)*2/3])
		out, stderr, err := runCLI(t, nil, "read", "--summary", p)
		if err != nil {
			t.Fatalf("got error %v, want a partial result", err)
		}
		if !strings.Contains(stderr, "cut short") {
			t.Errorf("stderr %q does not warn of the cut", stderr)
		}
		if !strings.Contains(out, "smtp") {
			t.Errorf("no session in the partial result:\n%s", out)
		}
		if _, stderr, _ = runCLI(t, nil, "read", "--summary", "--lang", "es", p); !strings.Contains(stderr, "aviso: ") || !strings.Contains(stderr, "termina de golpe tras ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("stderr %q is not one Spanish line about the cut", stderr)
		}
	})
	t.Run("usage error", func(t *testing.T) {
		_, _, err := runCLI(t, nil, "read", "--json", "--stats", "../../samples/smtp1.pcapng")
		if exitCode(err) != 2 {
			t.Errorf("got %v (exit %d), want a usage error", err, exitCode(err))
		}
	})
}

// TestInputForms checks that gzip, standard input and several files give
// what the plain file gives.
func TestInputForms(t *testing.T) {
	sample, err := os.ReadFile("../../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := runCLI(t, nil, "read", "--json", "../../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(sample)
	zw.Close()
	p := filepath.Join(t.TempDir(), "capture.bin")
	os.WriteFile(p, gz.Bytes(), 0o644)
	fromGzip, _, err := runCLI(t, nil, "read", "--json", p)
	if err != nil {
		t.Fatal(err)
	}
	fromStdin, _, err := runCLI(t, sample, "read", "--json", "-")
	if err != nil {
		t.Fatal(err)
	}
	if fromGzip != plain || fromStdin != plain {
		t.Errorf("gzip or stdin input differs from the plain file")
	}
	both, _, err := runCLI(t, nil, "read", "--summary", "../../samples/smtp1.pcapng", "../../samples/pop3.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(both, "smtp") || !strings.Contains(both, "pop3") {
		t.Errorf("two files: got\n%s", both)
	}
}

func TestFilters(t *testing.T) {
	args := []string{"read", "--json", "--proto", "pop3", "../../samples/smtp1.pcapng", "../../samples/pop3.pcapng"}
	out, _, err := runCLI(t, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version  int
		Sessions []struct {
			ID       int
			Protocol string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != render.JSONVersion || len(doc.Sessions) != 1 || doc.Sessions[0].Protocol != "pop3" || doc.Sessions[0].ID != 2 {
		t.Errorf("--proto pop3: got %+v", doc)
	}
	out, _, err = runCLI(t, nil, "read", "--jsonl", "--session", "1", "../../samples/smtp1.pcapng", "../../samples/pop3.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"protocol":"smtp"`) || !strings.Contains(lines[0], fmt.Sprintf(`"version":%d`, render.JSONVersion)) {
		t.Errorf("--jsonl --session 1: got %q", out)
	}
}

// TestPortOption: the seed's SMTP session moved to port 2626 is found by
// its greeting without --port, and by its port with --port smtp=2626.
func TestPortOption(t *testing.T) {
	segs, err := capturetest.ReadFile("../../samples/smtp1.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := capturetest.Write(capturetest.MovePort(segs, 25, 2626))
	path := filepath.Join(t.TempDir(), "moved.pcap")
	os.WriteFile(path, data, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, `"detected_by": "content"`},
		{[]string{"--port", "smtp=2626"}, `"detected_by": "port"`},
	} {
		out, _, err := runCLI(t, nil, append(append([]string{"read", "--json"}, tc.args...), path)...)
		if err != nil || !strings.Contains(out, tc.want) || !strings.Contains(out, `"server": "127.0.0.1:2626"`) {
			t.Errorf("%v: err %v, want %s", tc.args, err, tc.want)
		}
	}
	_, _, err = runCLI(t, nil, "read", "--port", "smtp", path)
	if exitCode(err) != 2 {
		t.Errorf("bad --port: got %v", err)
	}
}

// TestBoundFlags: the bounds take effect from the command line.
func TestBoundFlags(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--max-header", "40", "../../samples/smtp-auth-attachment.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "(partly kept)") || strings.Contains(out, "(incomplete)") || strings.Contains(out, "Subject: Informe con adjuntos") {
		t.Errorf("--max-header 40: summary should be marked partly kept, not incomplete, and miss the subject:\n%s", out)
	}
	out, _, _ = runCLI(t, nil, "read", "--json", "--max-line", "20", "../../samples/smtp1.pcapng")
	if !strings.Contains(out, "line longer than the limit (--max-line) was cut") {
		t.Errorf("--max-line 20: no cut line anomaly")
	}
	if _, _, err := runCLI(t, nil, "read", "--max-open", "-1", "../../samples/smtp1.pcapng"); exitCode(err) != 2 {
		t.Errorf("negative bound: got %v, want a usage error", err)
	}
}

// TestSessionBounds: a session that repeats a line without end keeps at
// most --max-exchanges exchanges and --max-anomalies anomalies; the rest
// are counted, in the session and in the statistics.
func TestSessionBounds(t *testing.T) {
	c, s := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:25")
	segs := capturetest.Converse(c, s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		capturetest.Said{Data: "220 mx\r\n"}, capturetest.Said{Client: true, Data: strings.Repeat("FROB\r\n", 500)},
		capturetest.Said{Data: strings.Repeat("500 what\r\n", 500)})
	data, _ := capturetest.Write(segs)
	path := filepath.Join(t.TempDir(), "endless.pcap")
	os.WriteFile(path, data, 0o644)
	out, _, err := runCLI(t, nil, "read", "--json", "--max-exchanges", "50", "--max-anomalies", "5", path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sessions []struct {
			Exchanges        []any
			Anomalies        []any
			ExchangesDropped int `json:"exchanges_dropped"`
			AnomaliesDropped int `json:"anomalies_dropped"`
		}
		Stats struct{ Protocols []struct{ Anomalies int } }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Sessions[0]
	if len(got.Exchanges) != 50 || got.ExchangesDropped != 451 || len(got.Anomalies) != 5 {
		t.Errorf("kept %d exchanges (%d dropped), %d anomalies; want 50 (451 dropped), 5", len(got.Exchanges), got.ExchangesDropped, len(got.Anomalies))
	}
	// 500 unknown commands and the bound itself.
	if total := len(got.Anomalies) + got.AnomaliesDropped; total != 501 || doc.Stats.Protocols[0].Anomalies != 501 {
		t.Errorf("anomalies counted: session %d, statistics %d, want 501", total, doc.Stats.Protocols[0].Anomalies)
	}
}

// TestOutputIsAFunctionOfTheInput: sessions still open at the end of the
// input come out in the order they started, the same every run (gopacket
// completes them in map order).
func TestOutputIsAFunctionOfTheInput(t *testing.T) {
	var segs []capturetest.Segment
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 40; i++ {
		c := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(40000+i))
		conv := capturetest.Converse(c, netip.MustParseAddrPort("127.0.0.1:25"), t0.Add(time.Duration(i)*time.Millisecond),
			capturetest.Said{Data: "220 mx\r\n"}, capturetest.Said{Client: true, Data: "NOOP\r\n"}, capturetest.Said{Data: "250 ok\r\n"})
		segs = append(segs, conv[:len(conv)-3]...) // no FIN: open at the end
	}
	data, _ := capturetest.Write(segs)
	path := filepath.Join(t.TempDir(), "open.pcap")
	os.WriteFile(path, data, 0o644)
	first, _, err := runCLI(t, nil, "read", "--jsonl", path)
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 5; run++ {
		if again, _, _ := runCLI(t, nil, "read", "--jsonl", path); again != first {
			t.Fatalf("run %d differs from the first", run+2)
		}
	}
	for i, line := range strings.Split(strings.TrimSpace(first), "\n") {
		if !strings.Contains(line, fmt.Sprintf(`"id":%d,`, i+1)) || !strings.Contains(line, `"state":"open"`) {
			t.Fatalf("line %d: %.80s", i+1, line)
		}
	}
}

// TestJourney: the lab's message typed over SMTP (no Message-ID; Postfix
// queued it as 0AA8BBA1BD) is the one read later over POP3, whose copy's
// Received: names that id.
func TestJourney(t *testing.T) {
	files := []string{"../../samples/smtp1.pcapng", "../../samples/pop3.pcapng"}
	out, _, err := runCLI(t, nil, append([]string{"read", "--journey", "--color=never"}, files...)...)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Journeys: 1 message in", "sent over SMTP DATA, session 1", "queued as 0AA8BBA1BD",
		"read over POP3 RETR by alumnopop, session 2", "14.477s later"}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in:\n%s", w, out)
		}
	}
	out, _, _ = runCLI(t, nil, append([]string{"read", "--json"}, files...)...)
	var doc struct {
		Journeys []struct{ Hops []struct{ Session int } }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Journeys) != 1 || len(doc.Journeys[0].Hops) != 2 {
		t.Errorf("JSON journeys: %v %+v", err, doc.Journeys)
	}
}

// TestAttachmentsJourney: the PNG and the PDF sent over SMTP are the ones
// read over POP3 and over IMAP, byte for byte, and one journey ties the
// three sessions.
func TestAttachmentsJourney(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--json", "../../samples/attachments-journey.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sessions []struct {
			Protocol string
			Messages []struct {
				Parts []struct {
					Filename, SHA256 string
					ContentType      string `json:"content_type"`
				}
			}
		}
		Journeys []struct{ Hops []struct{ Protocol string } }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Sessions) != 3 || len(doc.Journeys) != 1 || len(doc.Journeys[0].Hops) != 3 {
		t.Fatalf("%d sessions, journeys %+v", len(doc.Sessions), doc.Journeys)
	}
	var seen []string
	for _, s := range doc.Sessions {
		if len(s.Messages) != 1 || len(s.Messages[0].Parts) != 3 {
			t.Fatalf("%s: messages %+v", s.Protocol, s.Messages)
		}
		p := s.Messages[0].Parts
		seen = append(seen, p[1].Filename+" "+p[1].ContentType+" "+p[1].SHA256+" "+p[2].Filename+" "+p[2].ContentType+" "+p[2].SHA256)
	}
	if seen[0] != seen[1] || seen[1] != seen[2] || !strings.Contains(seen[0], "captura.png image/png") ||
		!strings.Contains(seen[0], "informe-práctica.pdf application/pdf") {
		t.Errorf("attachments differ between SMTP, POP3 and IMAP:\n%s", strings.Join(seen, "\n"))
	}
}

// TestMXLookup: the lab's exercise 5: the MX lookup of the domain, the A
// lookup of its exchange, and the SMTP connection to the address answered,
// tied to the lookup.
func TestMXLookup(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--json", "../../samples/mx-lookup.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sessions []struct {
			MXLookup *struct{ Domain, Exchange, Address string } `json:"mx_lookup"`
		}
		DNS []struct {
			Type, Name, RCode string
			Answers           []struct {
				Type, Value string
				Preference  int
				TTL         int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.DNS) != 2 || doc.DNS[0].Type != "MX" || doc.DNS[0].Name != "redes.unlp.edu.ar" || doc.DNS[0].RCode != "Success" ||
		doc.DNS[0].Answers[0].Preference != 10 || doc.DNS[0].Answers[0].TTL != 3600 || doc.DNS[1].Type != "A" {
		t.Errorf("lookups: %+v", doc.DNS)
	}
	mx := doc.Sessions[0].MXLookup
	if mx == nil || mx.Domain != "redes.unlp.edu.ar" || mx.Exchange != "mail.redes.unlp.edu.ar" || mx.Address != "127.0.0.1" {
		t.Errorf("the SMTP session is not tied to the MX lookup: %+v", mx)
	}
	text, _, _ := runCLI(t, nil, "read", "--color=never", "../../samples/mx-lookup.pcapng")
	if !strings.Contains(text, "reached by MX lookup: redes.unlp.edu.ar MX 10 mail.redes.unlp.edu.ar -> 127.0.0.1") ||
		!strings.Contains(text, "DNS MX redes.unlp.edu.ar") {
		t.Errorf("timeline:\n%s", text)
	}
}

// TestLabExercisesOneAndFive: the recorded exercises name their hops and
// answer exercise 5's questions: the exchangers by preference (the
// resolver sent 20 before 10), each with its address, which was tried
// first and what it answered, and where the message went.
func TestLabExercisesOneAndFive(t *testing.T) {
	five, _, err := runCLI(t, nil, "read", "--color=never", "../../samples/exercise5-mx.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	one, _, err := runCLI(t, nil, "read", "--color=never", "--journey", "../../samples/exercise1-two-hops.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ out, want string }{
		{five, "answer: MX 10 mx1.correo.example (ttl 3600), MX 20 mx2.correo.example (ttl 3600); additional: mx2.correo.example A 127.0.0.3"},
		{five, "1. tried MX 10 mx1.correo.example at 127.0.0.2: session 2, refused (521 5.3.2 Service currently unavailable)"},
		{five, "2. tried MX 20 mx2.correo.example at 127.0.0.3: session 3, reached (220)"},
		{five, "Session 1  SMTP  127.0.0.1:55948 -> 127.0.0.1:587\n  start 2026-12-06 21:50:33.426691 UTC  duration 0.013s  client 444 B  server 417 B  closed\n  hop: submission"},
		{five, "Session 3  SMTP  127.0.0.1:54532 -> 127.0.0.3:25\n  start 2026-12-06 21:50:33.455390 UTC  duration 0.020s  client 631 B  server 301 B  closed\n  hop: relay"},
		{one, "submitted over SMTP DATA by alumnoimap, session 1, 127.0.0.1:48282 -> 127.0.0.1:587"},
		{one, "relayed over SMTP DATA, session 2, 127.0.0.1:52360 -> 127.0.0.4:25"},
	} {
		if !strings.Contains(c.out, c.want) {
			t.Errorf("no %q in:\n%s", c.want, c.out)
		}
	}
	if strings.Contains(five, "Session 2  SMTP  127.0.0.1:32900 -> 127.0.0.2:25\n  start 2026-12-06 21:50:33.448756 UTC  duration 0.007s  client 6 B  server 41 B  reset\n  hop:") {
		t.Errorf("the refusing exchanger took no message: it was no hop")
	}
}

// TestReadFilter: --filter keeps what its expression matches, as
// tcpdump's would, in files as live; what it left out is counted; an
// expression it cannot read is a usage error that names the word.
func TestReadFilter(t *testing.T) {
	for _, c := range []struct {
		filter, sample string
		sessions       []string // "protocol server"
		lookups        int
	}{
		{"port 110", "attachments-journey", []string{"pop3 127.0.0.1:110"}, 0},
		{"tcp port pop3 or imap", "attachments-journey", []string{"pop3 127.0.0.1:110", "imap 127.0.0.1:143"}, 0},
		{"host 127.0.0.3 or port domain", "exercise5-mx", []string{"smtp 127.0.0.3:25"}, 3},
		{"net 127.0.0.2/31 and not udp", "exercise5-mx", []string{"smtp 127.0.0.2:25", "smtp 127.0.0.3:25"}, 0},
		{"src host 127.0.0.1 and dst port 25", "exercise1-two-hops", []string{"smtp 127.0.0.4:25"}, 0},
	} {
		out, stderr, err := runCLI(t, nil, "read", "--json", "--filter", c.filter, "../../samples/"+c.sample+".pcapng")
		if err != nil {
			t.Fatalf("%s: %v %s", c.filter, err, stderr)
		}
		var doc struct {
			Sessions []struct{ Protocol, Server string }
			DNS      []json.RawMessage
			Stats    struct {
				Capture struct {
					Filtered int `json:"filtered_packets"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range doc.Sessions {
			got = append(got, s.Protocol+" "+s.Server)
		}
		if strings.Join(got, ",") != strings.Join(c.sessions, ",") || len(doc.DNS) != c.lookups {
			t.Errorf("%s: sessions %v, %d lookups; want %v, %d", c.filter, got, len(doc.DNS), c.sessions, c.lookups)
		}
		if doc.Stats.Capture.Filtered == 0 {
			t.Errorf("%s: nothing counted as left out", c.filter)
		}
	}
	_, _, err := runCLI(t, nil, "read", "--filter", "ether host 1:2:3:4:5:6", "../../samples/smtp1.pcapng")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `unknown word "ether"`) {
		t.Errorf("an unknown word: %v", err)
	}
}

// TestProgressLine: never in a pipe or with --quiet; on a terminal it
// says how far the file has come.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	if progressLine(viewOptions{}, []string{"/tmp/x"}, &buf) != nil {
		t.Error("a progress line for a pipe")
	}
	p := &progress{w: &buf, start: time.Now().Add(-time.Second)}
	p.show(reassembly.Progress{Path: "/captures/day.pcap", Read: 50e6, Size: 200e6, Connections: 42})
	p.clear()
	if got := buf.String(); !strings.Contains(got, "day.pcap  50 MB of 200 MB (25%)") || !strings.Contains(got, "42 connections") ||
		!strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("got %q", got)
	}
}

// TestShellHabits: tcpdump's spellings do what its users expect: -r FILE
// reads it (- is standard input), -o - writes to standard output, live's
// -c is its count, and -w - (packets to standard output) will not mix
// with a view written there too.
func TestShellHabits(t *testing.T) {
	want, _, err := runCLI(t, nil, "read", "--jsonl", "../../samples/smtp1.pcapng")
	if err != nil || want == "" {
		t.Fatalf("%v", err)
	}
	got, _, err := runCLI(t, nil, "read", "--jsonl", "-o", "-", "-r", "../../samples/smtp1.pcapng")
	if err != nil || got != want {
		t.Errorf("-r FILE -o -: %v, %d bytes, want the %d of read FILE", err, len(got), len(want))
	}
	data, _ := os.ReadFile("../../samples/smtp1.pcapng")
	if got, _, err := runCLI(t, data, "read", "--jsonl", "-r", "-"); err != nil || got != want {
		t.Errorf("-r -: %v, %d bytes", err, len(got))
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("-o - made a file named -")
	}
	cmd := newLiveCmd(nil, nil)
	if f := cmd.Flags().ShorthandLookup("c"); f == nil || f.Name != "count" {
		t.Errorf("live -c is %v, want --count", f)
	}
	if _, _, err := runCLI(t, nil, "live", "-i", "lo", "-w", "-"); err == nil || !strings.Contains(err.Error(), "-o FILE") {
		t.Errorf("live -w - with the view on standard output too: %v", err)
	}
}

// TestJourneyAndMXInSpanish: --lang es says the journeys and the MX tie
// in Spanish, the hop's action too.
func TestJourneyAndMXInSpanish(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--journey", "--lang", "es", "../../samples/attachments-journey.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Recorridos: 1 mensaje en", "enviado por SMTP DATA", "leído por POP3 RETR de alumnopop", "sesión 2", "después"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, english := range []string{" over ", " later", "session ", "Journeys"} {
		if strings.Contains(out, english) {
			t.Errorf("English %q left in:\n%s", english, out)
		}
	}
	out, _, err = runCLI(t, nil, "read", "--lang", "es", "../../samples/mx-lookup.pcapng")
	if err != nil || !strings.Contains(out, "alcanzado por consulta MX: redes.unlp.edu.ar MX 10") || !strings.Contains(out, "Consultas DNS: 2") {
		t.Errorf("MX tie and lookups in Spanish: %v\n%s", err, out)
	}
}

// TestJSONLinesTyped: --jsonl writes a line for each session, each DNS
// lookup and each journey, each saying its type; a lookup keeps its own
// record type.
func TestJSONLinesTyped(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--jsonl", "../../samples/exercise5-mx.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var lookupTypes []string
	hops := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var line struct {
			Version int    `json:"version"`
			Type    string `json:"type"`
			Lookup  *struct {
				Type string `json:"type"`
			} `json:"lookup"`
			Journey *struct {
				Hops []json.RawMessage `json:"hops"`
			} `json:"journey"`
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Version != 3 {
			t.Fatalf("%v: %.80q", err, l)
		}
		count[line.Type]++
		if line.Lookup != nil {
			lookupTypes = append(lookupTypes, line.Lookup.Type)
		}
		if line.Journey != nil {
			hops = len(line.Journey.Hops)
		}
	}
	if count["session"] != 3 || count["dns"] != 3 || count["journey"] != 1 || len(count) != 3 {
		t.Errorf("lines by type %v, want 3 sessions, 3 lookups, 1 journey", count)
	}
	if strings.Join(lookupTypes, ",") != "MX,A,A" || hops != 2 {
		t.Errorf("lookups %v, journey of %d hops", lookupTypes, hops)
	}
}

// TestWhereFlag: --where picks sessions by what the model holds, in every
// view, and says so when none matches.
func TestWhereFlag(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--json", "--where", "finding=cleartext-credentials and protocol!=smtp", "../../samples/attachments-journey.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Sessions []struct{ Protocol string } }
	json.Unmarshal([]byte(out), &doc)
	if len(doc.Sessions) != 2 || doc.Sessions[0].Protocol != "pop3" || doc.Sessions[1].Protocol != "imap" {
		t.Errorf("sessions %+v, want the POP3 and IMAP ones", doc.Sessions)
	}
	out, _, err = runCLI(t, nil, "read", "--summary", "--where", `code=521 or subject~"no atiende"`, "../../samples/exercise5-mx.pcapng")
	// The refusing exchanger by its code; the submission and the relay by
	// their message's subject; in the order they began.
	if err != nil || !regexp.MustCompile(`(?s)^ +1 .*-> 127.0.0.1:587.*\n +2 .*-> 127.0.0.2:25.*\n +3 .*-> 127.0.0.3:25`).MatchString(out) {
		t.Errorf("%v:\n%s", err, out)
	}
	if _, _, err := runCLI(t, nil, "read", "--follow", "--where", "user=a", "../../samples/pop3.pcapng"); exitCode(err) != 2 {
		t.Errorf("--where with --follow: %v, want a usage error", err)
	}
	_, stderr, err := runCLI(t, nil, "read", "--where", "user=nadie", "../../samples/pop3.pcapng")
	if err != nil || !strings.Contains(stderr, "no session matches --session, --proto or --where; the capture holds 1 session (numbered 1 to 1)") {
		t.Errorf("no match: %v %q", err, stderr)
	}
}

// TestHeapPolicy: the soft limit rises to one and a half times the live
// heap once the heap passes three quarters of it, and never falls; the
// views that keep no bodies go to GOGC 150 once, past looseFrom, and the
// others never.
func TestHeapPolicy(t *testing.T) {
	const MiB = 1 << 20
	h := heapPolicy{limit: softLimit, loosen: true}
	for _, step := range []struct {
		live           int64
		limit, percent int64
	}{
		{4 * MiB, 0, 0},         // the mail corpus: as set
		{looseFrom + 1, 0, 150}, // a flood's kept exchanges: looser, once
		{20 * MiB, 0, 0},
		{40 * MiB, 60 * MiB, 0}, // past three quarters of 48: one and a half times
		{30 * MiB, 0, 0},        // never lower
		{50 * MiB, 75 * MiB, 0},
	} {
		limit, percent := h.follow(step.live)
		if limit != step.limit || int64(percent) != step.percent {
			t.Errorf("live %d MiB: limit %d MiB, GOGC %d; want %d MiB, %d", step.live/MiB, limit/MiB, percent, step.limit/MiB, step.percent)
		}
	}
	bodies := heapPolicy{limit: softLimit}
	if _, percent := bodies.follow(40 * MiB); percent != 0 {
		t.Errorf("a view that keeps bodies set GOGC %d", percent)
	}
}
