package view

import (
	"io"
	"slices"
	"unsafe"

	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/spill"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Follow writes each session's raw bytes as it ends, keeping them until
// then, at most max bytes of each session (0: all); the rest is counted
// and said at its end.
func Follow(w io.Writer, o render.TextOptions, max int64) sink.Sink {
	return &follow{w: w, o: o, max: max, raw: map[*session.Session]*followed{}, mem: blockPool{max: spooledInMemory / spoolBlock}}
}

type follow struct {
	sink.Nop
	w     io.Writer
	o     render.TextOptions
	max   int64
	raw   map[*session.Session]*followed
	store *spill.Store // made when a session first passes keptInMemory
	mem   blockPool    // the spools' blocks in memory
}

// followed is what the view holds of a session until it ends: its
// chunks, kept. A session that goes past keptInMemory before any TLS
// began (a mailbox downloaded) is shown from then on as its chunks come,
// into a spool in the spill file, so that it is shown while the parsers
// still read rather than all at its end; what comes after TLS began is
// kept again, to be shown at the end with the session's records.
type followed struct {
	kept  kept             // the chunks kept, and the bound's count
	tls   bool             // a chunk came after TLS began
	shown *render.Follower // past keptInMemory: the session shown so far
	spool spool            // what shown wrote
	last  session.Chunk    // the last chunk shown, without its bytes
}

func (v *follow) Raw(s *session.Session, c session.Chunk) {
	f := v.raw[s]
	if f == nil {
		f = &followed{}
		v.raw[s] = f
	}
	f.tls = f.tls || !c.BeforeTLS
	switch {
	case f.shown == nil && !f.tls && f.kept.n+int64(len(c.Data)) > keptInMemory:
		// What was kept is shown now, and the rest as it comes.
		f.spool.store, f.spool.pool = v.spill, &v.mem
		f.shown = render.NewFollower(&f.spool, v.o)
		for k := range f.kept.all(v.store) {
			f.shown.Chunk(k)
			f.last = session.Chunk{Dir: k.Dir, Gap: k.Gap}
		}
		f.kept = kept{n: f.kept.n, dropped: f.kept.dropped}
	case f.shown == nil || f.tls:
		f.kept.add(c, v.max, v.spill)
		return
	}
	l := f.last
	data, ok := f.kept.admit(c, v.max, l.Gap == 0 && c.Gap == 0 && l.Dir == c.Dir)
	if !ok {
		return
	}
	c.Data = data
	f.last = session.Chunk{Dir: c.Dir, Gap: c.Gap}
	f.shown.Chunk(c)
}

// spill is the view's spill file, made when first needed.
func (v *follow) spill() *spill.Store {
	if v.store == nil {
		v.store = spill.New("")
	}
	return v.store
}

func (v *follow) SessionEnded(s *session.Session) {
	f := v.raw[s]
	delete(v.raw, s)
	if f == nil {
		f = &followed{}
	}
	// Written, the session's blocks in the spill file are free for the
	// sessions after it.
	defer f.free(v.store)
	if f.shown == nil {
		render.Follow(v.w, s, f.kept.all(v.store), f.kept.dropped, v.o)
		return
	}
	render.Header(v.w, s, v.o)
	f.shown.To(v.w) // what waits goes to the spool first
	f.spool.writeTo(v.w, v.store)
	f.shown.Cut(s)
	for c := range f.kept.all(v.store) {
		f.shown.Chunk(c)
	}
	f.shown.End(f.kept.dropped)
}

// free gives the blocks f put in store back to it.
func (f *followed) free(store *spill.Store) {
	for _, blocks := range [][]spilled{f.kept.blocks, f.spool.blocks} {
		for _, b := range blocks {
			store.Free(b.at, b.len)
		}
	}
}

func (v *follow) CaptureFinished(c stats.Capture) error {
	if v.store != nil {
		v.store.Close()
	}
	return nil
}

// spool is what the view wrote of a session before it ended: in blocks
// of memory while the view's pool has them (no block grows, none is
// copied twice), then in the spill file. The pool is the view's, not
// the session's: the sessions shown as they come share spooledInMemory,
// however many are open at once. A mailbox download of a few MB is
// written mostly from memory at its end; one of a GB goes through the
// file.
type spool struct {
	mem    [][]byte // blocks from pool, each full but the last
	pool   *blockPool
	blocks []spilled // what came once the pool had no block
	store  func() *spill.Store
}

// spooledInMemory bounds what the spools hold in memory, in blocks of
// spoolBlock. Writing through the spill file cost a seventh of
// --follow's CPU on the real capture (its sessions download 2-5 MB):
// the kernel copies each byte in and out and finds pages for them. The
// blocks are live heap, which brings the collector's next cycle nearer:
// with 8 MiB, a session that keeps many exchanges (the held shape of
// bench-hostile) ran 33 cycles where it ran 23, and lost what the file
// had cost; with 4 MiB, 27, as fast as before, and the real capture as
// fast as with 8.
const (
	spooledInMemory = 4 << 20
	spoolBlock      = 64 << 10
)

func (s *spool) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && len(s.blocks) == 0 {
		last := len(s.mem) - 1
		if last < 0 || len(s.mem[last]) == cap(s.mem[last]) {
			b := s.pool.get()
			if b == nil {
				break
			}
			s.mem, last = append(s.mem, b), last+1
		}
		b := s.mem[last]
		k := copy(b[len(b):cap(b)], p)
		s.mem[last], p = b[:len(b)+k], p[k:]
	}
	if len(p) > 0 {
		s.blocks = append(s.blocks, spilled{at: s.store().PutFreeable(p), len: len(p)})
	}
	return n, nil
}

// writeTo writes what s holds to w, giving its blocks back to the pool,
// and reading what is in the spill file back from store a block at a
// time into one buffer.
func (s *spool) writeTo(w io.Writer, store *spill.Store) {
	for _, b := range s.mem {
		w.Write(b)
		s.pool.put(b)
	}
	s.mem = nil
	var buf []byte
	for _, b := range s.blocks {
		buf = slices.Grow(buf[:0], b.len)[:b.len]
		store.GetInto(buf, b.at)
		w.Write(buf)
	}
}

// blockPool hands out at most max blocks of spoolBlock at once, and
// keeps those given back for the next.
type blockPool struct {
	free [][]byte
	out  int
	max  int
}

// get returns an empty block, or nil when max are out.
func (p *blockPool) get() []byte {
	if p.out == p.max {
		return nil
	}
	p.out++
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, spoolBlock)
}

func (p *blockPool) put(b []byte) {
	p.out--
	p.free = append(p.free, b)
}

// kept is what --follow holds of a session: its chunks, their bytes
// copied into blocks (a copy each would be an allocation for every
// packet) that double from 1 KiB to keptBlock (a block of keptBlock for
// each of 232 000 connections of a hundred bytes allocated 15 GB), and
// the bytes counted past the bound. A chunk that goes on from the last
// one (same direction, no gap between) grows it instead of adding one:
// the view joins them anyway. Each chunk kept costs chunkCost bytes of
// the bound: a session of one-byte segments that change direction at
// each held 72 bytes of chunk for each byte kept, 1.2 GB under a bound
// of 16 MiB.
//
// Past keptInMemory of a session, each block as it fills goes to the
// view's spill file, and its chunks say where: sessions that go on for
// long hold a MiB each in memory, not the bound each (ten mailbox
// downloads at once held 160 MiB), and the collector does not mark a
// flood's 16 MiB again at each cycle.
type kept struct {
	chunks  []keptChunk
	block   []byte // the last block: the last chunk's bytes, if any, end it
	first   int    // the first chunk whose bytes are in block
	blocks  []spilled
	n       int64 // bytes kept, and chunkCost for each chunk
	dropped int64
}

// keptChunk is a chunk kept, without its time (the view shows none):
// its bytes, or once its block went to the spill file where they are, or
// the bytes lost in its place.
type keptChunk struct {
	data      []byte // nil once spilled
	gap       int
	block     int32 // in kept.blocks, once spilled
	off, len  int32 // in that block
	dir       session.Dir
	decrypted bool
}

// spilled is a block in the spill file.
type spilled struct {
	at  int64
	len int
}

const (
	keptBlock    = 64 << 10
	chunkCost    = int64(unsafe.Sizeof(keptChunk{}))
	keptInMemory = 1 << 20
)

// add keeps c, or as much of it as bound allows (0: all), and counts the
// rest; past keptInMemory the blocks it fills go to store().
func (k *kept) add(c session.Chunk, bound int64, store func() *spill.Store) {
	last := len(k.chunks) - 1
	joins := last >= 0 && k.chunks[last].gap == 0 && c.Gap == 0 && k.chunks[last].dir == c.Dir &&
		k.chunks[last].decrypted == c.Decrypted && len(c.Data) <= cap(k.block)-len(k.block)
	data, ok := k.admit(c, bound, joins)
	if !ok {
		return
	}
	switch {
	case c.Gap > 0:
		k.chunks = append(k.chunks, keptChunk{gap: c.Gap, dir: c.Dir, decrypted: c.Decrypted})
	case joins:
		prev := &k.chunks[last]
		start := len(k.block) - len(prev.data)
		k.block = append(k.block, data...)
		prev.data = k.block[start:len(k.block):len(k.block)]
	default:
		if len(data) > cap(k.block)-len(k.block) {
			size := min(keptBlock, max(2*cap(k.block), 1<<10))
			if k.n > keptInMemory && store != nil {
				k.spill(store())
			}
			k.block = make([]byte, 0, max(size, len(data)))
			k.first = len(k.chunks)
		}
		start := len(k.block)
		k.block = append(k.block, data...)
		k.chunks = append(k.chunks, keptChunk{data: k.block[start:len(k.block):len(k.block)], dir: c.Dir, decrypted: c.Decrypted})
	}
}

// admit counts c against bound (0: none), as a piece of its own unless it
// joins the last, and returns what of its bytes to keep; ok is false
// when nothing of it is kept, not even its gap.
func (k *kept) admit(c session.Chunk, bound int64, joins bool) (data []byte, ok bool) {
	data = c.Data
	cost := int64(len(data))
	if !joins {
		cost += chunkCost
	}
	if bound > 0 && k.n+cost > bound {
		// A 1 GB message must not take 1 GB: past the bound bytes are
		// counted, not kept.
		keep := int64(len(data)) - (k.n + cost - bound)
		if keep <= 0 || c.Gap > 0 {
			k.dropped += int64(len(data))
			k.n = bound // nothing more fits, not even a byte in a chunk of its own
			return nil, false
		}
		k.dropped += int64(len(data)) - keep
		cost -= int64(len(data)) - keep
		data = data[:keep]
	}
	k.n += cost
	return data, true
}

// spill writes the full block to store and has its chunks say where
// their bytes went.
func (k *kept) spill(store *spill.Store) {
	if len(k.block) == 0 {
		return
	}
	k.blocks = append(k.blocks, spilled{at: store.PutFreeable(k.block), len: len(k.block)})
	off := 0
	for i := k.first; i < len(k.chunks); i++ {
		c := &k.chunks[i]
		if c.gap > 0 {
			continue
		}
		c.block, c.off, c.len = int32(len(k.blocks)-1), int32(off), int32(len(c.data))
		off += len(c.data)
		c.data = nil
	}
	k.block = nil
}

// all yields the chunks kept, in order, reading spilled blocks back from
// store one at a time; a chunk's Data is valid until the next.
func (k *kept) all(store *spill.Store) func(yield func(session.Chunk) bool) {
	return func(yield func(session.Chunk) bool) {
		loaded, at := int32(-1), []byte(nil)
		for _, c := range k.chunks {
			data := c.data
			if c.gap == 0 && data == nil && c.len > 0 {
				if c.block != loaded {
					b := k.blocks[c.block]
					at, loaded = slices.Grow(at[:0], b.len)[:b.len], c.block
					store.GetInto(at, b.at)
				}
				data = at[c.off : c.off+c.len]
			}
			if !yield(session.Chunk{Dir: c.dir, Data: data, Gap: c.gap, Decrypted: c.decrypted}) {
				return
			}
		}
	}
}
