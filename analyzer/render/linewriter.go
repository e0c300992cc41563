package render

import (
	"bytes"
	"io"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// lineWriter writes lines, each after a prefix, into w 64 KiB at a time;
// a line that is a block of several (a body) gets the prefix after each
// of its newlines.
type lineWriter struct {
	w   io.Writer
	buf []byte
	// kept is where spilled bodies are read back, one after the other.
	kept []byte
}

func (lw *lineWriter) line(prefix, l string) {
	for {
		lw.buf = append(lw.buf, prefix...)
		i := strings.IndexByte(l, '\n')
		if i < 0 {
			break
		}
		lw.buf = append(lw.buf, l[:i+1]...)
		l = l[i+1:]
		lw.flushFull()
	}
	lw.buf = append(append(lw.buf, l...), '\n')
	lw.flushFull()
}

func (lw *lineWriter) flushFull() {
	if len(lw.buf) >= 64<<10 {
		lw.flush()
	}
}

func (lw *lineWriter) flush() {
	if len(lw.buf) > 0 {
		lw.w.Write(lw.buf)
		lw.buf = lw.buf[:0]
	}
}

// body writes the kept bytes of m, each line after lead (the timeline's
// own prefix) and mark ("S: | "), escaped and painted col. A body is
// most of --full's output: its lines are read once and written once.
func (lw *lineWriter) body(lead, mark, col string, m *session.Message, p painter) {
	body, kept := m.KeptBodyIn(lw.kept)
	lw.kept = kept
	body = bytes.TrimSuffix(body, []byte("\r\n"))
	if len(body) == 0 {
		return
	}
	for {
		l, i := body, bytes.IndexByte(body, '\n')
		if i >= 0 {
			l = body[:i]
		}
		lw.buf = append(lw.buf, lead...)
		if p.on {
			lw.buf = append(lw.buf, col...)
		}
		lw.buf = AppendEscaped(append(lw.buf, mark...), lines.TrimCR(l))
		if p.on {
			lw.buf = append(lw.buf, colReset...)
		}
		lw.buf = append(lw.buf, '\n')
		lw.flushFull()
		if i < 0 {
			return
		}
		body = body[i+1:]
	}
}
