// Package spill keeps records that are needed only once the input is
// over (a journey's hops, the rows a document ends with) in a temporary
// file, so that memory stays flat however long the capture: what stays
// in memory for each is where it is.
package spill

import (
	"io"
	"math/bits"
	"os"
	"sync"
)

// Store holds records put one after another and read back by position.
// They go to a temporary file, unlinked as soon as it is made, so that
// nothing is left behind whatever happens to the process; where no file
// can be made, unlinked or written (a full disk, a system that cannot
// unlink an open file), what the file holds is read back and everything
// stays in memory: it costs memory, not records. The zero value keeps
// everything in memory.
type Store struct {
	f       *os.File // nil: in memory
	written int64    // bytes in f
	buf     []byte   // what comes after them; everything when f is nil
	// free holds, by size class, the regions of records freed (Free), for
	// records put after them (PutFreeable).
	free [classes][]int64
}

// A record put to be freed takes a region of the smallest size class
// that holds it: a power of two, 4 KiB at least.
const (
	minClass = 12
	classes  = 64
)

// class is the size class of a record of n bytes.
func class(n int) int { return max(minClass, bits.Len(uint(max(n, 1)-1))) }

// flushAt is how much waits in memory before it is written.
const flushAt = 64 << 10

// New returns a Store backed by a temporary file in dir (os.TempDir()
// when "").
func New(dir string) *Store {
	f, err := os.CreateTemp(dir, "mailtrace-spill-*")
	if err != nil {
		return &Store{}
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		os.Remove(f.Name())
		return &Store{}
	}
	return &Store{f: f}
}

// Put appends b and returns its position.
func (s *Store) Put(b []byte) int64 {
	at := s.written + int64(len(s.buf))
	if len(s.buf) == 0 && len(b) >= flushAt && s.f != nil {
		// A block as large as a flush goes straight to the file, not
		// through a copy in buf.
		if _, err := s.f.WriteAt(b, s.written); err == nil {
			s.written += int64(len(b))
			return at
		}
		s.toMemory()
	}
	s.buf = append(s.buf, b...)
	if len(s.buf) >= flushAt {
		s.flush()
	}
	return at
}

// PutFreeable writes b where a record of its size class was freed
// (Free), or in a region of that class at the end, and returns its
// position. A store that keeps records only until they are read (what
// --follow shows of a session until it ends, --full's bodies) then grows
// to what it holds at once, not to all it was given over the run, and
// writes over pages the kernel already holds: a third of the cost of
// new ones. Records put this way are read back as any other.
func (s *Store) PutFreeable(b []byte) int64 {
	if s.f == nil {
		return s.Put(b)
	}
	c := class(len(b))
	var at int64
	if free := s.free[c]; len(free) > 0 {
		at, s.free[c] = free[len(free)-1], free[:len(free)-1]
	} else {
		if s.flush(); s.f == nil {
			return s.Put(b)
		}
		at = s.written
		s.written += 1 << c // past b, a hole: no page is written there
	}
	if _, err := s.f.WriteAt(b, at); err != nil {
		s.toMemory()
		copy(s.buf[at:], b)
	}
	return at
}

// Free gives back the region of a record of n bytes put at at by
// PutFreeable, for one put after it; the record is not read again.
func (s *Store) Free(at int64, n int) {
	if s.f == nil {
		return // in memory: what it held stays until the store closes
	}
	c := class(n)
	s.free[c] = append(s.free[c], at)
}

func (s *Store) flush() {
	if s.f == nil || len(s.buf) == 0 {
		return
	}
	if _, err := s.f.WriteAt(s.buf, s.written); err != nil {
		s.toMemory()
		return
	}
	s.written += int64(len(s.buf))
	s.buf = s.buf[:0]
}

// toMemory reads back what the file holds and goes on in memory.
func (s *Store) toMemory() {
	mem := make([]byte, s.written, s.written+int64(len(s.buf)))
	// The file ends before written where the last region's end is a
	// hole (PutFreeable): what it does not hold reads as the zeros it is.
	if _, err := s.f.ReadAt(mem, 0); err != nil && err != io.EOF {
		clear(mem) // unreadable too: positions stay right, the bytes are zeros
	}
	s.buf = append(mem, s.buf...)
	s.written = 0
	s.closeFile()
}

// Get returns the n bytes at position at, in a slice of its own.
func (s *Store) Get(at int64, n int) []byte {
	b := make([]byte, n)
	s.GetInto(b, at)
	return b
}

// GetInto reads the len(b) bytes at position at into b: a reader of many
// records reuses one buffer.
func (s *Store) GetInto(b []byte, at int64) {
	s.flush()
	if s.f == nil {
		copy(b, s.buf[at:])
		return
	}
	if _, err := s.f.ReadAt(b, at); err != nil {
		s.toMemory()
		s.GetInto(b, at)
	}
}

// WriteTo writes every record, in the order they were put, 64 KiB at a
// time.
func (s *Store) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for size := s.Size(); n < size; {
		m, err := w.Write(s.Get(n, int(min(64<<10, size-n))))
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Size is how many bytes were put (and the room left in the regions of
// records put to be freed).
func (s *Store) Size() int64 { return s.written + int64(len(s.buf)) }

// InMemory tells whether the records are in memory (no file could be
// made or written).
func (s *Store) InMemory() bool { return s.f == nil }

// Close lets the file and the records go.
func (s *Store) Close() {
	s.closeFile()
	s.buf = nil
}

func (s *Store) closeFile() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// Shared is a Store that one goroutine puts records into while another
// reads back those put before (the parsers keep message bodies, the views
// write them as sessions end).
type Shared struct {
	mu sync.Mutex
	s  *Store
}

// NewShared returns a Shared store backed by a temporary file in dir.
func NewShared(dir string) *Shared { return &Shared{s: New(dir)} }

// PutFreeable is Store.PutFreeable.
func (s *Shared) PutFreeable(b []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s.PutFreeable(b)
}

// Free is Store.Free.
func (s *Shared) Free(at int64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Free(at, n)
}

// Size is Store.Size.
func (s *Shared) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s.Size()
}

// GetInto fills b with the bytes at position at.
func (s *Shared) GetInto(b []byte, at int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.GetInto(b, at)
}
