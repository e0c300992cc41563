package clickhouse

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/reassembly"
)

// TestSchemaNamesItsColumns: every table's sorting key, partition and
// sharding key use columns it has, and its rows have exactly its
// columns, by the names the JSON writes.
func TestSchemaNamesItsColumns(t *testing.T) {
	rows := map[string]any{TableSessions: sessionRow{}, TableExchanges: exchangeRow{}, TableMessages: messageRow{},
		TableAuth: authRow{}, TableFindings: findingRow{}, TableJourneys: journeyRow{}}
	for _, tb := range Tables() {
		cols := map[string]bool{}
		for _, c := range tb.Columns {
			if cols[c.Name] {
				t.Errorf("%s.%s twice", tb.Name, c.Name)
			}
			cols[c.Name] = true
		}
		for _, k := range append(strings.Split(tb.OrderBy, ", "), tb.Time, strings.TrimSuffix(strings.TrimPrefix(tb.Shard, "cityHash64("), ")")) {
			if !cols[k] {
				t.Errorf("%s: key %q is not a column", tb.Name, k)
			}
		}
		row, ok := rows[tb.Name]
		if !ok {
			t.Fatalf("no row type for %s", tb.Name)
		}
		data, _ := json.Marshal(row)
		var fields map[string]any
		json.Unmarshal(data, &fields)
		for name := range fields {
			if !cols[name] {
				t.Errorf("%s: the row writes %q, not a column", tb.Name, name)
			}
		}
		if len(fields) != len(cols) {
			t.Errorf("%s: the row writes %d fields for %d columns", tb.Name, len(fields), len(cols))
		}
	}
	// The database, each table (local and Distributed), and the added
	// column of each (community_id): on both.
	if s := Schema("db", "c"); len(s) != 1+2*len(Tables())+2 || !strings.Contains(s[2], "Distributed(`c`, `db`, `sessions_local`, cityHash64(uid))") ||
		s[3] != "ALTER TABLE `db`.`sessions_local` ADD COLUMN `community_id` String COMMENT "+quoteString(Tables()[0].Columns[len(Tables()[0].Columns)-1].Doc) ||
		!strings.HasPrefix(s[4], "ALTER TABLE `db`.`sessions` ADD COLUMN `community_id`") {
		t.Errorf("cluster schema: %q", s[:5])
	}
	if s := Schema("db", ""); len(s) != 1+len(Tables())+1 || !strings.HasPrefix(s[2], "ALTER TABLE `db`.`sessions` ADD COLUMN `community_id`") {
		t.Errorf("schema: %q", s[:3])
	}
}

func sessions(t *testing.T, path string) []*session.Session {
	var out []*session.Session
	tr := analyzer.NewTracker(analyzer.DefaultOptions(), sink.Ended(func(s *session.Session) { out = append(out, s) }))
	rd := reassembly.NewReader(reassembly.DefaultOptions(), tr, nil)
	if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: path}}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSessionRows: a session gives one row, one per exchange, message,
// authentication and finding, each with the session's identity.
func TestSessionRows(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	tr := Trace{Sensor: "s", ID: "t"}
	for _, f := range files {
		for _, s := range sessions(t, f) {
			got := map[string]int{}
			for _, r := range SessionRows(tr, s) {
				got[r.Table]++
				uid := reflect.ValueOf(r.Data).Elem().FieldByName("UID").String()
				if uid != UID(tr.Sensor, s) {
					t.Errorf("%s: row of %s has uid %q", f, r.Table, uid)
				}
			}
			want := map[string]int{TableSessions: 1, TableExchanges: len(s.Exchanges), TableMessages: len(s.Messages),
				TableAuth: len(s.Auth), TableFindings: len(s.Findings)}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s session %d: %d %s rows, want %d", filepath.Base(f), s.ID, got[k], k, v)
				}
			}
		}
	}
}

// TestAuthInClear: a login before STARTTLS crossed in clear; one after
// it did not.
func TestAuthInClear(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := true
	s := &session.Session{ID: 1, Protocol: "imap", Client: "127.0.0.1:1", Server: "127.0.0.1:143", TLS: session.TLSStart,
		Encrypted: &session.Encrypted{Since: t0.Add(time.Second)},
		Auth: []*session.Auth{{Mechanism: "LOGIN", Username: "before", Password: "x", Success: &ok, Time: t0},
			{Mechanism: "PLAIN", Username: "after", Time: t0.Add(2 * time.Second)}}}
	var clear []bool
	for _, r := range SessionRows(Trace{}, s) {
		if a, ok := r.Data.(*authRow); ok {
			clear = append(clear, a.InClear)
			if a.Username == "before" && (!a.PasswordSeen || a.Result != "ok") {
				t.Errorf("%+v", a)
			}
		}
	}
	if !reflect.DeepEqual(clear, []bool{true, false}) {
		t.Errorf("in clear %v", clear)
	}
}

// TestRowsKeepBytesThatAreNotUTF8: a subject that is not UTF-8 is kept
// as \xNN, as the JSON export keeps it.
func TestRowsKeepBytesThatAreNotUTF8(t *testing.T) {
	s := &session.Session{ID: 1, Messages: []*session.Message{{Subject: "caf\xe9"}}}
	for _, r := range SessionRows(Trace{}, s) {
		if m, ok := r.Data.(*messageRow); ok && m.Subject != `caf\xe9` {
			t.Errorf("subject %q", m.Subject)
		}
	}
}

// TestWriterSpoolsWhatNoServerTakes: with nothing listening, rows past
// the memory bound go to the spool as they come, and the rest when
// Close gives up; every row is in the spool, none lost, and the next
// writer finds them there.
func TestWriterSpoolsWhatNoServerTakes(t *testing.T) {
	spool := t.TempDir()
	cfg := DefaultConfig("http://127.0.0.1:1/") // nothing listens on port 1
	cfg.Spool, cfg.BatchRows, cfg.MaxMemory, cfg.Wait, cfg.Backoff = spool, 10, 1, 200*time.Millisecond, 10*time.Millisecond
	var warned []string
	cfg.Warn = func(s string) { warned = append(warned, s) }
	w := NewWriter(cfg)
	const n = 95
	for i := range n {
		if err := w.Add(Row{TableExchanges, &exchangeRow{Seq: i}}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 0 || d.Spooled != n || d.LeftInSpool != n || d.Retries == 0 {
		t.Errorf("counters %+v", d)
	}
	if len(warned) != 1 {
		t.Errorf("warned %d times, want once per outage: %q", len(warned), warned)
	}
	files, _ := filepath.Glob(filepath.Join(spool, "*.jsonl.gz"))
	rows := 0
	for _, f := range files {
		table, r, ok := parseSpoolName(filepath.Base(f))
		if !ok || table != TableExchanges {
			t.Errorf("spool file %s", f)
		}
		rows += r
	}
	if rows != n {
		t.Errorf("%d rows in the spool, want %d", rows, n)
	}
	// The next run finds them, and leaves them while the server is away.
	cfg.Wait = 50 * time.Millisecond
	d, _ = NewWriter(cfg).Close()
	if d.LeftInSpool != n || d.FromSpool != 0 {
		t.Errorf("second writer %+v", d)
	}
}

// TestWriterWithoutSpoolSaysRowsAreLost: with no spool directory, rows
// the server did not take are an error, not silence.
func TestWriterWithoutSpoolSaysRowsAreLost(t *testing.T) {
	cfg := DefaultConfig("http://127.0.0.1:1/")
	cfg.Wait = 0
	w := NewWriter(cfg)
	w.Add(Row{TableSessions, &sessionRow{}})
	if _, err := w.Close(); err == nil || !strings.Contains(err.Error(), "spool") {
		t.Errorf("want an error naming the spool, got %v", err)
	}
}

func TestParseSpoolName(t *testing.T) {
	for name, want := range map[string]bool{
		"00000000000000000001-000001-sessions-12.jsonl.gz": true,
		"00000000000000000001-000001-nosuch-12.jsonl.gz":   false,
		"00000000000000000001-sessions-12.jsonl.gz":        false,
		"00000000000000000001-000001-auth-x.jsonl.gz":      false,
	} {
		if _, _, ok := parseSpoolName(name); ok != want {
			t.Errorf("%s: %v", name, ok)
		}
	}
}

// TestWriterInterruptSpoolsEverything: interrupted while the server is
// away and the sender waits an hour to retry, Close returns at once and
// every row not sent is in the spool, those still being batched too.
func TestWriterInterruptSpoolsEverything(t *testing.T) {
	spool := t.TempDir()
	cfg := DefaultConfig("http://127.0.0.1:1/") // nothing listens on port 1
	cfg.Spool, cfg.BatchRows, cfg.Backoff, cfg.MaxBackoff = spool, 10, time.Hour, time.Hour
	var once sync.Once
	failed := make(chan struct{})
	cfg.Warn = func(string) { once.Do(func() { close(failed) }) } // told when the first send failed
	w := NewWriter(cfg)
	for i := range 25 {
		w.Add(Row{TableFindings, &findingRow{Idx: i}})
	}
	<-failed
	w.Interrupt()
	d, err := w.Close()
	if err != nil || d.Spooled != 25 || d.LeftInSpool != 25 {
		t.Errorf("spooled %d, left %d (%v); want 25", d.Spooled, d.LeftInSpool, err)
	}
	files, _ := filepath.Glob(filepath.Join(spool, "*.jsonl.gz"))
	rows := 0
	for _, f := range files {
		_, r, _ := parseSpoolName(filepath.Base(f))
		rows += r
	}
	if rows != 25 {
		t.Errorf("%d rows in the spool files", rows)
	}
}

// TestNoSecretsInRows: over every sample, no row of any table holds a
// password, a token or SASL data as it crossed: not in PASS, LOGIN
// (inline or a literal), AUTH's initial response or SASL responses, nor in
// the tag of SASL data the server read as a command. With KeepSecrets they
// are there, as they crossed.
func TestNoSecretsInRows(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	found, kept := 0, 0
	for _, f := range files {
		for _, s := range sessions(t, f) {
			var secrets []string
			users := map[string]bool{}
			for _, a := range s.Auth {
				if len(a.Password) >= 4 {
					secrets = append(secrets, a.Password)
				}
				users[a.Username] = true // stored on purpose, in auth
			}
			for _, e := range s.Exchanges {
				if c := e.Command; c != nil && c.Secret {
					for _, w := range strings.Fields(c.Args) {
						if len(w) >= 8 && !users[strings.Trim(w, `"`)] {
							secrets = append(secrets, w)
						}
					}
				}
			}
			found += len(secrets)
			for _, keep := range []bool{false, true} {
				var all strings.Builder
				for _, r := range SessionRows(Trace{KeepSecrets: keep}, s) {
					b, _ := json.Marshal(r.Data)
					all.Write(b)
				}
				for _, secret := range secrets {
					in := strings.Contains(all.String(), secret)
					if in && !keep {
						t.Errorf("%s session %d: %q is in the rows", filepath.Base(f), s.ID, secret)
					}
					if in && keep {
						kept++
					}
				}
			}
		}
	}
	if found == 0 || kept == 0 {
		t.Fatalf("%d secrets in the samples, %d kept with KeepSecrets: the test tests nothing", found, kept)
	}
}

// TestUIDFromTheConnection: a session's key is the same whatever the run
// numbered it, whichever side the run took for the client, and whatever
// trace it was loaded in; another connection, or another sensor, has
// another.
func TestUIDFromTheConnection(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &session.Session{ID: 1, Client: "127.0.0.1:40000", Server: "127.0.0.1:25", Start: t0}
	b := &session.Session{ID: 7, Client: "127.0.0.1:25", Server: "127.0.0.1:40000", Start: t0}
	if UID("s", a) != UID("s", b) {
		t.Error("the run's numbering or roles changed the key")
	}
	for _, other := range []*session.Session{
		{ID: 1, Client: "127.0.0.1:40001", Server: "127.0.0.1:25", Start: t0},
		{ID: 1, Client: "127.0.0.1:40000", Server: "127.0.0.1:25", Start: t0.Add(time.Microsecond)},
	} {
		if UID("s", other) == UID("s", a) {
			t.Errorf("%+v has the key of another connection", other)
		}
	}
	if UID("s2", a) == UID("s", a) {
		t.Error("two sensors share a key")
	}
}

// TestTimesInRange: a DateTime column gets a time clamped to its range
// (1970 to 2106), never one that wrapped around; the microseconds keep it.
func TestTimesInRange(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want int64
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()},
		{time.Date(2150, 1, 1, 0, 0, 0, 0, time.UTC), 1<<32 - 1},
		{time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	} {
		s := &session.Session{ID: 1, Start: tc.at, End: tc.at}
		r := SessionRows(Trace{}, s)[0].Data.(*sessionRow)
		if r.Start != tc.want || r.StartUS != tc.at.UnixMicro() {
			t.Errorf("%v: start %d, start_us %d; want %d, %d", tc.at, r.Start, r.StartUS, tc.want, tc.at.UnixMicro())
		}
	}
}

// TestApplyPassesOverColumnsThere: an ADD COLUMN answered that the column
// is there (a table made by this version) is no error; any other answer,
// or that answer to another statement, is.
func TestApplyPassesOverColumnsThere(t *testing.T) {
	there := &Exception{Status: 400, Code: 44, Message: "Cannot add column community_id: column with this name already exists"}
	stmts := Schema("db", "")
	ran := 0
	if err := Apply(stmts, func(sql string) error {
		ran++
		if strings.Contains(sql, " ADD COLUMN ") {
			return there
		}
		return nil
	}); err != nil || ran != len(stmts) {
		t.Errorf("%v after %d of %d statements", err, ran, len(stmts))
	}
	if err := Apply(stmts, func(sql string) error { return there }); err == nil {
		t.Error("the same answer to a CREATE passed over")
	}
	other := &Exception{Status: 400, Code: 62, Message: "Syntax error"}
	if err := Apply(stmts, func(sql string) error {
		if strings.Contains(sql, " ADD COLUMN ") {
			return other
		}
		return nil
	}); err == nil {
		t.Error("a syntax error passed over")
	}
}
