package clickhouse

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClassOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want class
	}{
		{errors.New("dial tcp 127.0.0.1:8123: connection refused"), retry},
		{&Exception{Status: 503}, retry},             // a proxy's, the server away
		{&Exception{Status: 500, Code: 252}, cool},   // TOO_MANY_PARTS: this table waits
		{&Exception{Status: 500, Code: 241}, cool},   // MEMORY_LIMIT_EXCEEDED
		{&Exception{Status: 400, Code: 117}, refuse}, // INCORRECT_DATA: a column the rows name is gone
		{&Exception{Status: 400, Code: 27}, refuse},  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
		{&Exception{Status: 404, Code: 60}, halt},    // UNKNOWN_TABLE: no schema
		{&Exception{Status: 401, Code: 516}, halt},   // AUTHENTICATION_FAILED
		{&Exception{Status: 403}, halt},              // a proxy's refusal
		{&Exception{Status: 400, Message: "bad request"}, refuse},
	} {
		if got := classOf(tc.err); got != tc.want {
			t.Errorf("%v: class %d, want %d", tc.err, got, tc.want)
		}
	}
	for body, code := range map[string]int{
		"Code: 252. DB::Exception: Too many parts (300)\nstack":                                                        252,
		"Code: 117, e.displayText() = DB::Exception: Unknown field found while parsing JSONEachRow format: latency_ms": 117, // older servers
		"Internal error": 0,
	} {
		if e := exception(500, http.Header{}, body); e.Code != code || strings.Contains(e.Message, "stack") {
			t.Errorf("read from %q: %+v", body, e)
		}
	}
}

// fussyServer answers inserts into table refused with code, and takes the
// rest as ClickHouse does; it counts the requests per table.
func fussyServer(t *testing.T, refused string, status, code int) (*httptest.Server, func(string) int) {
	var mu sync.Mutex
	asked := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		mu.Lock()
		for _, table := range []string{"sessions", "exchanges"} {
			if strings.Contains(q, "`"+table+"`") {
				asked[table]++
			}
		}
		mu.Unlock()
		if refused == "*" || strings.Contains(q, "`"+refused+"`") {
			w.Header().Set("X-ClickHouse-Exception-Code", strconv.Itoa(code))
			http.Error(w, "Code: "+strconv.Itoa(code)+". DB::Exception: refused on purpose", status)
			return
		}
		w.Header().Set("X-ClickHouse-Server-Display-Name", "test")
	}))
	t.Cleanup(srv.Close)
	return srv, func(table string) int { mu.Lock(); defer mu.Unlock(); return asked[table] }
}

// TestRefusedBatchGoesAside: a batch the server refuses for what it holds
// (code 117, a column gone) goes to rejected/ with the server's words at
// once, without retries, and the other table's rows are delivered.
func TestRefusedBatchGoesAside(t *testing.T) {
	srv, asked := fussyServer(t, "exchanges", http.StatusBadRequest, 117)
	cfg := DefaultConfig(srv.URL)
	cfg.Spool, cfg.Wait, cfg.Backoff = t.TempDir(), 5*time.Second, 10*time.Millisecond
	w := NewWriter(cfg)
	w.Add(Row{Table: "exchanges", Data: map[string]int{"a": 1}})
	w.Add(Row{Table: "sessions", Data: map[string]int{"a": 1}})
	w.Add(Row{Table: "sessions", Data: map[string]int{"a": 2}})
	d, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 2 || d.Rejected != 1 || d.Retries != 0 || d.LeftInSpool != 0 || asked("exchanges") != 1 {
		t.Errorf("delivered %d, rejected %d, retries %d, left %d, exchanges asked %d times; want 2, 1, 0, 0, 1",
			d.Rows, d.Rejected, d.Retries, d.LeftInSpool, asked("exchanges"))
	}
	files, _ := filepath.Glob(filepath.Join(cfg.Spool, "rejected", "*exchanges*.reason"))
	if len(files) != 1 {
		t.Fatalf("reasons %q", files)
	}
	if reason, _ := os.ReadFile(files[0]); !strings.Contains(string(reason), "code 117") {
		t.Errorf("reason %q", reason)
	}
}

// TestHaltWaitsInTheSpool: wrong credentials (code 516) stop delivery at
// the first refusal: every row waits in the spool, none is rejected, and
// the server is not asked again and again.
func TestHaltWaitsInTheSpool(t *testing.T) {
	srv, asked := fussyServer(t, "*", http.StatusUnauthorized, 516)
	cfg := DefaultConfig(srv.URL)
	cfg.Spool, cfg.Wait, cfg.Backoff = t.TempDir(), 5*time.Second, 10*time.Millisecond
	w := NewWriter(cfg)
	w.Add(Row{Table: "exchanges", Data: map[string]int{"a": 1}})
	w.Add(Row{Table: "sessions", Data: map[string]int{"a": 1}})
	d, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !d.Halted || d.Rows != 0 || d.Rejected != 0 || d.LeftInSpool != 2 || asked("exchanges")+asked("sessions") != 1 {
		t.Errorf("halted %v, delivered %d, rejected %d, left %d, asked %d times; want true, 0, 0, 2, 1",
			d.Halted, d.Rows, d.Rejected, d.LeftInSpool, asked("exchanges")+asked("sessions"))
	}
}

// TestBusyTableHoldsNoOtherBack: while the server answers one table's
// inserts with TOO_MANY_PARTS (a code a retry gets past), that table's
// batches wait their turn and every other table's rows are delivered;
// what the busy table could not send is left in the spool at the end.
func TestBusyTableHoldsNoOtherBack(t *testing.T) {
	srv, asked := fussyServer(t, "exchanges", http.StatusInternalServerError, 252)
	cfg := DefaultConfig(srv.URL)
	cfg.Spool, cfg.Wait, cfg.Backoff, cfg.MaxBackoff = t.TempDir(), 300*time.Millisecond, 10*time.Millisecond, 40*time.Millisecond
	cfg.BatchRows = 1
	w := NewWriter(cfg)
	w.Add(Row{Table: "exchanges", Data: map[string]int{"a": 1}})
	for i := range 5 {
		w.Add(Row{Table: "sessions", Data: map[string]int{"a": i}})
	}
	d, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 5 || d.Tables["sessions"] != 5 || d.LeftInSpool != 1 || d.Rejected != 0 || asked("exchanges") < 2 {
		t.Errorf("delivered %d (sessions %d), left %d, rejected %d, exchanges tried %d times; want 5, 5, 1, 0, 2 or more",
			d.Rows, d.Tables["sessions"], d.LeftInSpool, d.Rejected, asked("exchanges"))
	}
}
