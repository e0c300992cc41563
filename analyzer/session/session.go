// Package session is mailtrace's model of a mail conversation: the
// sessions, their command/reply exchanges, authentications, messages, gaps
// and anomalies. Parsers fill it; renderers read it. Its JSON form is the
// documented export format (see README, "JSON format").
package session

import (
	"strings"
	"time"
)

// Protocol names the protocol a session speaks, as the protocol table
// (analyzer/proto) registers it: "smtp", "pop3", "imap".
type Protocol string

// Dir is the direction of bytes within a session.
type Dir uint8

const (
	FromClient Dir = iota
	FromServer
)

func (d Dir) String() string {
	if d == FromServer {
		return "server->client"
	}
	return "client->server"
}

// TLS modes of a session.
const (
	TLSNone     = "none"
	TLSStart    = "starttls" // upgraded in band (STARTTLS, STLS)
	TLSImplicit = "implicit" // TLS from the first byte (465, 993, 995)
)

// Command kinds.
const (
	KindCommand      = "command"
	KindContinuation = "continuation" // client data answering a continuation request
	KindMessage      = "message"      // a message body (SMTP DATA, IMAP literal)
)

// Session is one TCP connection carrying a mail protocol.
type Session struct {
	ID       int      `json:"id"`
	Protocol Protocol `json:"protocol"`
	Client   string   `json:"client"`
	Server   string   `json:"server"`
	// CommunityID is the connection's Community ID (community-id-spec v1,
	// seed 0), the key Zeek, Suricata and Arkime log the same flow under.
	CommunityID string    `json:"community_id,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	BytesClient int64     `json:"bytes_client"`
	BytesServer int64     `json:"bytes_server"`
	State       string    `json:"state"` // closed, reset, open
	TLS         string    `json:"tls"`
	Midstream   bool      `json:"midstream,omitempty"`
	Compressed  bool      `json:"compressed,omitempty"` // IMAP COMPRESS: the rest was not parsed
	// Encrypted says what crossed once TLS began, unreadable; nil for a
	// session in clear.
	Encrypted *Encrypted `json:"encrypted,omitempty"`
	// MXLookup is the DNS MX lookup whose answer led to this connection,
	// when the capture holds it (analyzer/dns).
	MXLookup *MXLookup `json:"mx_lookup,omitempty"`
	// Tunnel says how the session reached its server through a proxy,
	// e.g. "socks5 to mx.example:25"; Server is then the proxy.
	Tunnel   string `json:"tunnel,omitempty"`
	Detected string `json:"detected_by"` // port or content
	// Capabilities the server announced (SMTP EHLO, POP3 CAPA, IMAP
	// CAPABILITY), the latest list seen.
	Capabilities []string `json:"capabilities,omitempty"`
	// TLSOffered is set once any capability list offered STARTTLS or STLS.
	TLSOffered bool `json:"tls_offered,omitempty"`
	// Notes say what the capture lacks, once per session (a direction
	// not captured), where anomalies would say it once per reply.
	Notes     []string    `json:"notes,omitempty"`
	NoteKeys  []string    `json:"-"` // each note's catalog key, "" for none
	Gaps      []Gap       `json:"gaps"`
	Exchanges []*Exchange `json:"exchanges"`
	Auth      []*Auth     `json:"auth"`
	Messages  []*Message  `json:"messages"`
	Anomalies []Anomaly   `json:"anomalies"`
	Findings  []Finding   `json:"findings,omitempty"`
	// ExchangesDropped and AnomaliesDropped count what was past Limits:
	// still parsed and paired, told to sinks, but not kept.
	ExchangesDropped int `json:"exchanges_dropped,omitempty"`
	AnomaliesDropped int `json:"anomalies_dropped,omitempty"`
	MessagesDropped  int `json:"messages_dropped,omitempty"`
	// AuthDropped counts the authentications past MaxAuth: followed to
	// their outcome and counted (AuthOutcomes), not kept.
	AuthDropped int `json:"auth_dropped,omitempty"`
	// GapsDropped and GapBytesDropped count the gaps past MaxGaps and
	// the bytes they lost: counted, not listed.
	GapsDropped     int   `json:"gaps_dropped,omitempty"`
	GapBytesDropped int64 `json:"gap_bytes_dropped,omitempty"`
	// Limits bound what the session keeps; zero keeps everything.
	Limits Limits `json:"-"`

	lineText    int  // bytes of command and reply lines kept (Keep)
	lineTextCut bool // MaxLineText was reached, and said
	// The whole messages among those dropped, and their bytes
	// (WholeMessages): the statistics count every message.
	droppedWhole      int
	droppedWholeBytes int64
	past              Past
	// The outcomes of the authentications past MaxAuth.
	droppedAuthOK, droppedAuthFailed int
	droppedAuthFailedAt              time.Time
}

// Gap is a run of bytes the capture lost.
type Gap struct {
	Dir   string    `json:"direction"`
	Bytes int       `json:"bytes"`
	Time  time.Time `json:"time"`
}

// Anomaly is input that broke the protocol's rules; parsing went on.
type Anomaly struct {
	Time time.Time `json:"time"`
	Dir  string    `json:"direction"`
	Text string    `json:"text"` // in English
	// Key names the text in the catalogs and Args are its arguments.
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// Exchange pairs what the client sent with the reply that answered it.
// Command is nil for a reply nothing asked for (a greeting, an unsolicited
// response); Response is nil while the command is unanswered.
type Exchange struct {
	Command   *Command  `json:"command"`
	Response  *Response `json:"response"`
	LatencyMS *float64  `json:"latency_ms"`
	past      bool      // past Limits.Exchanges: counted (Past), not kept
	loose     bool      // held by no parser (Loose)
	latency   float64   // what LatencyMS points to: no allocation of its own
}

// Command is one client command, or client data within one.
type Command struct {
	Kind string `json:"kind"`
	Tag  string `json:"tag,omitempty"`
	Verb string `json:"verb,omitempty"`
	Args string `json:"args"`
	// Line is the command line as sent, in the case it was typed in,
	// where it was one line (SMTP, POP3).
	Line string `json:"line,omitempty"`
	// Time is when the command's line ended: the server acts on a whole
	// line, so its latency runs from there.
	Time time.Time `json:"time"`
	// TypedMS is how long the line took to arrive, from its first byte
	// to its end, where it came in more than one segment: a line typed by
	// hand over telnet, one key per segment.
	TypedMS float64 `json:"typed_ms,omitempty"`
	// Decoded is a readable form of encoded client data (SASL).
	Decoded string `json:"decoded,omitempty"`
	// Path is the address of an SMTP MAIL or RCPT command, as parsed
	// (RFC 5321 §4.1.2).
	Path string `json:"path,omitempty"`
	// Recipient is, in LMTP, the recipient the reply to the data is for
	// (RFC 2033 §4.2); Again marks the exchanges that carry the replies
	// for the recipients after the first: nothing more was sent.
	Recipient string `json:"recipient,omitempty"`
	Again     bool   `json:"again,omitempty"`
	// Secret says Args, Line and Decoded may carry a credential (a
	// password, a token, a digest, SASL data that could hold one): stores
	// mask them unless told to keep them. Masked output (--redact) has
	// masked them already. (Beside Again: a command and its exchange fit
	// in 224 bytes, not 240.)
	Secret bool `json:"-"`
	// Size is the byte count of a message body or literal data.
	Size int64 `json:"size,omitempty"`
	// Message indexes Session.Messages when the command carried one.
	Message *int `json:"message,omitempty"`
}

// Response is a complete reply: every line of it, in order.
type Response struct {
	Status string `json:"status"`
	// Enhanced is the SMTP enhanced status code (RFC 3463), e.g. "2.1.0".
	Enhanced string    `json:"enhanced,omitempty"`
	Lines    []string  `json:"lines"`
	Time     time.Time `json:"time"`
	// LineTimes holds when each line arrived, where some line came at
	// another time than Time (IMAP untagged data sent while a command
	// ran: the EXISTS that IDLE announces); nil otherwise.
	LineTimes []time.Time `json:"line_times,omitempty"`
	// Decoded is a readable form of a SASL challenge the reply carried
	// ("334 VXNlcm5hbWU6" asks for "Username:").
	Decoded string `json:"decoded,omitempty"`
	// Message indexes Session.Messages when the reply carried one: the
	// first, where it carried several (IMAP FETCH of many messages).
	Message *int `json:"message,omitempty"`
	// Messages indexes every message the reply carried, in order, and
	// MessageLines the line of Lines that carried each.
	Messages     []int `json:"-"`
	MessageLines []int `json:"-"`
	// LinesDropped counts the lines past MaxReplyLines, not kept.
	LinesDropped int `json:"lines_dropped,omitempty"`
	// BodySize counts body bytes (POP3 RETR/TOP, IMAP FETCH literals).
	BodySize int64 `json:"body_size,omitempty"`
	// BodyInLines is true where Lines mark the body's place themselves
	// (an IMAP literal shown as "<message N bytes>"); otherwise the body
	// follows the lines (POP3).
	BodyInLines bool `json:"-"`
}

// Auth is one authentication attempt.
type Auth struct {
	Mechanism string    `json:"mechanism"`
	Username  string    `json:"username"`
	Password  string    `json:"password,omitempty"`
	Success   *bool     `json:"success"`
	Time      time.Time `json:"time"`
	outcome   bool      // what Success points to once known (End)
}

// End records the attempt's outcome: no allocation of its own (a flood
// of failed logins made one a login).
func (a *Auth) End(ok bool) {
	a.outcome = ok
	a.Success = &a.outcome
}

// Message is one mail message seen in the session: its summary, and its
// bytes as far as they were kept (see analyzer/message for the bounds).
type Message struct {
	Via  string    `json:"via"` // DATA, BDAT, RETR, TOP, FETCH, APPEND
	Time time.Time `json:"time"`
	// Item is the FETCH data item that carried it, as the server named
	// it: "BODY[]", "BODY[HEADER.FIELDS (FROM SUBJECT)]", "RFC822.TEXT".
	Item string `json:"item,omitempty"`
	// Seq is its number in the mailbox (IMAP sequence number, POP3
	// message number); UID its IMAP unique identifier, when given.
	Seq int    `json:"seq,omitempty"`
	UID uint32 `json:"uid,omitempty"`
	// Content says what of the message was carried, when not all of it.
	Content string `json:"content,omitempty"`
	// Range is where a partial fetch began and how much it carried
	// (IMAP BODY[]<origin.length>, RFC 9051 §6.4.5).
	Range    *Range `json:"range,omitempty"`
	Size     int64  `json:"size"`
	MailFrom string `json:"mail_from,omitempty"`
	// MailParams are MAIL FROM's parameters (RFC 5321 §4.1.2): SIZE,
	// BODY, SMTPUTF8, AUTH, ...; a parameter without a value maps to "".
	MailParams map[string]string `json:"mail_params,omitempty"`
	RcptTo     []string          `json:"rcpt_to,omitempty"`
	// RcptToMore counts the recipients accepted past the first 10 000
	// (MaxRecipients), which RcptTo does not list.
	RcptToMore int    `json:"rcpt_to_more,omitempty"`
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	Cc         string `json:"cc,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Date       string `json:"date,omitempty"`
	MessageID  string `json:"message_id,omitempty"`
	Accepted   *bool  `json:"accepted,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
	// Bounded says mailtrace kept less of it than it had: its header past
	// --max-header (the summary may lack fields) or its body past
	// --max-body (--full shows the first bytes). A choice, not a loss:
	// Truncated alone says what the capture lost.
	Bounded bool `json:"bounded,omitempty"`
	// QueueID is the id the SMTP server gave the message it accepted
	// ("250 2.0.0 Ok: queued as 0AA8BBA1BD"); ReceivedIDs are the ids its
	// Received: header fields name ("with ESMTP id 0AA8BBA1BD"), which
	// tie a copy read later to the submission.
	QueueID string `json:"queue_id,omitempty"`
	// QueuedBy is the host that gave QueueID, as its greeting names it.
	QueuedBy    string   `json:"-"`
	ReceivedIDs []string `json:"received_ids,omitempty"`
	// ReceivedBy is the host that gave each of ReceivedIDs (the "by" of
	// its Received field; "" where it names none): a queue id is only
	// that host's.
	ReceivedBy []string `json:"-"`
	// Received counts its Received fields: a server handled it before.
	Received int `json:"-"`
	// Flags note what the message's bytes did that servers read
	// differently (SMTP smuggling): "bare-lf", "bare-cr", "nul",
	// "lone-dot-bare-lf" (a "." beside a bare LF, which some servers take
	// for the end of the data, read as text: the server's replies said so
	// or could not tell), "dot-taken" (the server's reply said it took
	// that "." as the end), "smuggled" (the message came after such a
	// "." in the same client data: hidden from a strict reader),
	// "mime-repaired" (a part's header held a line that is no field,
	// where mail programs end it and read on), "mime-bounds" (a header
	// past its bounds, of bytes or fields: the rest was read as body).
	Flags []string `json:"flags,omitempty"`
	// Final says the message was handed to the store of the mailboxes it
	// is read from (LMTP, RFC 2033): its last hop before it is read.
	Final bool `json:"final,omitempty"`
	// Parts lists its MIME leaf parts (RFC 2045), as decoded; PartsMore
	// counts those past the bound.
	Parts     []Part `json:"parts,omitempty"`
	PartsMore int    `json:"parts_more,omitempty"`
	// Body holds the message's bytes, header included, kept only when
	// full output was asked for and up to its bound; KeptBody reads them
	// wherever they are.
	Body       []byte    `json:"-"`
	spilled    BodyStore // where Body went (SpillBody)
	spilledAt  int64
	spilledLen int
}

// Encrypted is what crossed after an upgrade to TLS (STARTTLS, STLS)
// was accepted, or all of an implicit-TLS session: sizes and record
// headers, the only things a capture without the keys shows.
type Encrypted struct {
	Since time.Time `json:"since"`
	// ClientFrom and ServerFrom are the offsets, in each direction's
	// bytes, where TLS began.
	ClientFrom  int64 `json:"client_from"`
	ServerFrom  int64 `json:"server_from"`
	BytesClient int64 `json:"bytes_client"`
	BytesServer int64 `json:"bytes_server"`
	// Records are the first records' headers, in the order they were
	// read; RecordsMore counts those read past the bound.
	Records     []TLSRecord `json:"records"`
	RecordsMore int         `json:"records_more,omitempty"`
	// What the handshake showed, when a key log was given to read it.
	Version string `json:"version,omitempty"` // agreed: "TLS 1.3"
	Cipher  string `json:"cipher,omitempty"`  // IANA name of the suite
	SNI     string `json:"sni,omitempty"`     // the server name the client asked for
	// Decrypted says the records were read with a key log's secrets, and
	// what follows is parsed as in clear; NotDecrypted says why not, or
	// why decryption stopped: no-key, auth-failed, unsupported-suite,
	// unsupported-version, no-handshake, renegotiation, held-too-long.
	Decrypted    bool   `json:"decrypted,omitempty"`
	NotDecrypted string `json:"not_decrypted,omitempty"`
}

// InClear reports whether what happened at t crossed the wire in clear,
// before TLS began. What a key log decrypted did not: only someone
// holding the keys can read it.
func (s *Session) InClear(t time.Time) bool {
	switch s.TLS {
	case TLSImplicit:
		return false
	case TLSStart:
		return s.Encrypted == nil || t.Before(s.Encrypted.Since)
	}
	return true
}

// MaxTLSRecords bounds the record headers a session keeps.
const MaxTLSRecords = 64

// TLSRecord is the header of one TLS record that crossed (RFC 8446 §5.1).
type TLSRecord struct {
	Time time.Time `json:"time"`
	Dir  string    `json:"direction"`
	// Offset is where the record starts in its direction's TLS bytes.
	Offset    int64  `json:"offset"`
	Type      string `json:"type"`                // handshake, application_data, alert, change_cipher_spec, heartbeat
	Handshake string `json:"handshake,omitempty"` // ClientHello, ServerHello, ...
	// Version is the record layer's; TLS 1.3 writes "TLS 1.2" there
	// (RFC 8446 §5.1), so it is not the version agreed.
	Version string `json:"record_version"`
	Length  int    `json:"length"`
}

// MXLookup says which MX answer a connection followed (RFC 5321 §5.1).
type MXLookup struct {
	Time       time.Time `json:"time"`
	Domain     string    `json:"domain"`   // the name looked up
	Exchange   string    `json:"exchange"` // the MX host answered
	Preference uint16    `json:"preference"`
	Address    string    `json:"address"` // the exchange's address, the server connected to
	Client     string    `json:"client"`  // who asked
	Server     string    `json:"server"`  // the resolver that answered
}

// Finding is a judgment on a session: something a reader of the capture
// should know, with a stable kind (see analyzer/findings).
type Finding struct {
	Kind     string    `json:"kind"`
	Severity string    `json:"severity"` // high, medium, low
	Time     time.Time `json:"time"`
	Text     string    `json:"text"` // in English
	// Key names the text in the catalogs (analyzer/explain) and Args are
	// its arguments, for the views to say it in another language.
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// Part is one leaf of a message's MIME structure.
type Part struct {
	ContentType string `json:"content_type"`
	Disposition string `json:"disposition,omitempty"` // inline, attachment
	Filename    string `json:"filename,omitempty"`
	Size        int64  `json:"size"`   // decoded bytes
	SHA256      string `json:"sha256"` // of the decoded bytes, hex
	// Skipped counts the bytes its base64 held outside the alphabet,
	// ignored as RFC 2045 §6.8 says.
	Skipped int64 `json:"skipped_bytes,omitempty"`
}

// Range is the bytes of a partial fetch: from Origin, Length of them.
type Range struct {
	Origin int64 `json:"origin"`
	Length int64 `json:"length"`
}

// Contents of a Message that is not the whole message.
const (
	ContentHeader  = "header"  // the header, or some of its fields
	ContentText    = "text"    // the body without the header
	ContentPart    = "part"    // one MIME part
	ContentPartial = "partial" // the header and the first lines (POP3 TOP n m), or a range (IMAP <origin.length>)
)

// Whole reports whether the message was carried whole.
func (m *Message) Whole() bool { return m.Content == "" }

// LineTime is when line i of the reply arrived.
func (r *Response) LineTime(i int) time.Time {
	if i < len(r.LineTimes) {
		return r.LineTimes[i]
	}
	return r.Time
}

// Message states.
const (
	MessageComplete   = "complete"
	MessageIncomplete = "incomplete" // cut by a gap, a bound or the end of the capture
	MessageRefused    = "refused"    // the server did not accept it
)

// State says whether the message arrived whole and was accepted.
func (m *Message) State() string {
	switch {
	case m.Accepted != nil && !*m.Accepted:
		return MessageRefused
	case m.Truncated:
		return MessageIncomplete
	}
	return MessageComplete
}

// BodyStore holds kept bodies out of memory (analyzer/spill) until the
// views write them, and takes the room of each back once it is written:
// the file holds the bodies of the sessions not written yet, not every
// body of the run.
type BodyStore interface {
	PutFreeable(b []byte) int64
	GetInto(b []byte, at int64) // fills b from at
	Free(at int64, n int)
}

// SpillBody moves the kept bytes to store: a session that downloads a
// whole mailbox must not hold it in memory until it ends.
func (m *Message) SpillBody(store BodyStore) {
	if len(m.Body) == 0 {
		return
	}
	m.spilled, m.spilledAt, m.spilledLen = store, store.PutFreeable(m.Body), len(m.Body)
	m.Body = nil
}

// ReleaseBody gives the room of a spilled body back to its store, for
// the bodies spilled after it. The last reader of the bodies calls it
// once it has written them (the timeline of --full): the message has no
// body after it.
func (m *Message) ReleaseBody() {
	if m.spilled != nil {
		m.spilled.Free(m.spilledAt, m.spilledLen)
	}
	m.spilled, m.spilledAt, m.spilledLen = nil, 0, 0
}

// KeptBody is the kept bytes, read back from the store when they were
// spilled: a slice of its own, to let go once written.
func (m *Message) KeptBody() []byte {
	body, _ := m.KeptBodyIn(nil)
	return body
}

// KeptBodyIn is KeptBody read back into buf where it was spilled (grown
// when short): a view writing the bodies of a mailbox reads each into
// the one buffer, not into one of its own. It returns the bytes, and buf
// to use again.
func (m *Message) KeptBodyIn(buf []byte) (body, again []byte) {
	if m.spilled == nil {
		return m.Body, buf
	}
	if cap(buf) < m.spilledLen {
		buf = make([]byte, m.spilledLen)
	}
	body = buf[:m.spilledLen]
	m.spilled.GetInto(body, m.spilledAt)
	return body, buf
}

// HasBody reports whether bytes were kept.
func (m *Message) HasBody() bool { return len(m.Body) > 0 || m.spilledLen > 0 }

// BodyLines splits the kept bytes into lines without their line endings.
func (m *Message) BodyLines() []string {
	text := strings.TrimSuffix(string(m.KeptBody()), "\r\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// Chunk is a run of bytes as it crossed the wire.
type Chunk struct {
	Dir  Dir
	Time time.Time
	Data []byte // valid only while the chunk is being handed over
	Gap  int    // when non-zero, this many bytes were lost here instead
	// Decrypted marks bytes read out of TLS records with a key log: they
	// follow the records that carried them and take no place in the
	// direction's bytes on the wire.
	Decrypted bool
	// BeforeTLS says no TLS had begun in the session when the parser had
	// read the chunk: TLS begins only after it, so a view can show it as
	// it comes, before the session's records are known.
	BeforeTLS bool
}

// InsertExchange puts e just before the exchange before; e goes last
// when before is not in the session.
func (s *Session) InsertExchange(before, e *Exchange) {
	if !s.keepExchange() {
		return
	}
	for i, x := range s.Exchanges {
		if x == before {
			s.Exchanges = append(s.Exchanges, nil)
			copy(s.Exchanges[i+1:], s.Exchanges[i:])
			s.Exchanges[i] = e
			return
		}
	}
	s.Exchanges = append(s.Exchanges, e)
}

// Answer pairs e with its complete reply r. The latency runs to r.Time,
// when the reply began.
func (e *Exchange) Answer(r *Response) {
	e.Response = r
	if e.Command != nil {
		e.latency = float64(r.Time.Sub(e.Command.Time)) / float64(time.Millisecond)
		e.LatencyMS = &e.latency
	}
}

// SetCapabilities keeps the server's latest capability list, and notes
// whether it offered an upgrade to TLS.
func (s *Session) SetCapabilities(caps []string) {
	s.Capabilities = caps
	for _, c := range caps {
		if strings.EqualFold(c, "STARTTLS") || strings.EqualFold(c, "STLS") {
			s.TLSOffered = true
		}
	}
}

// Note records what the capture lacks.
func (s *Session) Note(text string) { s.NoteSaid(text, "") }

// NoteSaid adds a note whose text the catalogs (analyzer/explain) hold
// under key, for the views to say it in another language.
func (s *Session) NoteSaid(text, key string) {
	s.Notes = append(s.Notes, text)
	s.NoteKeys = append(s.NoteKeys, key)
}

// Anomaly records malformed input; past Limits.Anomalies it is counted,
// not kept.
func (s *Session) Anomaly(t time.Time, d Dir, text string) { s.AnomalySaid(t, d, text, "", nil) }

// AnomalySaid records an anomaly whose text the catalogs hold under key,
// with args, for the views to say it in another language.
func (s *Session) AnomalySaid(t time.Time, d Dir, text, key string, args []any) {
	if s.AnomaliesFull() {
		s.AnomaliesDropped++
		return
	}
	s.Anomalies = append(s.Anomalies, Anomaly{Time: t, Dir: d.String(), Text: text, Key: key, Args: args})
}

// Ref is a kept message's index as the model points to it: nil for -1,
// a message past the bound.
func Ref(i int) *int {
	if i < 0 {
		return nil
	}
	return &i
}

// Bool returns a pointer to b, for the optional JSON booleans.
func Bool(b bool) *bool { return &b }

// VersionShaped reports whether id looks like a version number (digits
// and three or more parts: Microsoft Exchange writes its build,
// "15.20.7633.17", as the id of every Received field): the same for
// every message, so no queue id.
func VersionShaped(id string) bool {
	parts := strings.Split(id, ".")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
