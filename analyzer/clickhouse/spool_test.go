package clickhouse

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// rowsServer answers inserts on loopback as a ClickHouse server of
// version 18 does (its name, no summary) unless bare, and counts the rows
// of the batches it took.
func rowsServer(t *testing.T, bare bool) (*httptest.Server, func() int) {
	var mu sync.Mutex
	rows := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if len(body) == 0 {
			http.Error(w, "Code: 108. DB::Exception: No data to insert", http.StatusBadRequest)
			return
		}
		mu.Lock()
		rows++
		mu.Unlock()
		if !bare {
			w.Header().Set("X-ClickHouse-Server-Display-Name", "test")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() int { mu.Lock(); defer mu.Unlock(); return rows }
}

// TestSpoolNeverWedges: a temporary file a full disk left, an empty batch
// file and a claim of a writer that died hold nothing back: every other
// batch is sent, the empty one is moved to rejected/ with its reason and
// counted, the temporary file is never sent.
func TestSpoolNeverWedges(t *testing.T) {
	srv, taken := rowsServer(t, false)
	spool := t.TempDir()
	write := func(name string, body []byte) {
		if err := os.WriteFile(filepath.Join(spool, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good := []byte("not read by this server, only counted")
	write(".00000000000000000001-000001-sessions-3.jsonl.gz", nil) // the old writer's temporary name, first in order
	write(".writing-123.tmp", nil)
	write("00000000000000000002-000001-sessions-5.jsonl.gz", nil) // empty: never sendable
	write("00000000000000000003-000002-exchanges-7.jsonl.gz", good)
	write("00000000000000000004-000003-auth-2.jsonl.gz", good)
	cfg := DefaultConfig(srv.URL)
	cfg.Spool, cfg.Wait, cfg.Backoff = spool, 2*time.Second, 10*time.Millisecond
	d, err := NewWriter(cfg).Close()
	if err != nil {
		t.Fatal(err)
	}
	if d.FromSpool != 9 || taken() != 2 || d.Rejected != 5 || d.LeftInSpool != 0 {
		t.Errorf("sent %d rows from the spool in %d batches, rejected %d, left %d; want 9, 2, 5, 0", d.FromSpool, taken(), d.Rejected, d.LeftInSpool)
	}
	reason, err := os.ReadFile(filepath.Join(spool, "rejected", "00000000000000000002-000001-sessions-5.jsonl.gz.reason"))
	if err != nil || !strings.Contains(string(reason), "empty") {
		t.Errorf("reason %q, %v", reason, err)
	}
}

// TestOnlyClickHouseAcknowledges: a 200 without ClickHouse's headers (a
// proxy's, a portal's) is no delivery: the rows stay in the spool.
func TestOnlyClickHouseAcknowledges(t *testing.T) {
	srv, _ := rowsServer(t, true)
	cfg := DefaultConfig(srv.URL)
	cfg.Spool, cfg.Wait, cfg.Backoff = t.TempDir(), 300*time.Millisecond, 10*time.Millisecond
	w := NewWriter(cfg)
	if err := w.Add(Row{TableExchanges, &exchangeRow{Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	d, err := w.Close()
	if err != nil || d.Rows != 0 || d.LeftInSpool != 1 {
		t.Errorf("%+v %v: want nothing sent, 1 row left in the spool", d, err)
	}
	if h := (http.Header{"X-Clickhouse-Summary": {`{"read_rows":"1","written_rows":"0"}`}}); acknowledged(h, 1) == nil {
		t.Error("a summary that wrote no row acknowledged one")
	}
	if h := (http.Header{"X-Clickhouse-Summary": {`{"read_rows":"3","written_rows":"3"}`}}); acknowledged(h, 3) != nil {
		t.Error("a summary of every row not taken")
	}
}

// TestDeadlineAgainstAHangingServer: a server that takes the request and
// never answers cannot hold Close past its Wait: the request is ended,
// its rows spooled. The server is let go only once Close has returned.
func TestDeadlineAgainstAHangingServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	cfg := DefaultConfig(srv.URL)
	cfg.Spool, cfg.Wait, cfg.Backoff = t.TempDir(), 200*time.Millisecond, 10*time.Millisecond
	w := NewWriter(cfg)
	if err := w.Add(Row{TableExchanges, &exchangeRow{Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var d struct {
		left int64
		err  error
	}
	go func() {
		c, err := w.Close()
		d.left, d.err = c.LeftInSpool, err
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // the client's own timeout is 30 s
		t.Fatal("Close waited on the hanging server past its deadline")
	}
	if d.err != nil || d.left != 1 {
		t.Errorf("left %d in the spool, %v; want the row there", d.left, d.err)
	}
}

// TestSpoolOnAFullDisk: a spool on a file system that fills (a tmpfs of
// 64 KiB) keeps the batches it could write whole and leaves no temporary
// file behind; Close says that rows were lost; the next run delivers
// every row the spool kept, and nothing else stands in its way.
func TestSpoolOnAFullDisk(t *testing.T) {
	spool := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", spool).Run(); err != nil {
		t.Skip("no tmpfs to fill here (needs root):", err)
	}
	t.Cleanup(func() { exec.Command("umount", spool).Run() })
	cfg := DefaultConfig("http://127.0.0.1:1/") // nothing listens on port 1
	cfg.Spool, cfg.BatchRows, cfg.MaxMemory, cfg.Wait, cfg.Backoff = spool, 10, 1, 100*time.Millisecond, 10*time.Millisecond
	cfg.Warn = func(string) {}
	w := NewWriter(cfg)
	noise := make([]byte, 1500)
	for i := range 200 {
		rand.Read(noise)
		w.Add(Row{TableExchanges, &exchangeRow{Seq: i, Args: base64.StdEncoding.EncodeToString(noise)}})
	}
	d, err := w.Close()
	if err == nil || !strings.Contains(err.Error(), "nor spooled") {
		t.Errorf("Close: %v, want it to say rows were lost", err)
	}
	if left, _ := filepath.Glob(filepath.Join(spool, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
	kept := 0
	files, _ := filepath.Glob(filepath.Join(spool, "*.jsonl.gz"))
	for _, f := range files {
		_, rows, _ := parseSpoolName(filepath.Base(f))
		kept += rows
	}
	if kept == 0 || kept >= 200 || int64(kept) != d.LeftInSpool {
		t.Fatalf("%d rows kept in the spool, %d said; want some, not all", kept, d.LeftInSpool)
	}
	srv, taken := rowsServer(t, false)
	cfg.URL = srv.URL
	d, err = NewWriter(cfg).Close()
	if err != nil || d.FromSpool != int64(kept) || taken() != len(files) || d.LeftInSpool != 0 {
		t.Errorf("second run: %v, %d rows from the spool in %d batches, %d left; want %d in %d, none left", err, d.FromSpool, taken(), d.LeftInSpool, kept, len(files))
	}
}
