package render

import (
	"bytes"
	"fmt"
	"io"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

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
func Follow(w io.Writer, s *session.Session, raw []session.Chunk, dropped int64, o TextOptions) {
	p := painter{o.Color}
	Header(w, s, o)
	dir := session.FromClient
	tls := newTLSCut(s)
	// Lines are put together as their ends are found, and written 64 KiB
	// at a time; only a line that goes on in a later chunk is copied, so
	// a session's bytes cross once.
	var line, out []byte
	emit := func(l []byte) {
		switch {
		case p.on && dir == session.FromServer:
			out = append(out, colServer...)
		case p.on:
			out = append(out, colClient...)
		}
		out = append(out, dirIndent(dir)...)
		out = AppendEscaped(out, bytes.TrimSuffix(l, []byte{'\r'}))
		if p.on {
			out = append(out, colReset...)
		}
		out = append(out, '\n')
		if len(out) >= 64<<10 {
			w.Write(out)
			out = out[:0]
		}
	}
	note := func(text string) { out = append(append(out, p.paint(colWarn, text)...), '\n') }
	feed := func(data []byte) {
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				line = append(line, data...)
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
		if len(line) > 0 {
			emit(line)
			line = line[:0]
		}
	}
	for _, c := range raw {
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
