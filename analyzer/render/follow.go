package render

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// lineHold bounds what the follow view holds of a line whose end has
// not come yet.
const lineHold = 64 << 10

// heldBack is how much of b, a line's bytes whose end has not come, can
// be written now: all but a carriage return at its end (it may end the
// line) and the first bytes of a rune whose others are still to come.
func heldBack(b []byte) int {
	n := len(b)
	for i := 1; i <= utf8.UTFMax && i <= n; i++ {
		if utf8.RuneStart(b[n-i]) {
			if !utf8.FullRune(b[n-i:]) {
				n -= i
			}
			break
		}
	}
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	return n
}

// dirIndent sets server data apart from the client's in the follow view.
func dirIndent(d session.Dir) string {
	if d == session.FromServer {
		return "    "
	}
	return ""
}

// Follow writes the raw conversation raw, the session's bytes in capture
// order (and says how many more bytes the bound left out, dropped), as Wireshark's Follow TCP Stream does: client data flush left,
// server data indented, lost bytes marked. Consecutive chunks of one
// direction are joined, so a line split over two segments shows as one.
// Control characters are escaped line by line.
func Follow(w io.Writer, s *session.Session, raw iter.Seq[session.Chunk], dropped int64, o TextOptions) {
	p := painter{o.Color}
	Header(w, s, o)
	dir := session.FromClient
	tls := newTLSCut(s)
	// Lines are written 64 KiB at a time as their ends are found. A line
	// that goes on in a later chunk is held only up to lineHold: past it,
	// what is held is written and the line goes on (a 16 MiB line costs
	// no 16 MiB copy), all but a carriage return or a rune's first bytes
	// at its end, which wait for what follows.
	var line, out []byte
	open := false // a line's start is written, its end not yet
	piece := func(b []byte) {
		if !open {
			switch {
			case p.on && dir == session.FromServer:
				out = append(out, colServer...)
			case p.on:
				out = append(out, colClient...)
			}
			out = append(out, dirIndent(dir)...)
			open = true
		}
		out = AppendEscaped(out, b)
		if len(out) >= 64<<10 {
			w.Write(out)
			out = out[:0]
		}
	}
	emit := func(l []byte) {
		piece(lines.TrimCR(l))
		if p.on {
			out = append(out, colReset...)
		}
		out = append(out, '\n')
		open = false
	}
	note := func(text string) { out = append(append(out, p.paint(colWarn, text)...), '\n') }
	feed := func(data []byte) {
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				line = append(line, data...)
				if len(line) > lineHold {
					n := heldBack(line)
					piece(line[:n])
					line = append(line[:0], line[n:]...)
				}
				return
			}
			if len(line) == 0 {
				emit(data[:i])
			} else {
				line = append(line, data[:i]...)
				emit(line)
				line = line[:0]
			}
			data = data[i+1:]
		}
	}
	flush := func() {
		if len(line) > 0 || open {
			emit(line)
			line = line[:0]
		}
	}
	for c := range raw {
		if c.Gap > 0 {
			flush()
			note(fmt.Sprintf("[%d bytes missing in capture, %s]", c.Gap, c.Dir))
			continue
		}
		if c.Dir != dir {
			flush()
			dir = c.Dir
		}
		for _, pc := range tls.split(c) {
			if pc.rec == nil {
				feed(pc.data)
				continue
			}
			flush()
			note(dirIndent(dir) + tlsRecordLine(*pc.rec))
		}
	}
	flush()
	if m := tls.unshown(); m != "" {
		note(m)
	}
	if dropped > 0 {
		note(fmt.Sprintf(explain.Say("ui.follow.dropped", o.Lang), dropped))
	}
	w.Write(append(out, '\n'))
}
