package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/compare"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/spill"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// JSONVersion is the version of the JSON export format; it changes when a
// field changes meaning or goes away.
const JSONVersion = 3

// Document is the whole JSON export.
type Document struct {
	Version  int                `json:"version"`
	Sessions []*session.Session `json:"sessions"`
	Journeys []journey.Journey  `json:"journeys"`
	DNS      []*dns.Lookup      `json:"dns"`
	Stats    StatsDoc           `json:"stats"`
}

// StatsDoc is the statistics part of the export.
type StatsDoc struct {
	Capture   stats.Capture    `json:"capture"`
	Protocols []stats.Protocol `json:"protocols"`
	// Compare sets POP3 and IMAP side by side; absent when the capture
	// has neither.
	Compare *compare.Report `json:"compare,omitempty"`
}

// JSON writes one indented document.
func JSON(w io.Writer, d Document) error {
	safe := make([]*session.Session, len(d.Sessions))
	for i, s := range d.Sessions {
		safe[i] = utf8Session(s)
	}
	d.Sessions = safe
	safeRest(&d)
	return encode(w, d, "", "  ")
}

// safeRest readies the document's parts besides sessions: empty lists
// rather than null, bytes from the wire as \xNN.
func safeRest(d *Document) {
	if d.Journeys == nil {
		d.Journeys = []journey.Journey{}
	}
	if d.DNS == nil {
		d.DNS = []*dns.Lookup{}
	}
	for i := range d.Journeys {
		jr := &d.Journeys[i]
		jr.MessageID, jr.Subject = session.JSONSafe(jr.MessageID), session.JSONSafe(jr.Subject)
		for k := range jr.Hops {
			h := &jr.Hops[k]
			h.User, h.QueueID, h.Via = session.JSONSafe(h.User), session.JSONSafe(h.QueueID), session.JSONSafe(h.Via)
		}
	}
	for _, l := range d.DNS {
		l.Name = session.JSONSafe(l.Name)
		for k := range l.Answers {
			l.Answers[k].Name, l.Answers[k].Value = session.JSONSafe(l.Answers[k].Name), session.JSONSafe(l.Answers[k].Value)
		}
	}
}

// JSON Lines: each line has the format's version, so that it stands
// alone, and its type: "session", "dns" (a DNS lookup) or "journey".
const (
	LineSession = "session"
	LineDNS     = "dns"
	LineJourney = "journey"
)

// SessionLine is a session's line.
type SessionLine struct {
	Version int    `json:"version"`
	Type    string `json:"type"`
	*session.Session
}

// DNSLine is a DNS lookup's line; the lookup is a member of its own, as
// it has a "type" (the record's) of its own.
type DNSLine struct {
	Version int         `json:"version"`
	Type    string      `json:"type"`
	Lookup  *dns.Lookup `json:"lookup"`
}

// JourneyLine is a journey's line.
type JourneyLine struct {
	Version int             `json:"version"`
	Type    string          `json:"type"`
	Journey journey.Journey `json:"journey"`
}

// JSONLine writes one session as one line (JSON Lines).
func JSONLine(w io.Writer, s *session.Session) error {
	return encodeSession(w, utf8Session(s), func(c *session.Session) any { return SessionLine{JSONVersion, LineSession, c} }, "", "")
}

// DNSLookupLine writes a DNS lookup as one JSON line.
func DNSLookupLine(w io.Writer, l *dns.Lookup) error {
	doc := Document{DNS: []*dns.Lookup{l}}
	safeRest(&doc)
	return encode(w, DNSLine{JSONVersion, LineDNS, doc.DNS[0]}, "", "")
}

// JourneyLines writes each journey as one line.
func JourneyLines(w io.Writer, js []journey.Journey) error {
	doc := Document{Journeys: js}
	safeRest(&doc)
	for _, j := range doc.Journeys {
		if err := encode(w, JourneyLine{JSONVersion, LineJourney, j}, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// DocumentWriter writes the JSON document piece by piece, the same bytes
// JSON writes for the whole Document: sessions as they come, the rest at
// the end, so that no session is kept for the document.
type DocumentWriter struct {
	w        io.Writer
	sessions int
	// rows are the POP3/IMAP comparison's, written as sessions end and
	// kept on disk (spill) for the statistics at the document's end.
	rows *spill.Store
}

// NewDocumentWriter starts a document on w.
func NewDocumentWriter(w io.Writer) *DocumentWriter { return &DocumentWriter{w: w} }

// Session writes one session.
func (d *DocumentWriter) Session(s *session.Session) error {
	head := ",\n"
	if d.sessions == 0 {
		head = fmt.Sprintf("{\n  \"version\": %d,\n  \"sessions\": [\n", JSONVersion)
	}
	d.sessions++
	if _, err := io.WriteString(d.w, head+"    "); err != nil {
		return err
	}
	return encodeSession(trimNewline{d.w}, utf8Session(s), func(c *session.Session) any { return c }, "    ", "  ")
}

// encodeSession writes wrap(s) as encode does. A long session's exchanges
// and messages, or messages with their bodies, are written an item at a
// time: a session of a hundred thousand messages (a FETCH of one-byte
// literals) is never whole in memory as JSON, twice over with its
// indentation. A short one is encoded whole, which is quicker.
func encodeSession(w io.Writer, s *session.Session, wrap func(*session.Session) any, prefix, indent string) error {
	long := len(s.Exchanges)+len(s.Messages) > 64
	for i := 0; i < len(s.Messages) && !long; i++ {
		long = s.Messages[i].HasBody()
	}
	if !long {
		return encode(w, wrap(s), prefix, indent)
	}
	return encodeSessionInPieces(w, s, wrap, prefix, indent)
}

// encodeSessionInPieces is encodeSession an item at a time.
func encodeSessionInPieces(w io.Writer, s *session.Session, wrap func(*session.Session) any, prefix, indent string) error {
	c := *s
	// The members written an item at a time, in the order they stand.
	type list struct {
		key   string
		write func() error
	}
	var lists []list
	if c.Exchanges != nil {
		lists = append(lists, list{"exchanges", func() error { return encodeList(w, s.Exchanges, prefix+indent, indent) }})
		c.Exchanges = nil
	}
	if c.Messages != nil {
		lists = append(lists, list{"messages", func() error { return encodeList(w, s.Messages, prefix+indent, indent) }})
		c.Messages = nil
	}
	var head bytes.Buffer
	if err := encode(&head, wrap(&c), prefix, indent); err != nil {
		return err
	}
	rest := head.Bytes()
	for _, l := range lists {
		// The session's own member, null for now: members nested deeper
		// are indented further, and a string holds no bare quote.
		marker := []byte(`,"` + l.key + `":null`)
		if indent != "" {
			marker = []byte("\n" + prefix + indent + `"` + l.key + `": null`)
		}
		at := bytes.Index(rest, marker)
		if at < 0 {
			return fmt.Errorf("json: no %s member to write", l.key)
		}
		at += len(marker) - len("null")
		if _, err := w.Write(rest[:at]); err != nil {
			return err
		}
		if err := l.write(); err != nil {
			return err
		}
		rest = rest[at+len("null"):]
	}
	_, err := w.Write(rest)
	return err
}

// CompareRow adds a session's row to the POP3/IMAP comparison, which
// Finish writes (st.Compare then has no rows of its own).
func (d *DocumentWriter) CompareRow(r compare.Session) error {
	if d.rows == nil {
		d.rows = spill.New("")
	}
	var b bytes.Buffer
	if d.rows.Size() > 0 {
		b.WriteString(",\n" + rowPrefix)
	}
	if err := encode(trimNewline{&b}, r, rowPrefix, "  "); err != nil {
		return err
	}
	d.rows.Put(b.Bytes())
	return nil
}

// rowPrefix is where a comparison row sits: document, stats, compare,
// sessions.
const rowPrefix = "        "

// Finish writes the rest of the document, a journey and a lookup at a
// time, so that it is never whole in memory either.
func (d *DocumentWriter) Finish(journeys []journey.Journey, lookups []*dns.Lookup, st StatsDoc) error {
	doc := Document{Journeys: journeys, DNS: lookups}
	safeRest(&doc)
	head := "\n  ],\n"
	if d.sessions == 0 {
		head = fmt.Sprintf("{\n  \"version\": %d,\n  \"sessions\": [],\n", JSONVersion)
	}
	if _, err := io.WriteString(d.w, head+`  "journeys": `); err != nil {
		return err
	}
	if err := encodeList(d.w, doc.Journeys, "  ", "  "); err != nil {
		return err
	}
	io.WriteString(d.w, ",\n  \"dns\": ")
	if err := encodeList(d.w, doc.DNS, "  ", "  "); err != nil {
		return err
	}
	io.WriteString(d.w, ",\n  \"stats\": ")
	if err := d.stats(st); err != nil {
		return err
	}
	_, err := io.WriteString(d.w, "\n}\n")
	return err
}

// stats writes st as encode would, with the comparison's rows from where
// CompareRow put them.
func (d *DocumentWriter) stats(st StatsDoc) error {
	if d.rows == nil || st.Compare == nil {
		return encode(trimNewline{d.w}, st, "  ", "  ")
	}
	defer d.rows.Close()
	c := *st.Compare
	return writeObject(d.w, "  ", []member{
		{name: "capture", value: st.Capture},
		{name: "protocols", value: st.Protocols},
		{name: "compare", object: []member{
			{name: "sessions", write: d.writeRows},
			{name: "protocols", value: c.Protocols},
			{name: "notes", value: c.Notes},
		}},
	})
}

// writeRows writes the comparison's rows as encode writes a list of them.
func (d *DocumentWriter) writeRows(w io.Writer, prefix string) error {
	if _, err := io.WriteString(w, "[\n"+rowPrefix); err != nil {
		return err
	}
	if _, err := d.rows.WriteTo(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n"+prefix+"]")
	return err
}

// member is one of an object's members for writeObject: a value to
// encode, an object of members, or what writes itself.
type member struct {
	name   string
	value  any
	object []member
	write  func(w io.Writer, prefix string) error
}

// writeObject writes members as encode writes an object whose lines
// begin with prefix, member by member.
func writeObject(w io.Writer, prefix string, members []member) error {
	inner := prefix + "  "
	sep := "{\n"
	for _, m := range members {
		if _, err := fmt.Fprintf(w, "%s%s%q: ", sep, inner, m.name); err != nil {
			return err
		}
		var err error
		switch {
		case m.write != nil:
			err = m.write(w, inner)
		case m.object != nil:
			err = writeObject(w, inner, m.object)
		default:
			err = encode(trimNewline{w}, m.value, inner, "  ")
		}
		if err != nil {
			return err
		}
		sep = ",\n"
	}
	_, err := io.WriteString(w, "\n"+prefix+"}")
	return err
}

// encodeList writes items as encode writes the whole slice, one item at
// a time.
func encodeList[T any](w io.Writer, items []T, prefix, indent string) error {
	if len(items) == 0 {
		_, err := io.WriteString(w, "[]")
		return err
	}
	if indent == "" {
		return encodeCompactList(w, items)
	}
	inner := prefix + indent
	sep := "[\n" + inner
	for i := range items {
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if err := encode(trimNewline{w}, items[i], inner, indent); err != nil {
			return err
		}
		sep = ",\n" + inner
	}
	_, err := io.WriteString(w, "\n"+prefix+"]")
	return err
}

// trimNewline drops the newline an Encoder ends its output with.
type trimNewline struct{ w io.Writer }

func (t trimNewline) Write(p []byte) (int, error) {
	n := len(p)
	_, err := t.w.Write(bytes.TrimSuffix(p, []byte{'\n'}))
	return n, err
}

// nel is U+0085 NEXT LINE in UTF-8: a line boundary to Unicode-aware
// splitters, which encoding/json leaves raw (it escapes U+2028 and U+2029
// itself).
var nel = []byte("\u0085")

// encode writes v as JSON, with U+0085 escaped too, so that a consumer
// that splits on Unicode line boundaries still sees one session per line.
// encodeCompactList is encodeList on one line.
func encodeCompactList[T any](w io.Writer, items []T) error {
	sep := "["
	for i := range items {
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if err := encode(trimNewline{w}, items[i], "", ""); err != nil {
			return err
		}
		sep = ","
	}
	_, err := io.WriteString(w, "]")
	return err
}

func encode(w io.Writer, v any, prefix, indent string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<message 45 bytes>", not "\u003cmessage..."
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := buf.Bytes()
	if prefix != "" || indent != "" {
		// As the Encoder's SetIndent, in a third of the time.
		compact := out[:len(out)-1] // its newline
		out = append(indentJSON(make([]byte, 0, 2*len(out)), compact, prefix, indent), '\n')
	}
	if bytes.Contains(out, nel) {
		// Outside strings JSON is ASCII: every U+0085 is inside one.
		out = bytes.ReplaceAll(out, nel, []byte(`\u0085`))
	}
	_, err := w.Write(out)
	return err
}

// utf8Session returns s, or a copy of it whose strings from the wire that
// are not UTF-8 have each bad byte written as \xNN (session.JSONSafe).
func utf8Session(s *session.Session) *session.Session {
	if sessionIsUTF8(s) {
		return s
	}
	safe, all := session.JSONSafe, session.JSONSafeAll
	c := *s
	c.Capabilities = all(s.Capabilities)
	c.Exchanges = make([]*session.Exchange, len(s.Exchanges))
	for i, e := range s.Exchanges {
		e2 := *e
		if e.Command != nil {
			cmd := *e.Command
			cmd.Tag, cmd.Verb, cmd.Args, cmd.Line, cmd.Decoded = safe(cmd.Tag), safe(cmd.Verb), safe(cmd.Args), safe(cmd.Line), safe(cmd.Decoded)
			e2.Command = &cmd
		}
		if e.Response != nil {
			r := *e.Response
			r.Status, r.Lines = safe(r.Status), all(r.Lines)
			e2.Response = &r
		}
		c.Exchanges[i] = &e2
	}
	c.Auth = make([]*session.Auth, len(s.Auth))
	for i, a := range s.Auth {
		a2 := *a
		a2.Mechanism, a2.Username, a2.Password = safe(a.Mechanism), safe(a.Username), safe(a.Password)
		c.Auth[i] = &a2
	}
	c.Messages = make([]*session.Message, len(s.Messages))
	for i, m := range s.Messages {
		m2 := *m
		m2.MailFrom, m2.From, m2.To, m2.Cc = safe(m.MailFrom), safe(m.From), safe(m.To), safe(m.Cc)
		m2.Subject, m2.Date, m2.MessageID = safe(m.Subject), safe(m.Date), safe(m.MessageID)
		m2.RcptTo = all(m.RcptTo)
		if m.MailParams != nil {
			m2.MailParams = map[string]string{}
			for k, v := range m.MailParams {
				m2.MailParams[safe(k)] = safe(v)
			}
		}
		m2.Item = safe(m.Item)
		c.Messages[i] = &m2
	}
	c.Anomalies = make([]session.Anomaly, len(s.Anomalies))
	for i, a := range s.Anomalies {
		a.Text = safe(a.Text)
		c.Anomalies[i] = a
	}
	return &c
}

// sessionIsUTF8 is the common case, checked without copying.
func sessionIsUTF8(s *session.Session) bool {
	ok := func(ss ...string) bool {
		for _, x := range ss {
			if !utf8.ValidString(x) {
				return false
			}
		}
		return true
	}
	for _, e := range s.Exchanges {
		if c := e.Command; c != nil && !ok(c.Tag, c.Verb, c.Args, c.Line, c.Decoded) {
			return false
		}
		if r := e.Response; r != nil && (!ok(r.Status) || !ok(r.Lines...)) {
			return false
		}
	}
	for _, a := range s.Auth {
		if !ok(a.Mechanism, a.Username, a.Password) {
			return false
		}
	}
	for _, m := range s.Messages {
		if !ok(m.MailFrom, m.From, m.To, m.Cc, m.Subject, m.Date, m.MessageID, m.Item) || !ok(m.RcptTo...) {
			return false
		}
		for k, v := range m.MailParams {
			if !ok(k, v) {
				return false
			}
		}
	}
	for _, a := range s.Anomalies {
		if !ok(a.Text) {
			return false
		}
	}
	return ok(s.Capabilities...)
}
