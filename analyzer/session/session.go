// Package session is mailtrace's model of a mail conversation: the
// sessions, their command/reply exchanges, authentications, messages, gaps
// and anomalies. Parsers fill it; renderers read it. Its JSON form is the
// documented export format (see README, "JSON format").
package session

import (
	"time"
)

// Protocol is the mail protocol a session speaks.
type Protocol string

const (
	SMTP Protocol = "smtp"
	POP3 Protocol = "pop3"
	IMAP Protocol = "imap"
)

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
	ID          int       `json:"id"`
	Protocol    Protocol  `json:"protocol"`
	Client      string    `json:"client"`
	Server      string    `json:"server"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	BytesClient int64     `json:"bytes_client"`
	BytesServer int64     `json:"bytes_server"`
	State       string    `json:"state"` // closed, reset, open
	TLS         string    `json:"tls"`
	Midstream   bool      `json:"midstream,omitempty"`
	Compressed  bool      `json:"compressed,omitempty"` // IMAP COMPRESS: the rest was not parsed
	// Tunnel says how the session reached its server through a proxy,
	// e.g. "socks5 to mx.example:25"; Server is then the proxy.
	Tunnel   string `json:"tunnel,omitempty"`
	Detected string `json:"detected_by"` // port or content
	// Capabilities the server announced (SMTP EHLO, POP3 CAPA, IMAP
	// CAPABILITY), the latest list seen.
	Capabilities []string   `json:"capabilities,omitempty"`
	Gaps         []Gap      `json:"gaps"`
	Exchanges    []Exchange `json:"exchanges"`
	Auth         []Auth     `json:"auth"`
	Messages     []Message  `json:"messages"`
	Anomalies    []Anomaly  `json:"anomalies"`
	// Raw holds the bytes on the wire in capture order, kept only when a
	// follow view was asked for.
	Raw []Chunk `json:"-"`
	// OnReply, when set, is told of each exchange whose reply is complete,
	// for views that show a session as it happens.
	OnReply func(s *Session, i int) `json:"-"`
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
	Text string    `json:"text"`
}

// Exchange pairs what the client sent with the reply that answered it.
// Command is nil for a reply nothing asked for (a greeting, an unsolicited
// response); Response is nil while the command is unanswered.
type Exchange struct {
	Command   *Command  `json:"command"`
	Response  *Response `json:"response"`
	LatencyMS *float64  `json:"latency_ms"`
}

// Command is one client command, or client data within one.
type Command struct {
	Kind string `json:"kind"`
	Tag  string `json:"tag,omitempty"`
	Verb string `json:"verb,omitempty"`
	Args string `json:"args"`
	// Line is the command line as sent, in the case it was typed in,
	// where it was one line (SMTP, POP3).
	Line string    `json:"line,omitempty"`
	Time time.Time `json:"time"`
	// Decoded is a readable form of encoded client data (SASL).
	Decoded string `json:"decoded,omitempty"`
	// Size is the byte count of a message body or literal data.
	Size int64 `json:"size,omitempty"`
	// Message indexes Session.Messages when the command carried one.
	Message *int `json:"message,omitempty"`
	// Body holds body lines, kept only when full output was asked for.
	Body []string `json:"body,omitempty"`
}

// Response is a complete reply: every line of it, in order.
type Response struct {
	Status string `json:"status"`
	// Enhanced is the SMTP enhanced status code (RFC 3463), e.g. "2.1.0".
	Enhanced string    `json:"enhanced,omitempty"`
	Lines    []string  `json:"lines"`
	Time     time.Time `json:"time"`
	// Message indexes Session.Messages when the reply carried one.
	Message *int `json:"message,omitempty"`
	// Body holds body lines, kept only when full output was asked for.
	Body []string `json:"body,omitempty"`
	// BodySize counts body bytes (POP3 RETR/TOP, IMAP FETCH literals).
	BodySize int64 `json:"body_size,omitempty"`
}

// Auth is one authentication attempt.
type Auth struct {
	Mechanism string    `json:"mechanism"`
	Username  string    `json:"username"`
	Password  string    `json:"password,omitempty"`
	Success   *bool     `json:"success"`
	Time      time.Time `json:"time"`
}

// Message summarizes one mail message seen in the session.
type Message struct {
	Via       string    `json:"via"` // DATA, BDAT, RETR, TOP, FETCH, APPEND
	Time      time.Time `json:"time"`
	Size      int64     `json:"size"`
	MailFrom  string    `json:"mail_from,omitempty"`
	RcptTo    []string  `json:"rcpt_to,omitempty"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Cc        string    `json:"cc,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	Date      string    `json:"date,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Accepted  *bool     `json:"accepted,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
}

// Chunk is a run of bytes as it crossed the wire.
type Chunk struct {
	Dir  Dir
	Time time.Time
	Data []byte
	Gap  int // when non-zero, this many bytes were lost here instead
}

// AddExchange appends an exchange and returns its index.
func (s *Session) AddExchange(e Exchange) int {
	s.Exchanges = append(s.Exchanges, e)
	i := len(s.Exchanges) - 1
	if e.Response != nil && s.OnReply != nil {
		s.OnReply(s, i)
	}
	return i
}

// InsertExchange puts a complete exchange at index at, before the
// exchanges from at on, whose indexes move up by one.
func (s *Session) InsertExchange(at int, e Exchange) {
	s.Exchanges = append(s.Exchanges, Exchange{})
	copy(s.Exchanges[at+1:], s.Exchanges[at:])
	s.Exchanges[at] = e
	if e.Response != nil && s.OnReply != nil {
		s.OnReply(s, at)
	}
}

// Answer pairs exchange i with its complete reply r. The latency runs to
// r.Time, when the reply began.
func (s *Session) Answer(i int, r *Response) {
	e := &s.Exchanges[i]
	e.Response = r
	if e.Command != nil {
		ms := float64(r.Time.Sub(e.Command.Time)) / float64(time.Millisecond)
		e.LatencyMS = &ms
	}
	if s.OnReply != nil {
		s.OnReply(s, i)
	}
}

// Anomalyf records malformed input.
func (s *Session) Anomaly(t time.Time, d Dir, text string) {
	s.Anomalies = append(s.Anomalies, Anomaly{Time: t, Dir: d.String(), Text: text})
}

// AddMessage appends a message summary and returns its index.
func (s *Session) AddMessage(m Message) *int {
	s.Messages = append(s.Messages, m)
	i := len(s.Messages) - 1
	return &i
}

// Bool returns a pointer to b, for the optional JSON booleans.
func Bool(b bool) *bool { return &b }
