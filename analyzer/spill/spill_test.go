package spill

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// records are of every size, enough of them to be written to the file
// many times over, and some larger than a flush (written straight to the
// file when nothing waits before them).
func records() [][]byte {
	var out [][]byte
	for i := range 3000 {
		n := i%997 + 1
		if i%500 == 0 || i%500 == 1 {
			n = flushAt + i
		}
		out = append(out, bytes.Repeat([]byte{byte(i)}, n))
	}
	return out
}

func putAll(s *Store, recs [][]byte) []int64 {
	var at []int64
	for _, r := range recs {
		at = append(at, s.Put(r))
	}
	return at
}

func checkAll(t *testing.T, s *Store, recs [][]byte, at []int64) {
	t.Helper()
	// Backwards, to read far from the last write.
	for i := len(recs) - 1; i >= 0; i-- {
		if got := s.Get(at[i], len(recs[i])); !bytes.Equal(got, recs[i]) {
			t.Fatalf("record %d at %d: %d bytes differ", i, at[i], len(recs[i]))
		}
		into := make([]byte, len(recs[i]))
		if s.GetInto(into, at[i]); !bytes.Equal(into, recs[i]) {
			t.Fatalf("record %d at %d: %d bytes read into a buffer differ", i, at[i], len(recs[i]))
		}
	}
}

// TestStoreFile: records go to a file no one else can see, and come back
// as they were put, also when more are put after reading.
func TestStoreFile(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	defer s.Close()
	if s.InMemory() {
		t.Fatal("no file made")
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("the file is left in %s: %v", dir, names)
	}
	recs := records()
	half := len(recs) / 2
	at := putAll(s, recs[:half])
	checkAll(t, s, recs[:half], at)
	at = append(at, putAll(s, recs[half:])...)
	checkAll(t, s, recs, at)
	if s.InMemory() {
		t.Error("records went to memory")
	}
	var total int64
	for _, r := range recs {
		total += int64(len(r))
	}
	if s.Size() != total {
		t.Errorf("size %d, put %d", s.Size(), total)
	}
	var all, want bytes.Buffer
	for _, r := range recs {
		want.Write(r)
	}
	if n, err := s.WriteTo(&all); err != nil || n != total || !bytes.Equal(all.Bytes(), want.Bytes()) {
		t.Errorf("WriteTo wrote %d bytes (%v), not the %d put, in order", n, err, total)
	}
}

// TestStoreMemory: the zero value, and a Store with nowhere to write,
// keep every record in memory.
func TestStoreMemory(t *testing.T) {
	recs := records()
	for name, s := range map[string]*Store{"zero": {}, "no dir": New("/nonexistent/mailtrace")} {
		at := putAll(s, recs)
		if !s.InMemory() {
			t.Errorf("%s: a file", name)
		}
		checkAll(t, s, recs, at)
	}
}

// TestStoreFileFails: when the file stops taking writes (a full disk),
// what it held is read back and nothing is lost.
func TestStoreFileFails(t *testing.T) {
	s := New(t.TempDir())
	recs := records()
	half := len(recs) / 2
	at := putAll(s, recs[:half])
	if s.written == 0 {
		t.Fatal("nothing written to the file yet")
	}
	// The same unlinked file, open only for reading: writes fail.
	ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", s.f.Fd()))
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	s.f.Close()
	s.f = ro
	at = append(at, putAll(s, recs[half:])...)
	if !s.InMemory() {
		t.Fatal("still on the file that cannot be written")
	}
	checkAll(t, s, recs, at)
}
