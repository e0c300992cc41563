package render

import (
	"io"
	"strings"
)

// lineWriter writes lines, each after a prefix, into w 64 KiB at a time;
// a line that is a block of several (a body) gets the prefix after each
// of its newlines.
type lineWriter struct {
	w   io.Writer
	buf []byte
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
