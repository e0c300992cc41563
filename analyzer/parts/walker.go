package parts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Bounds on what a header costs (a message's own and each part's): real
// headers are a few kilobytes; a long Received or ARC chain, or a To of
// thousands of recipients, stays well within them. Past either, the
// header ends there and what follows is the body, its bytes counted.
const (
	MaxHeaderBytes  = 256 << 10
	MaxHeaderFields = 10000
)

// MaxDepth bounds the nesting of multiparts followed; a multipart nested
// deeper is one part. Mail programs nest a handful (a forwarded message's
// attachments are three or four deep).
const MaxDepth = 10

// walker reads a message's MIME structure (RFC 2045, RFC 2046) from its
// bytes as they are pushed, in one pass whatever the nesting: every line
// that begins with "-" in a multipart is checked against the delimiters
// of the multiparts open, the rest of a body goes to its part's decoder
// in blocks. Its reading of malformed MIME is that of mail programs
// (Python's email, Thunderbird) and of go-message where it was ours:
//   - a delimiter line is "--" boundary, "--" at the end of the last,
//     then white space, then the line's end (CRLF or a bare LF); the line
//     break before it is the delimiter's (RFC 2046 §5.1.1), not the part's;
//     a delimiter of an outer multipart ends the inner ones;
//   - a part header line that is no field (no colon after a name of
//     printable characters, or white space before the first field) ends
//     that header and is the first of the part's body (repaired); a
//     delimiter line ends a part header too, the part empty;
//   - a message whose own header is no header (its first line is no
//     field) is one text part, bytes and all;
//   - a header past MaxHeaderBytes or MaxHeaderFields ends there, its
//     line the first of the body (bounded); a multipart nested past
//     MaxDepth is one part (bounded).
type walker struct {
	hash     bool // compute each part's SHA-256
	each     func(int, session.Part) io.Writer
	parts    []session.Part
	more     int
	n        int
	repaired int // part headers ended at a line that was no field
	bounded  int // headers ended at their bounds, multiparts too deep

	levels   []level // the multiparts open, outermost first
	inHeader bool    // reading a header: the message's own (no level open, top) or a part's
	top      bool    // the message's own header
	hdr      header  // the header being read
	line     []byte  // a line read whole: a header's, or one that may be a delimiter
	bol      bool    // at the start of a line
	eol      [2]byte // a body's line break, held until what follows is known not to be a delimiter
	neol     int
	leaf     *leaf // where body bytes go; nil: they are skipped (a preamble, an epilogue)
	maxDelim int   // the longest line that may be a delimiter
}

// level is one multipart open.
type level struct{ dash []byte } // "--" boundary

// delimSlack is the white space a delimiter line may carry after its
// boundary and still be read as one.
const delimSlack = 1 << 10

func newWalker(each func(int, session.Part) io.Writer, hash bool) *walker {
	return &walker{each: each, hash: hash, inHeader: true, top: true, bol: true}
}

// header is the header being read: its fields that describe a part,
// collected raw (RFC 5322 §2.2), and what it cost.
type header struct {
	raw    []byte // the message's own header as read, for a message that has none
	fields []byte // the Content-* fields that describe a part, raw
	into   bool   // the field being read is one of them
	size   int
	count  int
	any    bool // a field was read
}

func (h *header) reset() {
	h.raw, h.fields = h.raw[:0], h.fields[:0]
	h.into, h.size, h.count, h.any = false, 0, 0, false
}

// described are the fields a part is described by.
var described = [][]byte{[]byte("content-type"), []byte("content-disposition"), []byte("content-transfer-encoding")}

// Write takes more of the message.
func (w *walker) Write(p []byte) {
	for len(p) > 0 {
		if w.neol == 1 && w.eol[0] == '\r' && !w.bol {
			// A CR held at the end of the last write: the line's end if
			// an LF follows.
			if p[0] == '\n' {
				w.eol[1], w.neol, w.bol = '\n', 2, true
				p = p[1:]
				continue
			}
			w.content(nil)
		}
		if w.inHeader || len(w.line) > 0 || w.bol && len(w.levels) > 0 && p[0] == '-' {
			p = w.readLine(p)
			continue
		}
		if len(w.levels) == 0 {
			w.content(p) // no delimiter to look for
			return
		}
		p = w.block(p)
	}
}

// block hands on body bytes up to the next line that may be a delimiter,
// holding back the line break before it, and returns the rest.
func (w *walker) block(p []byte) []byte {
	n := len(p)
	if i := lineDash(p); i >= 0 {
		n = i + 1
	}
	b := p[:n]
	switch {
	case b[n-1] == '\n':
		k := 1
		if n >= 2 && b[n-2] == '\r' {
			k = 2
		}
		w.content(b[:n-k])
		copy(w.eol[:], b[n-k:])
		w.neol, w.bol = k, true
	case b[n-1] == '\r':
		w.content(b[:n-1])
		w.eol[0], w.neol, w.bol = '\r', 1, false
	default:
		w.content(b)
		w.bol = false
	}
	return p[n:]
}

// lineDash is bytes.Index(p, "\n-"): where a line that begins with a
// dash, maybe a delimiter, is next, less its line break. It looks for the
// dash, which base64 never holds and text seldom does, not for the line
// break, which ends every line. Where dashes come thick, bytes.Index
// takes the rest (as it gives up its own first search, past one miss in
// 16 bytes), so no body picks a slow path.
func lineDash(p []byte) int {
	misses := 0
	for off := 0; off < len(p); {
		i := bytes.IndexByte(p[off:], '-')
		if i < 0 {
			return -1
		}
		i += off
		if i > 0 && p[i-1] == '\n' {
			return i - 1
		}
		off = i + 1
		if misses++; misses > 4+off>>4 {
			if j := bytes.Index(p[off:], []byte("\n-")); j >= 0 {
				return off + j
			}
			return -1
		}
	}
	return -1
}

// content hands body bytes on, after the line break held.
func (w *walker) content(b []byte) {
	if w.neol > 0 {
		e := w.eol[:w.neol]
		w.neol = 0
		if w.leaf != nil {
			w.leaf.write(e)
		}
	}
	if len(b) > 0 {
		if w.leaf != nil {
			w.leaf.write(b)
		}
		w.bol = false
	}
}

// readLine reads into w.line up to a line's end, and takes the line when
// whole; it returns the rest of p.
func (w *walker) readLine(p []byte) []byte {
	i := bytes.IndexByte(p, '\n')
	piece := p
	if i >= 0 {
		piece = p[:i+1]
	}
	limit := w.maxDelim
	if w.inHeader {
		limit = MaxHeaderBytes - w.hdr.size
	}
	if len(w.line)+len(piece) > limit {
		// Too long to be a delimiter, or past the header's bound.
		w.longLine()
		return p
	}
	w.line = append(w.line, piece...)
	if i < 0 {
		return nil
	}
	w.takeLine(false)
	return p[i+1:]
}

// longLine ends a line read whole that is longer than any it may be:
// the header ends before it, or it is content.
func (w *walker) longLine() {
	if w.inHeader {
		w.bounded++
		w.endHeader()
	}
	line := w.line
	w.line = w.line[:0]
	w.content(line)
	w.bol = false // the rest of the line goes as a block
}

// takeLine reads the line in w.line; at the message's end (last) it may
// have no line break.
func (w *walker) takeLine(last bool) {
	line := w.line
	w.line = w.line[:0]
	if j, final, ok := w.delimiter(line, last); ok {
		w.neol = 0 // the line break before a delimiter is the delimiter's
		w.delimit(j, final, last)
		return
	}
	if !w.inHeader {
		w.content(line[:len(line)-eolLen(line)])
		w.holdEOL(line)
		return
	}
	w.headerLine(line, last)
}

// holdEOL holds the line break that ends line, if any.
func (w *walker) holdEOL(line []byte) {
	k := eolLen(line)
	copy(w.eol[:], line[len(line)-k:])
	w.neol, w.bol = k, k > 0
}

func eolLen(line []byte) int {
	switch {
	case len(line) >= 2 && line[len(line)-2] == '\r' && line[len(line)-1] == '\n':
		return 2
	case len(line) >= 1 && line[len(line)-1] == '\n':
		return 1
	}
	return 0
}

// delimiter reports whether line is a delimiter of an open multipart,
// which (the outermost whose it is), and whether it is the last one
// (RFC 2046 §5.1.1).
func (w *walker) delimiter(line []byte, last bool) (int, bool, bool) {
	if len(w.levels) == 0 || len(line) < 2 || line[0] != '-' || line[1] != '-' {
		return 0, false, false
	}
	for j, l := range w.levels {
		if !bytes.HasPrefix(line, l.dash) {
			continue
		}
		rest := line[len(l.dash):]
		final := len(rest) >= 2 && rest[0] == '-' && rest[1] == '-'
		if final {
			rest = rest[2:]
		}
		for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
			rest = rest[1:]
		}
		if string(rest) == "\r\n" || string(rest) == "\n" || len(rest) == 0 && last {
			return j, final, true
		}
	}
	return 0, false, false
}

// delimit ends the part of level j (and the multiparts inside it) at its
// delimiter; the next part's header follows, or after the last one
// (final), the level's epilogue. At the message's end (last) a delimiter
// opens nothing.
func (w *walker) delimit(j int, final, last bool) {
	if w.inHeader {
		w.endHeader() // a part of no body
	}
	w.endLeaf()
	w.levels = w.levels[:j+1]
	if final || last {
		w.levels = w.levels[:j]
		w.bol = true
		return // the epilogue: skipped, as the rest of the part it was in
	}
	w.inHeader, w.top = true, false
	w.hdr.reset()
	w.bol = true
}

// headerLine reads one line of a header (RFC 5322 §2.2).
func (w *walker) headerLine(line []byte, last bool) {
	text := line[:len(line)-eolLen(line)]
	h := &w.hdr
	switch {
	case len(line) == eolLen(line) && !last:
		w.endHeader() // the blank line
		return
	case len(text) == 0:
		return // the message's end
	case text[0] == ' ' || text[0] == '\t':
		if !h.any {
			w.notField(line)
			return
		}
	case isField(text):
		if h.count++; h.count > MaxHeaderFields {
			w.bounded++
			w.endHeader()
			w.content(text)
			w.holdEOL(line)
			return
		}
		h.any = true
		h.into = isDescribed(text)
	default:
		w.notField(line)
		return
	}
	h.size += len(line)
	if w.top {
		h.raw = append(h.raw, line...)
	}
	if h.into {
		h.fields = append(h.fields, text...)
		h.fields = append(h.fields, '\r', '\n')
	}
}

// notField takes a header line that is no field: a part's header ends
// before it, and it is the first line of the body (as mail programs read
// it: Python's email calls it MissingHeaderBodySeparatorDefect); a
// message whose own header has one is no MIME message, but one text part.
func (w *walker) notField(line []byte) {
	if w.top {
		raw := w.hdr.raw
		w.hdr.reset()
		w.inHeader, w.top = false, false
		w.leaf = w.openLeaf(message.Header{})
		w.content(raw)
		w.content(line)
		w.bol = eolLen(line) > 0
		return
	}
	w.repaired++
	w.endHeader()
	w.content(line[:len(line)-eolLen(line)])
	w.holdEOL(line)
}

// isField reports a line that starts a header field: a name of printable
// characters but the colon, perhaps white space, then a colon (RFC 5322
// §2.2, and the white space mail programs let through).
func isField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

func isDescribed(text []byte) bool {
	name, _, _ := bytes.Cut(text, []byte(":"))
	name = bytes.TrimRight(name, " \t")
	for _, d := range described {
		if len(name) == len(d) && bytes.EqualFold(name, d) {
			return true
		}
	}
	return false
}

// endHeader ends the header read: a multipart opens a level, anything
// else is a part.
func (w *walker) endHeader() {
	w.inHeader = false
	w.bol = true
	// Past MaxParts a part is only counted, and its header is read only
	// where it may open a multipart, whose parts are counted in turn: a
	// field that says so names it, whatever its case or folding. A MIME
	// of 450 000 parts parsed each header (go-message's fields and
	// media type) for nothing: half the walker's time, and its garbage
	// (--stats 0.77 -> 0.17 s, 20 MB).
	var h message.Header
	read := w.listing() || containsFold(w.hdr.fields, "multipart")
	if read {
		h = w.parseHeader()
	}
	w.top = false
	w.hdr.reset()
	if read && w.openMultipart(h) {
		w.leaf = nil // the preamble
		return
	}
	w.leaf = w.openLeaf(h)
}

// openMultipart opens the multipart h describes, if it describes one
// within MaxDepth, and says whether it did.
func (w *walker) openMultipart(h message.Header) bool {
	mt, params, _ := h.ContentType()
	if !strings.HasPrefix(strings.ToLower(mt), "multipart/") || params["boundary"] == "" {
		return false
	}
	if len(w.levels) >= MaxDepth {
		w.bounded++ // nested deeper than followed: the rest is one part
		return false
	}
	dash := []byte("--" + params["boundary"])
	w.levels = append(w.levels, level{dash: dash})
	w.maxDelim = max(w.maxDelim, len(dash)+2+delimSlack)
	return true
}

// listing reports whether the next leaf part is listed, and so read;
// past MaxParts it is only counted, unless each takes the parts.
func (w *walker) listing() bool { return len(w.parts) < MaxParts || w.each != nil }

// containsFold reports whether b holds word, ASCII letters in any case.
func containsFold(b []byte, word string) bool {
	for i := 0; i+len(word) <= len(b); i++ {
		if b[i]|0x20 == word[0] && bytes.EqualFold(b[i:i+len(word)], []byte(word)) {
			return true
		}
	}
	return false
}

// parseHeader reads the fields kept as go-message reads them.
func (w *walker) parseHeader() message.Header {
	var h textproto.Header
	f := w.hdr.fields
	for len(f) > 0 {
		// A field is its line and the continuation lines after it.
		end := 0
		for {
			i := bytes.Index(f[end:], []byte("\r\n"))
			end += i + 2
			if end >= len(f) || f[end] != ' ' && f[end] != '\t' {
				break
			}
		}
		h.AddRaw(f[:end])
		f = f[end:]
	}
	return message.Header{Header: h}
}

// leaf is a part being read: its decoder and where the decoded bytes go.
type leaf struct {
	part   session.Part
	dec    decoder
	sum    hash.Hash
	listed bool
}

func (l *leaf) write(p []byte) { l.dec.write(p) }

// openLeaf starts a part described by h; nil when it is only counted.
func (w *walker) openLeaf(h message.Header) *leaf {
	w.n++
	if !w.listing() {
		// Counted, not listed: nothing shows its type, name, size or
		// sum, so none is read (MIME of 450 000 parts).
		w.more++
		return nil
	}
	l := &leaf{part: describe(h)}
	var dst io.Writer
	if w.hash {
		l.sum = sha256.New()
		dst = l.sum
	}
	if w.each != nil {
		if x := w.each(w.n-1, l.part); x != nil {
			if dst != nil {
				dst = io.MultiWriter(dst, x)
			} else {
				dst = x
			}
		}
	}
	l.dec = newDecoder(h.Get("Content-Transfer-Encoding"), dst)
	return l
}

// endLeaf ends the part being read and lists it.
func (w *walker) endLeaf() {
	l := w.leaf
	w.leaf = nil
	if l == nil {
		return
	}
	l.dec.finish()
	l.part.Size = l.dec.size()
	if l.sum != nil {
		l.part.SHA256 = hex.EncodeToString(l.sum.Sum(nil))
	}
	if b, ok := l.dec.(*b64); ok {
		l.part.Skipped = b.stray
	}
	if len(w.parts) < MaxParts {
		w.parts = append(w.parts, l.part)
	} else {
		w.more++
	}
}

// Close ends the message: a line still read whole is taken, the header
// under way ends, and the part under way.
func (w *walker) Close() {
	if len(w.line) > 0 {
		w.takeLine(true)
	}
	if w.inHeader {
		w.endHeader()
	}
	if len(w.levels) == 0 {
		w.content(nil) // a line break held where no delimiter can follow
	}
	w.neol = 0 // a part's last line break is its delimiter's, were it there
	w.endLeaf()
	w.levels = w.levels[:0]
}
