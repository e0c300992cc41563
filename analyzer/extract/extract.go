// Package extract saves the messages of a trace as files, as Wireshark's
// Export Objects does for IMF: each message (SMTP DATA/BDAT, POP3
// RETR/TOP, IMAP FETCH and APPEND) as an .eml file written as its bytes
// arrive, and each attachment decoded beside it once the message ends.
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

// Sink writes messages under one directory.
type Sink struct {
	sink.Nop
	dir   string
	count map[*session.Session]int
	open  map[*session.Message]*file
	err   error // the first error, told at the end
	saved int
}

type file struct {
	f    *os.File
	w    *bufio.Writer
	name string // within dir
}

// New returns a Sink writing under dir, which it creates if need be.
func New(dir string) (*Sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Sink{dir: dir, count: map[*session.Session]int{}, open: map[*session.Message]*file{}}, nil
}

// Saved is the number of messages written.
func (e *Sink) Saved() int { return e.saved }

func (e *Sink) keep(err error) {
	if err != nil && e.err == nil {
		e.err = err
	}
}

// MessageStarted opens the message's file; its bytes go there as they
// come, so a message of any size costs no memory.
func (e *Sink) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	e.count[s]++
	base := fmt.Sprintf("%04d-%s-%02d-%s", s.ID, SafeName(string(s.Protocol)), e.count[s], SafeName(m.Via))
	f, name, err := create(e.dir, base+".eml")
	if err != nil {
		e.keep(err)
		return nil
	}
	fl := &file{f: f, w: bufio.NewWriterSize(f, 64<<10), name: name}
	e.open[m] = fl
	return fl.w
}

// MessageEnded closes the file, marks it incomplete if the message was
// cut, and writes its attachments decoded into a directory beside it.
func (e *Sink) MessageEnded(s *session.Session, m *session.Message) {
	fl := e.open[m]
	if fl == nil {
		return
	}
	delete(e.open, m)
	e.keep(fl.w.Flush())
	e.keep(fl.f.Close())
	e.saved++
	name := fl.name
	if !m.Whole() {
		// Known only now: a header, the text, a part (IMAP, POP3 TOP).
		what := SafeName(m.Content)
		if r := m.Range; r != nil {
			what += "-" + strconv.FormatInt(r.Origin, 10) + "-" + strconv.FormatInt(r.Length, 10)
		}
		if renamed, err := move(e.dir, name, strings.TrimSuffix(name, ".eml")+"-"+what+".eml"); err == nil {
			name = renamed
		} else {
			e.keep(err)
		}
	}
	if m.Truncated {
		// Cut by a gap, a bound or the end of the capture.
		if renamed, err := move(e.dir, name, strings.TrimSuffix(name, ".eml")+".incomplete.eml"); err == nil {
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
	src, err := os.Open(filepath.Join(e.dir, name))
	if err != nil {
		return err
	}
	defer src.Close()
	// A cut message's parts keep its mark: "...incomplete.parts", never
	// real names in an unmarked folder.
	partsDir := strings.TrimSuffix(name, ".eml") + ".parts"
	var firstErr error
	var open []*os.File
	parts.WalkEach(bufio.NewReader(src), func(i int, p session.Part) io.Writer {
		if p.Filename == "" && p.Disposition != "attachment" {
			return nil
		}
		if err := os.MkdirAll(filepath.Join(e.dir, partsDir), 0o755); err != nil {
			firstErr = err
			return nil
		}
		n := p.Filename
		if n == "" {
			n = fmt.Sprintf("part-%d", i+1)
		}
		f, _, err := create(filepath.Join(e.dir, partsDir), SafeName(n))
		if err != nil {
			firstErr = err
			return nil
		}
		open = append(open, f)
		return f
	})
	for _, f := range open {
		if err := f.Close(); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// CaptureFinished gives up messages still open (they were told ended when
// their sessions closed) and reports the first error.
func (e *Sink) CaptureFinished(stats.Capture) error { return e.finish() }

func (e *Sink) finish() error {
	for m, fl := range e.open {
		fl.w.Flush()
		fl.f.Close()
		delete(e.open, m)
	}
	if e.err != nil {
		return fmt.Errorf("--extract: %v", e.err)
	}
	return nil
}

// SessionEnded forgets the session's count.
func (e *Sink) SessionEnded(s *session.Session) { delete(e.count, s) }

// maxName bounds a file name's length in bytes; file systems take 255.
const maxName = 120

// SafeName makes name from the wire a file name: the last element of any
// path it holds, no control or bidirectional characters, no leading dot
// (no "..", no hidden files), not empty, at most maxName bytes with its
// extension kept.
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
	name = strings.TrimLeft(strings.TrimSpace(b.String()), ".")
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

// create makes a new file in dir named name, or "name (2).ext" and so on
// when that exists: it never opens an existing file.
func create(dir, name string) (*os.File, string, error) {
	ext := filepath.Ext(name)
	if strings.HasSuffix(name, ".incomplete.eml") {
		ext = ".incomplete.eml"
	}
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= 1000; n++ {
		try := name
		if n > 1 {
			try = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		f, err := os.OpenFile(filepath.Join(dir, try), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, try, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("%s: 1000 files of that name already", filepath.Join(dir, name))
}

// move renames dir/from to a new name like to, never over an existing
// file.
func move(dir, from, to string) (string, error) {
	f, name, err := create(dir, to)
	if err != nil {
		return "", err
	}
	f.Close()
	if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, name)); err != nil {
		os.Remove(filepath.Join(dir, name))
		return "", err
	}
	return name, nil
}
