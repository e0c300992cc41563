// Package message summarizes the mail messages (RFC 5322) carried by SMTP
// DATA/BDAT, POP3 RETR/TOP and IMAP FETCH/APPEND: the headers a reader
// looks for, decoded from RFC 2047 encoded words, and the size.
package message

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strings"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Default bounds of what a Builder keeps.
const (
	DefaultMaxHeader = 64 << 10
	DefaultMaxBody   = 1 << 20
)

// Bounds are what a Builder keeps of a message; its size is always counted
// in full, and every byte still reaches the Builder's subscriber.
type Bounds struct {
	MaxHeader int  // header bytes kept for the summary (0: DefaultMaxHeader)
	MaxBody   int  // bytes kept with KeepBody (0: DefaultMaxBody)
	KeepBody  bool // keep the bytes for full display
	// NoHashes leaves the parts' SHA-256 out, for views that show none.
	NoHashes bool
	// NoParts leaves the MIME structure unread, for views that show
	// neither the parts nor what reading them finds (--follow, the
	// ladder, the journeys, the comparison).
	NoParts bool
	// CountOnly only counts the bytes and passes them on: a message past
	// the session's bound on messages kept, which no view will show.
	CountOnly bool
	// Buffers are where the MIME reader takes its chunks from and gives
	// them back (nil: its own).
	Buffers *parts.Buffers
	// Spare, with KeepBody, hands the buffer the body is kept in, the
	// buffer of a body spilled before (SpillBody), and takes it back when
	// this one is spilled (nil: a buffer of its own).
	Spare *Spare
}

// Builder is the bounded writer a message's bytes stream through as they
// arrive: it counts them, keeps what its bounds allow, and passes every
// byte on to the subscriber it was given, if any (a sink that saves
// messages), so nothing needs to hold a whole message.
type Builder struct {
	m         *session.Message
	tee       io.Writer
	mime      *parts.Reader // the MIME structure, read as the bytes pass
	hdr       []byte
	inBody    bool
	lineLen   int // bytes of the current header line so far
	size      int64
	keepBody  bool
	body      []byte
	maxHeader int
	maxBody   int
	noHashes  bool
	noParts   bool
	countOnly bool
	buffers   *parts.Buffers
	spare     *Spare
	truncated bool   // the capture lost some of it
	bounded   bool   // less was kept than it had (a bound's choice)
	joined    []byte // a short line and its ending, passed as one
}

// NewBuilder starts a message with the default bounds; keepBody also keeps
// its bytes for full display.
func NewBuilder(keepBody bool) *Builder {
	return New(&session.Message{}, Bounds{KeepBody: keepBody}, nil)
}

// New starts filling m within bounds b; tee, when not nil, receives every
// byte written.
func New(m *session.Message, b Bounds, tee io.Writer) *Builder {
	var bl Builder
	bl.Reset(m, b, tee)
	return &bl
}

// Reset starts filling m within bounds b anew, as New does, in a Builder
// whose message has ended.
func (bl *Builder) Reset(m *session.Message, b Bounds, tee io.Writer) {
	if b.MaxHeader <= 0 {
		b.MaxHeader = DefaultMaxHeader
	}
	if b.MaxBody <= 0 {
		b.MaxBody = DefaultMaxBody
	}
	*bl = Builder{m: m, tee: tee, keepBody: b.KeepBody && !b.CountOnly, maxHeader: b.MaxHeader, maxBody: b.MaxBody, noHashes: b.NoHashes, noParts: b.NoParts,
		countOnly: b.CountOnly, inBody: b.CountOnly, hdr: bl.hdr[:0], buffers: b.Buffers, spare: b.Spare, joined: bl.joined[:0]}
	if bl.keepBody {
		bl.body = b.Spare.Get()
	}
}

// Message is the message being filled.
func (b *Builder) Message() *session.Message { return b.m }

// Write adds raw message bytes.
func (b *Builder) Write(p []byte) {
	if b.size == 0 && len(p) > 0 && b.m.Whole() && !b.countOnly && !b.noParts {
		b.mime = parts.NewReader(!b.noHashes, b.buffers)
	}
	b.size += int64(len(p))
	b.pass(p)
	if b.inBody {
		return
	}
	for _, c := range p {
		if len(b.hdr) >= b.maxHeader {
			b.inBody = true
			b.bounded = true
			return
		}
		b.hdr = append(b.hdr, c)
		if c != '\n' {
			if c != '\r' {
				b.lineLen++
			}
			continue
		}
		if b.lineLen == 0 {
			b.inBody = true
			return
		}
		b.lineLen = 0
	}
}

// keep adds p to the kept body, up to its bound. The body doubles as it
// grows: append grows a large slice by a quarter, which copies a body of
// a megabyte some four times over, a line at a time.
func (b *Builder) keep(p []byte) {
	if room := b.maxBody - len(b.body); len(p) > room {
		p = p[:max(room, 0)]
		b.bounded = true
	}
	if need := len(b.body) + len(p); need > cap(b.body) {
		body := make([]byte, len(b.body), min(max(2*cap(b.body), need, 4<<10), b.maxBody))
		copy(body, b.body)
		b.body = body
	}
	b.body = append(b.body, p...)
}

// Line adds one body line that arrived without its CRLF (dot-unstuffed).
func (b *Builder) Line(l []byte) { b.line(l, crlf) }

// LineLF adds one body line that ended in a bare LF, as it came.
func (b *Builder) LineLF(l []byte) { b.line(l, crlf[1:]) }

// line adds a body line and its ending: in the body, where most lines
// go, without Write's work twice.
func (b *Builder) line(l, eol []byte) {
	if !b.inBody || b.size == 0 {
		b.Write(l)
		b.Write(eol)
		return
	}
	b.size += int64(len(l) + len(eol))
	if len(l) <= joinBelow {
		// A short line goes on with its ending in one piece: a body of
		// bare-LF lines of a byte or two passed each line twice to
		// every taker.
		b.joined = append(append(b.joined[:0], l...), eol...)
		b.pass(b.joined)
		return
	}
	b.pass(l)
	b.pass(eol)
}

// joinBelow is the longest body line passed with its ending as one
// piece (a copy); longer ones go as they are, in two.
const joinBelow = 128

// pass hands bytes of the message to whoever takes them: the subscriber,
// the MIME walk, the kept body.
func (b *Builder) pass(p []byte) {
	if b.tee != nil {
		b.tee.Write(p) // a subscriber keeps its own errors
	}
	if b.mime != nil {
		b.mime.Write(p)
	}
	if b.keepBody {
		b.keep(p)
	}
}

var crlf = []byte("\r\n")

// Lost counts n bytes the capture lost inside the message.
func (b *Builder) Lost(n int) {
	b.size += int64(n)
	b.truncated = true
}

// Size is the number of bytes written so far.
func (b *Builder) Size() int64 { return b.size }

// Kept is how many bytes of the body are kept so far.
func (b *Builder) Kept() int { return len(b.body) }

// SpillBody moves the body kept so far to store (the message says where)
// and gives its buffer to the bounds' Spare: nothing else holds it. It
// comes last, before Finish: bytes written after it are not kept.
func (b *Builder) SpillBody(store session.BodyStore) {
	b.m.Body = b.body
	b.m.SpillBody(store)
	b.spare.Put(b.body)
	b.body, b.keepBody = nil, false
}

// Finish fills the message from what was collected; cut marks it
// incomplete. It returns the message.
func (b *Builder) Finish(cut bool) *session.Message {
	m := b.m
	m.Size, m.Truncated, m.Bounded = b.size, b.truncated || cut, b.bounded
	if b.mime != nil {
		m.Parts, m.PartsMore = b.mime.Close()
		if b.mime.Repaired() > 0 && !slices.Contains(m.Flags, "mime-repaired") {
			m.Flags = append(m.Flags, "mime-repaired")
		}
		if b.mime.Bounded() > 0 && !slices.Contains(m.Flags, "mime-bounds") {
			m.Flags = append(m.Flags, "mime-bounds")
		}
		b.mime = nil
	}
	if b.keepBody {
		m.Body = b.body
		if cap(b.body) > len(b.body)+len(b.body)/4+64 {
			// Kept until the session is written: at its size, not the
			// 4 KiB a short body was started with, nor the megabytes a
			// long one doubled to, which the next body starts in.
			m.Body = bytes.Clone(b.body)
			b.spare.Put(b.body)
		}
	}
	if b.countOnly || m.Content == session.ContentText || m.Content == session.ContentPart || m.Range != nil && m.Range.Origin > 0 {
		return m // no header to read: none kept (counted), or it starts past it
	}
	h := parseHeader(b.hdr)
	m.From = DecodeAddresses(h.from)
	m.To = DecodeAddresses(h.to)
	m.Cc = DecodeAddresses(h.cc)
	m.Subject = Decode(h.subject)
	m.Date = h.date
	m.MessageID = h.messageID
	m.Received = len(h.received)
	for _, r := range h.received {
		if id, by := receivedID(r); id != "" && !slices.Contains(m.ReceivedIDs, id) {
			m.ReceivedIDs = append(m.ReceivedIDs, id)
			m.ReceivedBy = append(m.ReceivedBy, by)
		}
	}
	return m
}

// receivedID is the id clause of a Received: field (RFC 5321 §4.4:
// "id" SP ( Atom / msg-id )), as MTAs write their queue ids.
func receivedID(field string) (id, by string) {
	f := strings.Fields(field)
	for i := 0; i+1 < len(f); i++ {
		switch {
		case strings.EqualFold(f[i], "by") && by == "":
			by = strings.ToLower(strings.Trim(f[i+1], "<>;()"))
		case strings.EqualFold(f[i], "id") && id == "":
			id = strings.Trim(f[i+1], "<>;")
		}
	}
	if session.VersionShaped(id) {
		id = "" // Exchange's "id 15.20.7633.17" is its build, in every message
	}
	return id, by
}

// header is what a message's summary shows of its header: the first
// value of each field, every Received field, each value as net/mail
// reads it (continuation lines joined by a space, RFC 5322 §2.2.3).
type header struct {
	from, to, cc, subject, date, messageID string
	received                               []string
	seen                                   uint8 // which of the first six were there
}

// parseHeader parses a header block, tolerating one that was cut short
// (without its blank line, or ending in a partial line) and lines that are
// no header field: each costs only itself (RFC 5322 §2.2). Only the
// fields the summary shows are copied: a header of a million others (or a
// FETCH of a hundred thousand one-byte literals) allocates nothing for
// them.
func parseHeader(hdr []byte) header {
	var h header
	var into *string // the field being read, nil when not one the summary shows
	var value []byte
	done := func() {
		if into != nil {
			*into = string(bytes.TrimLeft(value, " \t"))
			into = nil
		}
	}
	field := false // the line before was a field, which may go on
	for len(hdr) > 0 {
		line := hdr
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i+1], hdr[i+1:]
		} else {
			hdr = nil
		}
		text := bytes.TrimRight(line, "\r\n")
		if len(text) == 0 {
			break // the end of the header
		}
		switch {
		case text[0] == ' ' || text[0] == '\t':
			if field && into != nil {
				value = append(append(value, ' '), bytes.Trim(text, " \t")...)
			}
			continue
		case isField(text):
			field = true
		default:
			field = false
			done()
			continue
		}
		done()
		name, v, _ := bytes.Cut(bytes.Trim(text, " \t"), []byte(":"))
		into = h.slot(name)
		value = append(value[:0], v...)
	}
	done()
	return h
}

// slot is where the value of the field called name goes; nil for a field
// the summary does not show, or one whose first value it has.
func (h *header) slot(name []byte) *string {
	for i, f := range []struct {
		name string
		to   *string
	}{{"from", &h.from}, {"to", &h.to}, {"cc", &h.cc}, {"subject", &h.subject}, {"date", &h.date}, {"message-id", &h.messageID}} {
		if len(name) == len(f.name) && bytes.EqualFold(name, []byte(f.name)) {
			if h.seen&(1<<i) != 0 {
				return nil
			}
			h.seen |= 1 << i
			return f.to
		}
	}
	if bytes.EqualFold(name, []byte("received")) {
		h.received = append(h.received, "")
		return &h.received[len(h.received)-1]
	}
	return nil
}

// isField reports a line that starts a header field: a name of printable
// characters but the colon, then a colon (RFC 5322 §2.2).
func isField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

var decoder = &mime.WordDecoder{CharsetReader: charsetReader}

// DecodeAddresses decodes the RFC 2047 words of an address list and keeps
// it one: a display name that holds specials is quoted (RFC 5322 §3.4),
// so "=?utf-8?q?Doe=2C_John?= <a@b>" is "\"Doe, John\" <a@b>", one
// address, not "Doe, John <a@b>", two. A list that does not parse is
// decoded as text.
func DecodeAddresses(s string) string {
	if s == "" || !strings.Contains(s, "=?") {
		return s
	}
	list, err := (&mail.AddressParser{WordDecoder: decoder}).ParseList(s)
	if err != nil {
		return Decode(s)
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		switch {
		case a.Name == "":
			out = append(out, a.Address)
		case strings.ContainsAny(a.Name, `()<>[]:;@\,."`):
			q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.Name)
			out = append(out, `"`+q+`" <`+a.Address+`>`)
		default:
			out = append(out, a.Name+" <"+a.Address+">")
		}
	}
	return strings.Join(out, ", ")
}

// Address is the address of a From: header, as RFC 5322 §3.4 writes it
// ("Pepe <pepe@example.org>" is "pepe@example.org"); a header that does
// not parse gives what is in its last angle brackets, or itself.
func Address(h string) string {
	if h == "" {
		return ""
	}
	if a, err := mail.ParseAddress(h); err == nil {
		return a.Address
	}
	if i, k := strings.LastIndexByte(h, '<'), strings.LastIndexByte(h, '>'); i >= 0 && k > i {
		return h[i+1 : k]
	}
	return strings.TrimSpace(h)
}

// ForgedFrom is the address of m's From: header and whether it is not
// its envelope sender (RFC 5321 §3.3 and RFC 5322 §3.6.2 name two
// senders); false when either is missing.
func ForgedFrom(m *session.Message) (string, bool) {
	from := Address(m.From)
	return from, from != "" && m.MailFrom != "" && !strings.EqualFold(from, m.MailFrom)
}

// Decode decodes RFC 2047 encoded words, leaving the text as it was when
// they are malformed or in an unknown charset.
func Decode(s string) string {
	if s == "" || !strings.Contains(s, "=?") {
		return s
	}
	d, err := decoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}
