package proto

import (
	"io"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/tlsdecrypt"
)

// Parser is what every protocol parser offers: each direction's bytes are
// pushed in as reassembly delivers them, lost bytes are reported as gaps,
// and Close ends the session.
type Parser interface {
	Feed(d session.Dir, t time.Time, b []byte)
	Gap(d session.Dir, t time.Time, n int)
	Close(t time.Time)
}

// Decrypter is a parser that may read TLS with a key log: Plain hands
// over, once, the chunks of plaintext it read since the last call, for the
// views that show bytes.
type Decrypter interface {
	Plain() []session.Chunk
}

// Acker is a parser that wants to know, before each Feed, how many bytes
// of the other direction the sender had acknowledged (-1: unknown): what
// the sender had seen when it sent them.
type Acker interface {
	Acked(d session.Dir, n int64)
}

// Env is what a parser is built with.
type Env struct {
	Session *session.Session
	Options Options
	// Events is told of what the parser completes; nil tells no one.
	Events Events
}

// Events are told what a parser completes, as it happens: the views and
// sinks that show or store sessions while they go on. Events that have a
// method ReadsReplyLines() bool saying false are not told of reply lines
// (sink.ReadsReplyLines), and likewise ReadsExchanges of completed
// exchanges and ReadsMessages of messages.
type Events interface {
	// ReplyLine: a line of a reply still open arrived at t (IMAP
	// untagged data: the EXISTS that IDLE announces); the reply will hold
	// it when its exchange completes.
	ReplyLine(s *session.Session, line string, t time.Time)
	// ExchangeCompleted: e's reply is complete (or e is a reply nothing
	// asked for). e is read during the call, not kept: one past the
	// session's bound (not in s.Exchanges) may be reused once it returns.
	ExchangeCompleted(s *session.Session, e *session.Exchange)
	// MessageStarted: m's bytes begin to arrive; every byte goes to the
	// writer returned, if not nil, as it arrives.
	MessageStarted(s *session.Session, m *session.Message) io.Writer
	// MessageEnded: m is whole, or will get no more bytes.
	MessageEnded(s *session.Session, m *session.Message)
}

// NoEvents tells no one.
type NoEvents struct{}

func (NoEvents) ReplyLine(*session.Session, string, time.Time)               {}
func (NoEvents) ExchangeCompleted(*session.Session, *session.Exchange)       {}
func (NoEvents) MessageStarted(*session.Session, *session.Message) io.Writer { return nil }
func (NoEvents) MessageEnded(*session.Session, *session.Message)             {}

// Options are the parsing limits and choices shared by every parser.
type Options struct {
	MaxLine    int  // longest line kept whole (0: lines.DefaultMaxLine)
	MaxHeader  int  // message header bytes kept for summaries (0: default)
	MaxBody    int  // message bytes kept with KeepBodies (0: default)
	KeepBodies bool // keep message bytes for full display
	// NoHashes leaves MIME parts' SHA-256 out: the views chosen show
	// none (sizes and anomalies do not depend on it).
	NoHashes bool
	// NoParts leaves the MIME structure unread: the views chosen show no
	// part, nor the anomalies reading them finds.
	NoParts bool
	Redact  bool // mask passwords and authentication data
	// Bodies, with KeepBodies, is where a session's kept bodies go past
	// the first MiB, until the views write them (nil: kept in memory).
	Bodies session.BodyStore
	// TLSKeys are a key log's secrets: TLS is decrypted and read on as
	// in clear. Nil leaves TLS counted, not read.
	TLSKeys *tlsdecrypt.Keys
	// Buffers are the chunks the MIME readers of the run's messages
	// share (nil: each message its own).
	Buffers *parts.Buffers
	// Spare keeps the buffers of spilled bodies for the bodies after
	// them (nil: each body its own).
	Spare *message.Spare
}

// Mask returns secret, or a placeholder when redacting.
func (o Options) Mask(secret string) string {
	if o.Redact && secret != "" {
		return sasl.Redacted
	}
	return secret
}

func (o Options) bounds() message.Bounds {
	return message.Bounds{MaxHeader: o.MaxHeader, MaxBody: o.MaxBody, KeepBody: o.KeepBodies, NoHashes: o.NoHashes, NoParts: o.NoParts, Buffers: o.Buffers, Spare: o.Spare}
}
