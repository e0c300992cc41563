// Package extract saves the messages of a trace as files, as Wireshark's
// Export Objects does for IMF: each message (SMTP DATA/BDAT, POP3
// RETR/TOP, IMAP FETCH and APPEND) as an .eml file written as its bytes
// arrive (named incomplete until it ends whole), and each attachment
// decoded beside it once the message ends.
// Names are made safe; no file is ever overwritten.
package extract

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

var _ sink.Sink = (*Sink)(nil)

// Sink writes messages under one directory, and nowhere else: every file
// and folder is made through an os.Root of it, which follows no link
// out of it (a link planted where a .parts folder goes writes nothing
// elsewhere).
type Sink struct {
	sink.Nop
	dir     string
	root    *os.Root
	count   map[*session.Session]int
	open    map[*session.Message]*file
	err     error // the first error, told at once (warn) and at the end
	warn    func(error)
	saved   int
	cut     int // messages saved under an .incomplete name
	limits  Limits
	files   int    // files written
	bytes   int64  // bytes written
	over    int    // files not written past the limits
	live    int    // message files with a descriptor open
	maxOpen int    // the bound on live (openBound)
	clock   uint64 // orders the files' last writes
}

// maxOpenFiles bounds the descriptors messages in flight hold: past it the
// file written longest ago is closed, and opened again for its next
// bytes (thousands of stalled messages must not exhaust the process's).
// Where the process may open fewer than four times as many, the bound is
// a quarter of what it may (ulimit -n 256: 64), the rest left to the
// capture, the spill and the output.
const maxOpenFiles = 256

// openBound is the bound on message files open for a process that may
// open limit files.
func openBound(limit uint64) int {
	return int(min(maxOpenFiles, max(4, limit/4)))
}

// Limits bound what one capture may write, whatever it holds (an 86 KB
// capture can hold 20 000 tiny attachments): past them, files are
// counted, not written.
type Limits struct {
	Files int
	Bytes int64
}

// DefaultLimits are 100 000 files and 8 GiB.
var DefaultLimits = Limits{Files: 100000, Bytes: 8 << 30}

type file struct {
	f    *os.File // nil while closed to make room (message files only)
	w    *bufio.Writer
	name string // within dir
	e    *Sink
	err  error  // the first write error (a full disk): the file is cut
	used uint64 // when it was last written
}

// Write counts what the file takes against the limits, and keeps its
// first error.
func (fl *file) Write(p []byte) (int, error) {
	if fl.err != nil {
		return len(p), nil
	}
	if fl.f == nil && fl.name != "" {
		fl.err = fl.e.reopen(fl)
		if fl.err != nil {
			fl.e.keep(fl.err)
			return len(p), nil
		}
	}
	fl.e.clock++
	fl.used = fl.e.clock
	if _, err := fl.w.Write(p); err != nil {
		fl.err = err
		fl.e.keep(err) // said at once: a full disk cuts every file after
	}
	fl.e.bytes += int64(len(p))
	return len(p), nil
}

// close flushes and closes the file, keeping its first error.
func (fl *file) close() {
	if err := fl.w.Flush(); err != nil && fl.err == nil {
		fl.err = err
	}
	if err := fl.f.Close(); err != nil && fl.err == nil {
		fl.err = err
	}
	fl.f = nil
}

// makeRoom closes message files written longest ago until one more may
// be open.
func (e *Sink) makeRoom() {
	for e.live >= e.maxOpen {
		var oldest *file
		for _, fl := range e.open {
			if fl.f != nil && (oldest == nil || fl.used < oldest.used) {
				oldest = fl
			}
		}
		if oldest == nil {
			return
		}
		oldest.close()
		e.live--
	}
}

// reopen opens a message file closed to make room, for its next bytes.
func (e *Sink) reopen(fl *file) error {
	e.makeRoom()
	f, err := e.root.OpenFile(fl.name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	fl.f = f
	fl.w.Reset(f)
	e.live++
	return nil
}

// New returns a Sink writing under dir, which it creates if need be,
// within DefaultLimits.
func New(dir string) (*Sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Sink{dir: dir, root: root, count: map[*session.Session]int{}, open: map[*session.Message]*file{},
		limits: DefaultLimits, maxOpen: openBound(fileLimit())}, nil
}

// OnError has warn told of the first error as soon as it happens (a full
// disk, no descriptor left), not only at the end.
func (e *Sink) OnError(warn func(error)) { e.warn = warn }

// Incomplete is the number of messages saved under an .incomplete name:
// cut by a gap, by the end of the capture, or by a write that failed.
func (e *Sink) Incomplete() int { return e.cut }

// SetLimits replaces the limits on what the capture may write.
func (e *Sink) SetLimits(l Limits) { e.limits = l }

// Saved is the number of messages written.
func (e *Sink) Saved() int { return e.saved }

// Skipped is the number of files not written past the limits.
func (e *Sink) Skipped() int { return e.over }

// room reports whether one more file may be written, and counts it.
func (e *Sink) room() bool {
	if e.files >= e.limits.Files || e.bytes >= e.limits.Bytes {
		e.over++
		return false
	}
	e.files++
	return true
}

func (e *Sink) keep(err error) {
	if err != nil && e.err == nil {
		e.err = err
		if e.warn != nil {
			e.warn(err)
		}
	}
}

// ReadsMessages: a sink that embeds sink.Nop says it reads them.
func (e *Sink) ReadsMessages() bool { return true }

// MessageStarted opens the message's file; its bytes go there as they
// come, so a message of any size costs no memory.
func (e *Sink) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	if fl := e.start(s, m, started{id: s.ID, proto: string(s.Protocol), via: m.Via}); fl != nil {
		return fl
	}
	return nil
}

// started is what naming a message's file reads of its session and of
// it, as they were when it started.
type started struct {
	id         int
	proto, via string
}

// ended is what closing a message's file reads of it, as it was when it
// ended.
type ended struct {
	whole, truncated bool
	content          string
	rng              *session.Range
}

func endOf(m *session.Message) ended {
	end := ended{whole: m.Whole(), truncated: m.Truncated, content: m.Content}
	if m.Range != nil {
		r := *m.Range
		end.rng = &r
	}
	return end
}

// start opens the file of message m of session s; nil when it is not
// written.
func (e *Sink) start(s *session.Session, m *session.Message, st started) *file {
	e.count[s]++
	if !e.room() {
		return nil
	}
	base := fmt.Sprintf("%04d-%s-%02d-%s", st.id, SafeName(st.proto), e.count[s], SafeName(st.via))
	e.makeRoom()
	// In flight a message is marked incomplete; it takes its final name
	// when it ends whole. A run killed outright (SIGKILL, a power cut)
	// leaves no half message under a name that says it is whole.
	f, name, err := create(e.root, ".", base+incomplete)
	if err != nil {
		e.keep(err)
		return nil
	}
	e.live++
	fl := &file{f: f, w: bufio.NewWriterSize(f, 64<<10), name: name, e: e}
	e.open[m] = fl
	return fl
}

// MessageEnded closes the file, marks it incomplete if the message was
// cut, and writes its attachments decoded into a directory beside it.
func (e *Sink) MessageEnded(s *session.Session, m *session.Message) { e.end(m, endOf(m)) }

func (e *Sink) end(m *session.Message, end ended) {
	fl := e.open[m]
	if fl == nil {
		return
	}
	delete(e.open, m)
	if fl.f != nil {
		fl.close()
		e.live--
	}
	e.keep(fl.err)
	e.saved++
	stem := strings.TrimSuffix(fl.name, incomplete)
	if !end.whole {
		// Known only now: a header, the text, a part (IMAP, POP3 TOP).
		stem += "-" + SafeName(end.content)
		if r := end.rng; r != nil {
			stem += "-" + strconv.FormatInt(r.Origin, 10) + "-" + strconv.FormatInt(r.Length, 10)
		}
	}
	final := stem + ".eml"
	if end.truncated || fl.err != nil {
		// Cut by a gap or the end of the capture, or by a write that
		// failed (a full disk): its name says so.
		e.cut++
		final = stem + incomplete
	}
	name := fl.name
	if final != name {
		if renamed, err := move(e.root, name, final); err == nil {
			name = renamed
		} else {
			e.keep(err)
		}
	}
	e.keep(e.attachments(name))
}

// attachments writes the parts of the saved message dir/name that carry a
// file name or are attachments into dir/name's base + ".parts".
func (e *Sink) attachments(name string) error {
	src, err := e.root.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	// A cut message's parts keep its mark: "...incomplete.parts", never
	// real names in an unmarked folder.
	partsDir := ""
	var firstErr error
	var cur *file // parts come one after another: one is open at a time
	var final string
	done := func() {
		if cur == nil {
			return
		}
		cur.close()
		switch {
		case cur.err != nil && firstErr == nil:
			firstErr = cur.err
		case cur.err == nil:
			// Whole: it takes its name, as a message does.
			if _, err := move(e.root, cur.name, final); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		cur = nil
	}
	parts.WalkEach(src, func(i int, p session.Part) io.Writer {
		done()
		if p.Filename == "" && p.Disposition != "attachment" || !e.room() {
			return nil
		}
		if partsDir == "" {
			if partsDir, err = e.folder(strings.TrimSuffix(name, ".eml") + ".parts"); err != nil {
				firstErr = err
				return nil
			}
		}
		n := p.Filename
		if n == "" {
			n = fmt.Sprintf("part-%d", i+1)
		}
		// Written under a name that says it is not whole until it is: a
		// run killed while decoding it, or a full disk, leaves
		// "name.incomplete", never a short file under the name.
		final = filepath.Join(partsDir, SafeName(n))
		f, tmp, err := create(e.root, partsDir, SafeName(n)+partIncomplete)
		if err != nil {
			firstErr = err
			return nil
		}
		cur = &file{f: f, w: bufio.NewWriterSize(f, 4<<10), e: e, name: filepath.Join(partsDir, tmp)}
		return cur
	})
	done()
	return firstErr
}

// CaptureFinished gives up messages still open (they were told ended when
// their sessions closed) and reports the first error.
func (e *Sink) CaptureFinished(stats.Capture) error { return e.finish() }

func (e *Sink) finish() error {
	for m, fl := range e.open {
		if fl.f != nil {
			fl.close()
		}
		delete(e.open, m)
	}
	e.root.Close()
	if e.err != nil {
		return fmt.Errorf("--extract: %v", e.err)
	}
	return nil
}

// SessionEnded forgets the session's count.
func (e *Sink) SessionEnded(s *session.Session) { delete(e.count, s) }

// incomplete ends the name of a message cut, or still in flight;
// partIncomplete an attachment's.
const (
	incomplete     = ".incomplete.eml"
	partIncomplete = ".incomplete"
)

// maxName bounds a file name's length in bytes; file systems take 255.
const maxName = 120

// SafeName makes name from the wire a file name: the last element of any
// path it holds, no control or bidirectional characters, no leading dot
// or dash (no "..", no hidden files, no "-rf" a shell takes for an
// option), not empty, at most maxName bytes with its extension kept.
func SafeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f,
			!unicode.IsPrint(r) && r != ' ', strings.ContainsRune(`:*?"<>|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	// Never a hidden file nor one a shell reads as an option ("-rf").
	name = strings.TrimLeft(strings.TrimSpace(b.String()), ".-")
	if name == "" {
		name = "part"
	}
	if len(name) > maxName {
		ext := filepath.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		keep := maxName - len(ext)
		for keep > 0 && !utf8.RuneStart(name[keep]) {
			keep--
		}
		name = name[:keep] + ext
	}
	return name
}

// folder makes a new folder named name within the root, or "name (2)"
// and so on where something else has that name: a link planted there is
// never followed, a file never replaced.
func (e *Sink) folder(name string) (string, error) {
	for n := 1; n <= 1000; n++ {
		try := name
		if n > 1 {
			try = fmt.Sprintf("%s (%d)", name, n)
		}
		err := e.root.Mkdir(try, 0o755)
		if err == nil {
			return try, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: 1000 of that name already", name)
}

// create makes a new file in dir (within root) named name, or "name
// (2).ext" and so on when that exists: it never opens an existing file,
// nor follows a link out of root.
func create(root *os.Root, dir, name string) (*os.File, string, error) {
	var f *os.File
	try, err := claim(name, func(try string) (err error) {
		f, err = root.OpenFile(filepath.Join(dir, try), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		return err
	})
	if errors.Is(err, errTooMany) {
		return nil, "", fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
	}
	return f, try, err
}

// move gives the file from a new name like to, within root, never over
// an existing file. A hard link takes the new name, so at no moment does
// it hold anything but the whole file (a run killed between the link and
// the removal leaves both names); where the file system has no hard
// links, an empty file claims the name and the file is renamed over it.
func move(root *os.Root, from, to string) (string, error) {
	name, err := claim(to, func(try string) error { return root.Link(from, try) })
	if err == nil {
		return name, root.Remove(from)
	}
	if errors.Is(err, errTooMany) {
		return "", err
	}
	f, name, err := create(root, ".", to)
	if err != nil {
		return "", err
	}
	f.Close()
	if err := root.Rename(from, name); err != nil {
		root.Remove(name)
		return "", err
	}
	return name, nil
}

// errTooMany is claim's answer when a thousand names are taken.
var errTooMany = errors.New("1000 files of that name already")

// claim calls take with name, then "name (2).ext" and so on while take
// says the name exists, and returns the name it took.
func claim(name string, take func(string) error) (string, error) {
	ext := filepath.Ext(name)
	if strings.HasSuffix(name, incomplete) {
		ext = incomplete
	}
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= 1000; n++ {
		try := name
		if n > 1 {
			try = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		err := take(try)
		if err == nil {
			return try, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", errTooMany
}
