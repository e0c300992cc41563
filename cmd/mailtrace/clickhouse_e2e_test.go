//go:build clickhouse

// Sessions into a real clickhouse-server: make e2e-clickhouse installs
// Debian's, starts it on loopback (samples/clickhouse.sh) and runs these.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/clickhouse"
)

// server is the test server's HTTP interface.
func server(t *testing.T) string {
	u := os.Getenv("MAILTRACE_CLICKHOUSE_TEST")
	if u == "" {
		t.Skip("MAILTRACE_CLICKHOUSE_TEST names no server (make e2e-clickhouse starts one)")
	}
	return u
}

// query runs sql and returns its rows as tab-separated fields.
func query(t *testing.T, server, sql string) [][]string {
	t.Helper()
	resp, err := http.Post(server, "text/plain", strings.NewReader(sql+" FORMAT TabSeparated"))
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s: %s", sql, resp.Status, body)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}

func count(t *testing.T, server, sql string) int {
	t.Helper()
	rows := query(t, server, sql)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: %v", sql, rows)
	}
	n, err := strconv.Atoi(rows[0][0])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// database makes a database of its own for a test.
func database(t *testing.T, server, cluster string) string {
	db := fmt.Sprintf("e2e_%d", time.Now().UnixNano())
	if err := clickhouse.Apply(clickhouse.Schema(db, cluster), func(sql string) error {
		return clickhouse.Exec(context.Background(), nil, server, sql)
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clickhouse.Exec(context.Background(), nil, server, "DROP DATABASE IF EXISTS "+db) })
	return db
}

// expected is what read --json says of a capture, in the figures the
// tables hold.
type expected struct {
	sessions, exchanges, messages, auth, findings int
	users                                         []string
	subjects                                      []string
	bytesClient                                   int64
}

func expect(t *testing.T, path string) (expected, bool) {
	out, _, err := runCLI(t, nil, "read", "--json", path)
	if err != nil {
		return expected{}, false
	}
	var doc struct {
		Sessions []struct {
			BytesClient int64             `json:"bytes_client"`
			Exchanges   []json.RawMessage `json:"exchanges"`
			Dropped     int               `json:"exchanges_dropped"`
			Messages    []struct {
				Subject string `json:"subject"`
			} `json:"messages"`
			Auth []struct {
				Username string `json:"username"`
			} `json:"auth"`
			Findings []json.RawMessage `json:"findings"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var e expected
	for _, s := range doc.Sessions {
		e.sessions++
		e.exchanges += len(s.Exchanges)
		e.messages += len(s.Messages)
		e.auth += len(s.Auth)
		e.findings += len(s.Findings)
		e.bytesClient += s.BytesClient
		for _, a := range s.Auth {
			e.users = append(e.users, a.Username)
		}
		for _, m := range s.Messages {
			e.subjects = append(e.subjects, m.Subject)
		}
	}
	return e, true
}

// stored is the same figures from the tables, for one trace, each row
// counted once (FINAL).
func stored(t *testing.T, server, db, where string) expected {
	var e expected
	e.sessions = count(t, server, fmt.Sprintf("SELECT count() FROM %s.sessions FINAL WHERE %s", db, where))
	e.exchanges = count(t, server, fmt.Sprintf("SELECT count() FROM %s.exchanges FINAL WHERE %s", db, where))
	e.messages = count(t, server, fmt.Sprintf("SELECT count() FROM %s.messages FINAL WHERE %s", db, where))
	e.auth = count(t, server, fmt.Sprintf("SELECT count() FROM %s.auth FINAL WHERE %s", db, where))
	e.findings = count(t, server, fmt.Sprintf("SELECT count() FROM %s.findings FINAL WHERE %s", db, where))
	if e.sessions > 0 {
		e.bytesClient = int64(count(t, server, fmt.Sprintf("SELECT sum(bytes_client) FROM %s.sessions FINAL WHERE %s", db, where)))
	}
	e.users = column(t, server, fmt.Sprintf("SELECT username AS v FROM %s.auth FINAL WHERE %s ORDER BY session, idx", db, where))
	e.subjects = column(t, server, fmt.Sprintf("SELECT subject AS v FROM %s.messages FINAL WHERE %s ORDER BY session, idx", db, where))
	return e
}

// column is the values of column v of a query's rows, read as JSON so
// that no text is escaped or trimmed on the way.
func column(t *testing.T, server, sql string) []string {
	t.Helper()
	resp, err := http.Post(server, "text/plain", strings.NewReader(sql+" FORMAT JSONEachRow"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []string
	dec := json.NewDecoder(resp.Body)
	for {
		var row struct{ V string }
		if err := dec.Decode(&row); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, row.V)
	}
}

func same(a, b expected) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// distinctSamples are the samples, less one that repeats another's
// connections: tls-secrets.pcapng is tls-keylog.pcapng with its key log
// inside, and a connection is one row whichever file loads it.
func distinctSamples(t *testing.T) []string {
	var out []string
	for _, f := range samples(t) {
		if filepath.Base(f) != "tls-secrets.pcapng" {
			out = append(out, f)
		}
	}
	return out
}

// captures are the samples and the public captures present.
func allCaptures(t *testing.T) []string {
	files := distinctSamples(t)
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	return append(files, public...)
}

// TestClickHouseLoadMatchesJSON: loading the samples and the public
// captures in parallel, each its own trace, stores what read --json
// says of each: sessions, exchanges, messages, authentications,
// findings, the users and the subjects.
func TestClickHouseLoadMatchesJSON(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	var files []string
	want := map[string]expected{}
	for _, f := range allCaptures(t) {
		if e, ok := expect(t, f); ok && !strings.ContainsAny(filepath.Base(f), "'\\") {
			files = append(files, f)
			want[f] = e
		}
	}
	args := append([]string{"read", "-q", "--clickhouse", srv, "--database", db, "--sensor", "e2e", "--spool", t.TempDir()}, files...)
	out, stderr, err := runCLI(t, nil, args...)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if !strings.Contains(out, " 0 rows spooled") || !strings.Contains(out, " 0 left in it") {
		t.Errorf("want everything sent:\n%.600s", out)
	}
	for _, f := range files {
		trace := fileTrace("e2e", []string{f})
		got := stored(t, srv, db, fmt.Sprintf("trace = '%s'", trace.ID))
		if !same(got, want[f]) {
			t.Errorf("%s: stored %+v, read --json %+v", filepath.Base(f), got, want[f])
		}
	}
	// Journeys: the sample that sends a mail and reads it over POP3 and
	// IMAP has one message with three hops.
	trace := fileTrace("e2e", []string{"../../samples/attachments-journey.pcapng"})
	if n := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.journeys FINAL WHERE trace = '%s'", db, trace.ID)); n != 3 {
		t.Errorf("%d journey hops, want 3", n)
	}
	// Loaded again, the same rows count once.
	if _, stderr, err := runCLI(t, nil, args...); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	all := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions", db))
	once := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions FINAL", db))
	var sessions int
	for _, e := range want {
		sessions += e.sessions
	}
	if once != sessions || all < once {
		t.Errorf("after two loads: %d rows, %d counted once, want %d", all, once, sessions)
	}
}

// TestClickHouseTwoSensors: two read processes at once, as two sensors,
// write into the same tables without mixing their rows.
func TestClickHouseTwoSensors(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	bin := mailtraceBinary(t)
	files := distinctSamples(t)
	var procs []*exec.Cmd
	for _, sensor := range []string{"mx1", "mx2"} {
		cmd := exec.Command(bin, append([]string{"read", "-q", "--stats", "--clickhouse", srv, "--database", db, "--sensor", sensor,
			"--spool", t.TempDir()}, files...)...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	for _, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	var want expected
	for _, f := range files {
		e, _ := expect(t, f)
		want.sessions += e.sessions
		want.exchanges += e.exchanges
	}
	rows := query(t, srv, fmt.Sprintf("SELECT sensor, count(), sum(exchanges) FROM %s.sessions FINAL GROUP BY sensor ORDER BY sensor", db))
	w := fmt.Sprintf("[[mx1 %d %d] [mx2 %d %d]]", want.sessions, want.exchanges, want.sessions, want.exchanges)
	if fmt.Sprint(rows) != w {
		t.Errorf("per sensor %v, want %s", rows, w)
	}
}

// clickhouseServer stops or starts the test's server.
func clickhouseServer(t *testing.T, verb string) {
	t.Helper()
	out, err := exec.Command("../../samples/clickhouse.sh", verb).CombinedOutput()
	if err != nil {
		t.Fatalf("clickhouse.sh %s: %v\n%s", verb, err, out)
	}
}

// TestClickHouseServerStopsMidLoad: the server stops while a capture is
// read from a pipe and starts again before the reader gives up; no row
// is lost. Then a load made while the server is down goes to the spool,
// the same capture is loaded again with the server up, and the spool
// is sent: the rows sent twice count once.
func TestClickHouseServerStopsMidLoad(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	bin := mailtraceBinary(t)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.pcapng")
	if out, err := exec.Command("go", "run", "../mailtrace-corpus", "-size", "20MB", "-o", corpus).CombinedOutput(); err != nil {
		t.Fatalf("corpus: %v\n%s", err, out)
	}
	want, _ := expect(t, corpus)
	data, err := os.ReadFile(corpus)
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "spool")
	cmd := exec.Command(bin, "read", "-q", "--stats", "--clickhouse", srv, "--database", db, "--sensor", "piped",
		"--spool", spool, "--clickhouse-wait", "2m", "-")
	stdin, _ := cmd.StdinPipe()
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	half := len(data) / 2
	stdin.Write(data[:half])
	// The first half's sessions are sent within a second of ending.
	deadline := time.Now().Add(30 * time.Second)
	for count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions WHERE sensor = 'piped'", db)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing arrived from the first half")
		}
		time.Sleep(100 * time.Millisecond)
	}
	clickhouseServer(t, "stop")
	stdin.Write(data[half:])
	stdin.Close()
	time.Sleep(3 * time.Second) // the reader retries meanwhile
	clickhouseServer(t, "start")
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	got := stored(t, srv, db, "sensor = 'piped'")
	got.users, got.subjects, want.users, want.subjects = nil, nil, nil, nil
	if !same(got, want) {
		t.Errorf("after the outage: stored %+v, read --json %+v", got, want)
	}
	if !strings.Contains(stdout.String(), "retries") || strings.Contains(stdout.String(), ", 0 retries") {
		t.Errorf("want retries counted:\n%.400s", stdout.String())
	}

	// Down: everything to the spool.
	clickhouseServer(t, "stop")
	args := []string{"read", "-q", "--stats", "--clickhouse", srv, "--database", db, "--sensor", "spooled", "--spool", spool, "--clickhouse-wait", "0s"}
	out, err := exec.Command(bin, append(args, corpus)...).Output()
	clickhouseServer(t, "start")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), " 0 rows sent") || strings.Contains(string(out), " 0 left in it") {
		t.Errorf("want every row in the spool:\n%.400s", out)
	}
	// Up: the same capture loaded again, then the spool sent.
	if out, err := exec.Command(bin, append(args[:len(args)-1], "30s", corpus)...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	send, err := exec.Command(bin, "clickhouse", "send", "--clickhouse", srv, "--database", db, "--spool", spool).CombinedOutput()
	if err != nil || !strings.Contains(string(send), " 0 left in it") {
		t.Fatalf("send: %v\n%s", err, send)
	}
	where := "sensor = 'spooled'"
	all := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions WHERE %s", db, where))
	once := stored(t, srv, db, where)
	once.users, once.subjects = nil, nil
	if all != 2*want.sessions || !same(once, want) {
		t.Errorf("sent twice: %d rows; counted once %+v, want %+v", all, once, want)
	}
	if files, _ := filepath.Glob(filepath.Join(spool, "*")); len(files) != 0 {
		t.Errorf("spool not emptied: %v", files)
	}
}

// TestClickHouseDistributed: the cluster schema on one server, with a
// cluster of two shards that are both this server (the usual local
// check): rows written through the Distributed tables land in the local
// ones, and a query of a Distributed table reads both shards.
func TestClickHouseDistributed(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "mailtrace_two_shards")
	if _, stderr, err := runCLI(t, nil, "read", "-q", "--stats", "--clickhouse", srv, "--database", db, "--sensor", "d",
		"--spool", t.TempDir(), "../../samples/attachments-journey.pcapng"); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		local := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions_local FINAL", db))
		dist := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions", db))
		if local == 3 && dist == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("local %d, distributed %d; want 3 and 6 (two shards on one server)", local, dist)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.exchanges_local", db)); n == 0 {
		t.Error("no exchanges reached the local table")
	}
}

// TestClickHouseDocQueries: every query docs/clickhouse.md gives runs on
// the loaded samples and finds something in them.
func TestClickHouseDocQueries(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	args := append([]string{"read", "-q", "--clickhouse", srv, "--database", db, "--spool", t.TempDir()}, distinctSamples(t)...)
	if _, stderr, err := runCLI(t, nil, args...); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	doc, err := os.ReadFile("../../docs/clickhouse.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```sql\n")[1:]
	if len(blocks) != 10 {
		t.Fatalf("%d queries in the doc, want ten", len(blocks))
	}
	for _, b := range blocks {
		sql, _, _ := strings.Cut(b, "```")
		sql = strings.ReplaceAll(sql, "mailtrace.", db+".")
		if rows := query(t, srv, sql); len(rows) == 0 {
			t.Errorf("no rows from:\n%s", sql)
		}
	}
}

// TestClickHouseStoresNoPasswords: the samples' passwords, in clear and in
// the base64 of SASL data, are in no table of the real server after a
// load; with --keep-secrets they are, as they crossed.
func TestClickHouseStoresNoPasswords(t *testing.T) {
	srv := server(t)
	samples := distinctSamples(t)
	secrets := []string{"alumnopoppass", "alumnoimappass",
		"AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz", "YWx1bW5vaW1hcHBhc3M=", "AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M="}
	for _, keep := range []bool{false, true} {
		db := database(t, srv, "")
		args := []string{"read", "-q", "--clickhouse", srv, "--database", db, "--sensor", "e2e", "--spool", t.TempDir(), "--one-trace"}
		if keep {
			args = append(args, "--keep-secrets")
		}
		if _, stderr, err := runCLI(t, nil, append(args, samples...)...); err != nil {
			t.Fatalf("%v: %s", err, stderr)
		} else if keep != strings.Contains(stderr, "--keep-secrets") {
			t.Errorf("keep %v, warned: %q", keep, stderr)
		}
		found := 0
		tables := []string{clickhouse.TableSessions, clickhouse.TableExchanges, clickhouse.TableMessages,
			clickhouse.TableAuth, clickhouse.TableFindings, clickhouse.TableJourneys}
		for _, table := range tables {
			// Every row, every column, as the server gives it back.
			var all strings.Builder
			for _, row := range query(t, srv, fmt.Sprintf("SELECT * FROM %s.%s", db, table)) {
				all.WriteString(strings.Join(row, "\t") + "\n")
			}
			for _, secret := range secrets {
				n := strings.Count(all.String(), secret)
				if n > 0 && !keep {
					t.Errorf("%s: %q %d times", table, secret, n)
				}
				found += n
			}
		}
		if keep && found == 0 {
			t.Error("with --keep-secrets no row holds a password: the search finds nothing")
		}
	}
}

// TestClickHouseReloadKeepsOneRow: the samples loaded as one trace, then
// again in the reverse order and with another --port (so every session
// gets another number), leave each session once after FINAL: a row's key
// is its connection's, not the run's.
func TestClickHouseReloadKeepsOneRow(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	files := distinctSamples(t)
	reversed := slices.Clone(files)
	slices.Reverse(reversed)
	load := func(extra []string, fs []string) {
		args := append([]string{"read", "-q", "--clickhouse", srv, "--database", db, "--sensor", "e2e", "--spool", t.TempDir(), "--one-trace"}, extra...)
		if _, stderr, err := runCLI(t, nil, append(args, fs...)...); err != nil {
			t.Fatalf("%v: %s", err, stderr)
		}
	}
	load(nil, files)
	once := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions FINAL", db))
	load([]string{"--port", "smtp=2626"}, reversed)
	all := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions", db))
	if again := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.sessions FINAL", db)); again != once || all != 2*once {
		t.Errorf("%d sessions after one load, %d counted once after two (%d rows): want %d", once, again, all, once)
	}
	ex := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.exchanges FINAL", db))
	exAll := count(t, srv, fmt.Sprintf("SELECT count() FROM %s.exchanges", db))
	if exAll != 2*ex {
		t.Errorf("exchanges: %d rows, %d counted once: want half", exAll, ex)
	}
}

// TestClickHouseRefusedTableGoesAside: after a column of exchanges was
// dropped on the server, it refuses every batch of that table for what
// it holds; those batches go to the spool's rejected/ with the server's
// words, at once, and every other table's rows are stored.
func TestClickHouseRefusedTableGoesAside(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	if err := clickhouse.Exec(context.Background(), nil, srv, "ALTER TABLE `"+db+"`.exchanges DROP COLUMN latency_ms"); err != nil {
		t.Fatal(err)
	}
	spool := t.TempDir()
	sample := "../../samples/smtp-auth-attachment.pcapng"
	out, stderr, err := runCLI(t, nil, "read", "-q", "--stats", "--clickhouse", srv, "--database", db, "--spool", spool, sample)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if n := count(t, srv, "SELECT count() FROM `"+db+"`.sessions"); n != 1 {
		t.Errorf("%d sessions stored, want 1", n)
	}
	if n := count(t, srv, "SELECT count() FROM `"+db+"`.exchanges"); n != 0 {
		t.Errorf("%d exchanges stored after the column was dropped", n)
	}
	reasons, _ := filepath.Glob(filepath.Join(spool, "rejected", "*exchanges*.reason"))
	if len(reasons) != 1 {
		t.Fatalf("rejected: %q; stdout %s stderr %s", reasons, out, stderr)
	}
	if r, _ := os.ReadFile(reasons[0]); !strings.Contains(string(r), "refused by the server") || !strings.Contains(string(r), "code ") {
		t.Errorf("reason %q", r)
	}
	if left, _ := filepath.Glob(filepath.Join(spool, "*.jsonl.gz")); len(left) != 0 {
		t.Errorf("left in the spool: %q", left)
	}
}

// TestClickHouseSignalLoop: runs of read stopped by SIGINT or SIGTERM at
// points spread over their input, storing into the real server, which
// goes down in one run in three before the signal and comes back after.
// Each run ends with 130 or 143; what the server took and what the spool
// kept together are every session the run wrote, and once the spool is
// sent the server holds each of them once.
func TestClickHouseSignalLoop(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	bin := mailtraceBinary(t)
	dir := t.TempDir()
	input := manySessions(t, 1000)
	for i := range 9 {
		sig, code := syscall.Signal(syscall.SIGINT), 130
		if i%2 == 1 {
			sig, code = syscall.SIGTERM, 143
		}
		down := i%3 == 2
		at := int64(i+1) * int64(len(input)) / 10
		sensor, spool, out := fmt.Sprintf("kill-%d", i), filepath.Join(dir, fmt.Sprintf("spool-%d", i)), filepath.Join(dir, fmt.Sprintf("out-%d.jsonl", i))
		cmd := exec.Command(bin, "read", "-q", "--jsonl", "-o", out, "--clickhouse", srv, "--database", db, "--sensor", sensor,
			"--spool", spool, "--clickhouse-wait", "5s", "-")
		var stop func()
		if down {
			stop = func() { clickhouseServer(t, "stop") }
		}
		exit, said := interruptAt(t, cmd, input, at, sig, stop)
		if down {
			clickhouseServer(t, "start")
		}
		if exit != code {
			t.Fatalf("run %d (%v at %d bytes, server down %v): exit status %d, want %d; stderr %q", i, sig, at, down, exit, code, said)
		}
		written := map[string]bool{}
		lines, _ := os.ReadFile(out)
		for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
			var s struct {
				Client string `json:"client"`
			}
			if !sessionLine(l) {
				continue
			}
			if err := json.Unmarshal([]byte(l), &s); err != nil {
				t.Fatalf("run %d: a line of the JSONL file: %v: %.60q", i, err, l)
			}
			written[s.Client] = true
		}
		where := fmt.Sprintf("sensor = '%s'", sensor)
		took := count(t, srv, fmt.Sprintf("SELECT count(DISTINCT uid) FROM %s.sessions WHERE %s", db, where))
		_, rows := spoolRows(t, spool)
		spooled, _ := spoolRows(t, spool)
		t.Logf("run %d: %v at %d bytes, server down %v: %d sessions written, %d stored, %d session rows spooled (%d rows)",
			i, sig, at, down, len(written), took, spooled["sessions"], rows)
		if took+spooled["sessions"] < len(written) {
			t.Errorf("run %d: %d sessions written, %d stored and %d spooled", i, len(written), took, spooled["sessions"])
		}
		if send, err := exec.Command(bin, "clickhouse", "send", "--clickhouse", srv, "--database", db, "--spool", spool).CombinedOutput(); err != nil {
			t.Fatalf("run %d: send: %v\n%s", i, err, send)
		}
		stored := column(t, srv, fmt.Sprintf("SELECT client AS v FROM %s.sessions FINAL WHERE %s ORDER BY client", db, where))
		if len(stored) != len(written) {
			t.Errorf("run %d: after the spool was sent, %d sessions stored, %d written", i, len(stored), len(written))
		}
		for _, c := range stored {
			if !written[c] {
				t.Errorf("run %d: %s stored, not written", i, c)
				break
			}
		}
	}
}

// TestClickHouseAddsNewColumns: tables an earlier version made, without
// the columns added since (sessions.community_id), gain them on the next
// run, and its rows are stored with them rather than refused.
func TestClickHouseAddsNewColumns(t *testing.T) {
	srv := server(t)
	db := database(t, srv, "")
	if err := clickhouse.Exec(context.Background(), nil, srv, "ALTER TABLE "+db+".sessions DROP COLUMN community_id"); err != nil {
		t.Fatal(err)
	}
	sample := "../../samples/exercise5-mx.pcapng"
	if _, stderr, err := runCLI(t, nil, "read", "--stats", "--clickhouse", srv, "--database", db, "--sensor", "old", "--spool", t.TempDir(), sample); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	got := column(t, srv, fmt.Sprintf("SELECT community_id AS v FROM %s.sessions FINAL WHERE sensor = 'old' ORDER BY client", db))
	out, _, _ := runCLI(t, nil, "read", "--json", sample)
	var doc struct {
		Sessions []struct {
			Client      string `json:"client"`
			CommunityID string `json:"community_id"`
		}
	}
	json.Unmarshal([]byte(out), &doc)
	slices.SortFunc(doc.Sessions, func(a, b struct {
		Client      string `json:"client"`
		CommunityID string `json:"community_id"`
	}) int {
		return strings.Compare(a.Client, b.Client)
	})
	var want []string
	for _, s := range doc.Sessions {
		want = append(want, s.CommunityID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) != 3 {
		t.Errorf("community IDs stored %v, read --json %v", got, want)
	}
}
