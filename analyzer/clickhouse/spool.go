package clickhouse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The spool: batches the server did not take, as files in a directory,
// written whole or not at all, claimed by rename, and rejected apart
// when they can never be sent (docs/clickhouse.md).

// toSpool writes batch b to the spool and returns its path.
func (w *Writer) toSpool(b *batch) (string, error) {
	if w.cfg.Spool == "" {
		return "", errors.New("no spool directory (--spool)")
	}
	if err := os.MkdirAll(w.cfg.Spool, 0o700); err != nil {
		return "", err
	}
	w.seq++
	name := fmt.Sprintf("%020d-%06d-%s-%d.jsonl.gz", time.Now().UnixNano(), w.seq, b.table, b.rows)
	// Written under a name no reader takes, made durable, then renamed:
	// a spool file is whole or not there (a full disk leaves nothing).
	f, err := os.CreateTemp(w.cfg.Spool, ".writing-*.tmp")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b.body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	path := filepath.Join(w.cfg.Spool, name)
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return path, err
}

// fromSpool claims and reads the oldest spooled batch of a table not
// cooling at now; w.mu is held. cooled says batches of cooling tables
// were passed over. A file is claimed by renaming it, so that writers
// sharing a spool never send one twice; one that is empty or cannot be
// read goes to rejected/ with the reason, and the rest go on.
func (w *Writer) fromSpool(now time.Time) (b *batch, cooled bool) {
	for _, f := range w.spooled() {
		table, rows, ok := parseSpoolName(filepath.Base(f))
		if !ok {
			continue
		}
		if w.cooling[table].After(now) {
			cooled = true
			continue
		}
		claimed := fmt.Sprintf("%s.claimed-%d-%d", f, os.Getpid(), w.seq)
		w.seq++
		if os.Rename(f, claimed) != nil {
			continue // another writer has it
		}
		body, err := os.ReadFile(claimed)
		if err == nil && len(body) == 0 {
			err = errors.New("empty")
		}
		if err != nil {
			w.reject(claimed, filepath.Base(f), fmt.Sprintf("unreadable: %v", err), rows)
			continue
		}
		return &batch{table: table, rows: rows, body: body, file: claimed, name: f}, cooled
	}
	return nil, cooled
}

// reject moves a spool file the server must never be sent to rejected/,
// with a .reason file beside it, and counts its rows.
func (w *Writer) reject(path, name, reason string, rows int) {
	dir := filepath.Join(w.cfg.Spool, "rejected")
	if err := os.MkdirAll(dir, 0o700); err == nil && os.Rename(path, filepath.Join(dir, name)) == nil {
		os.WriteFile(filepath.Join(dir, name+".reason"), []byte(reason+"\n"), 0o600)
	} else {
		os.Remove(path)
	}
	w.counters.Rejected += int64(rows)
	w.cfg.Warn(fmt.Sprintf("clickhouse: spool file %s: %s; moved to %s", name, reason, dir))
}

// staleClaim is how long a claim by a writer that died is respected.
const staleClaim = 10 * time.Minute

// spooled lists the spool's batches, oldest first: only names a spool
// writer finished ("TIME-SEQ-TABLE-ROWS.jsonl.gz"), never a temporary
// file (Go's glob matches a leading dot), which is removed once stale,
// and claims a dead writer left are given back.
func (w *Writer) spooled() []string {
	if w.cfg.Spool == "" {
		return nil
	}
	entries, _ := os.ReadDir(w.cfg.Spool)
	var files []string
	for _, e := range entries {
		name := e.Name()
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		old := time.Since(info.ModTime()) > staleClaim
		switch {
		case strings.HasPrefix(name, "."):
			if old {
				os.Remove(filepath.Join(w.cfg.Spool, name))
			}
		case strings.Contains(name, ".jsonl.gz.claimed-"):
			if old {
				base, _, _ := strings.Cut(name, ".claimed-")
				os.Rename(filepath.Join(w.cfg.Spool, name), filepath.Join(w.cfg.Spool, base))
			}
		case strings.HasSuffix(name, ".jsonl.gz"):
			files = append(files, filepath.Join(w.cfg.Spool, name))
		}
	}
	sort.Strings(files)
	return files
}

// parseSpoolName reads "TIME-SEQ-TABLE-ROWS.jsonl.gz".
func parseSpoolName(name string) (string, int, bool) {
	parts := strings.Split(strings.TrimSuffix(name, ".jsonl.gz"), "-")
	if len(parts) != 4 {
		return "", 0, false
	}
	rows, err := strconv.Atoi(parts[3])
	return parts[2], rows, err == nil && validTable(parts[2])
}

func validTable(name string) bool {
	for _, t := range Tables() {
		if t.Name == name {
			return true
		}
	}
	return false
}
