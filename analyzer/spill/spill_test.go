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

// TestFreedRegionsAreUsedAgain: records put to be freed take the regions
// of those freed before them, so the file holds what is kept at once, not
// all that was put; every record reads back as it was put, beside records
// put the other way, and after the store went to memory.
func TestFreedRegionsAreUsedAgain(t *testing.T) {
	for _, toMemory := range []bool{false, true} {
		s := New(t.TempDir())
		recs := records()
		var small [][]byte
		var smallAt []int64
		var live []int64 // positions of records not freed yet, in recs' order
		var liveRecs [][]byte
		var most int64 // the most bytes held at once
		held := int64(0)
		for i, r := range recs {
			at := s.PutFreeable(r)
			live, liveRecs = append(live, at), append(liveRecs, r)
			held += int64(len(r))
			most = max(most, held)
			if i%7 == 0 { // a small record put the other way, kept to the end
				small = append(small, []byte(fmt.Sprintf("record %d", i)))
				smallAt = append(smallAt, s.Put(small[len(small)-1]))
			}
			if len(live) == 16 { // a session ends: its records are read, then freed
				checkAll(t, s, liveRecs, live)
				for j, at := range live {
					s.Free(at, len(liveRecs[j]))
					held -= int64(len(liveRecs[j]))
				}
				live, liveRecs = live[:0], liveRecs[:0]
			}
			if toMemory && i == len(recs)/2 {
				s.toMemory()
			}
		}
		checkAll(t, s, liveRecs, live)
		checkAll(t, s, small, smallAt)
		// Each region is at most twice its record, one per class more.
		if !toMemory && s.Size() > 2*most+int64(len(small))*16+classes*(1<<minClass)+flushAt+1<<20 {
			t.Errorf("the file holds %d bytes for %d held at most: freed regions were not used again", s.Size(), most)
		}
		s.Close()
	}
}

// TestFreeableToMemory: a store that goes to memory reads back the record
// whose region ends past the file's end (a hole), as it was put.
func TestFreeableToMemory(t *testing.T) {
	s := New(t.TempDir())
	defer s.Close()
	r := bytes.Repeat([]byte("x"), 5000) // a region of 8 KiB: 3 KiB of hole
	at := s.PutFreeable(r)
	s.toMemory()
	if got := s.Get(at, len(r)); !bytes.Equal(got, r) {
		t.Errorf("read back %q..., want the record", got[:min(16, len(got))])
	}
}
