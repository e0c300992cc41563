package proto

import (
	"slices"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/analyzer/replyq"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/tlswatch"
)

// Handlers are a line protocol's callbacks for each direction. A Counted
// callback may be nil where that direction announces no counted runs;
// Close, when set, finishes what the protocol left open at the end of the
// stream, after the last lines are flushed.
type Handlers struct {
	ClientLine, ServerLine       func(*lines.Line)
	ClientCounted, ServerCounted func(b []byte, t time.Time, last bool)
	// ClientRun and ServerRun, when set, take the lines of a message body
	// a lines.Run at a time while the splitter's Runs is set, or decline.
	ClientRun, ServerRun func(lines.Run) bool
	Close                func(t time.Time)
}

// Conn is the scaffolding the line-based parsers share, as Zeek's
// analyzers share theirs: a splitter per direction, the watch over an
// upgrade to TLS, the FIFO of commands awaiting replies (used by the
// protocols that pair in order), the message being received in each
// direction, and the writes to the session that views are told of.
type Conn struct {
	S    *session.Session
	Opts Options
	Cli  *lines.Splitter
	Srv  *lines.Splitter

	events  Events
	closing func(time.Time)
	upgrade string // the command that starts TLS, for anomaly texts
	side    [2]lines.Handler
	tls     tlswatch.Watch
	meter   *tlswatch.Meter // what crossed once TLS began
	fed     [2]int64        // bytes fed in each direction
	pending replyq.Queue[*session.Exchange]
	msgs    [2]*message.Builder
	// counted holds, for each direction, the message and builder reused
	// by the messages past the session's bound: nothing keeps one once it
	// ends, and a FETCH of a million literals past it allocates none.
	counted [2]*message.Builder
	// spares are records of exchanges nothing holds any more
	// (session.Exchange.Spare), for the next commands (Record): up to
	// maxSpares, as many as a pipelined batch answered at once frees.
	// replies are the records of their short replies (NewResponse).
	spares  []*session.Exchange
	replies []*session.Response
	acked   [2]int64 // what each direction had acknowledged of the other, -1 unknown
	replied bool     // the server has replied at all
	// waitBounded: replyq.MaxWaiting was reached once, and said.
	waitBounded bool
	tell        told // what of the events as they happen some sink reads
	paired      bool // some reply has answered a command
	plain       []session.Chunk
	kept        int // bytes of bodies kept in memory (KeepBodies)
	// verb is the known verb Verb found last: as typed, and as kept.
	verb [2]string
	// line is the client line CommandLine made a string last, texts the
	// two server lines ReplyText did, the latest first.
	line  string
	texts [2]string
}

// keptInMemory is how much of a session's kept bodies stays in memory
// before the rest is spilled (Options.Bodies).
const keptInMemory = 1 << 20

// NewConn returns the scaffolding for a parser built with env, whose
// in-band upgrade command is upgrade ("STARTTLS", "STLS").
func NewConn(env Env, upgrade string, h Handlers) *Conn {
	c := &Conn{S: env.Session, Opts: env.Options, events: env.Events, upgrade: upgrade, closing: h.Close,
		Cli: lines.NewSplitter(env.Options.MaxLine), Srv: lines.NewSplitter(env.Options.MaxLine)}
	if c.events == nil {
		c.events = NoEvents{}
	}
	c.tell = tells(c.events)
	c.acked = [2]int64{-1, -1}
	c.side[session.FromClient] = &side{c: c, line: h.ClientLine, counted: h.ClientCounted, run: h.ClientRun}
	c.side[session.FromServer] = &side{c: c, server: true, line: h.ServerLine, counted: h.ServerCounted, run: h.ServerRun}
	return c
}

// side hands one direction's lines to its parser; lines cut at the bound
// are recorded as they pass.
type side struct {
	c       *Conn
	server  bool
	line    func(*lines.Line)
	counted func([]byte, time.Time, bool)
	run     func(lines.Run) bool
}

func (s *side) Line(l *lines.Line) {
	if l.Cut {
		if s.server {
			explain.Anomaly(s.c.S, l.Time, session.FromServer, "cut.server")
		} else {
			explain.Anomaly(s.c.S, l.Time, session.FromClient, "cut.client")
		}
	}
	s.line(l)
}

func (s *side) Run(r lines.Run) bool { return s.run != nil && s.run(r) }

func (s *side) Counted(b []byte, t time.Time, last bool) {
	if s.counted != nil {
		s.counted(b, t, last)
	}
}

func (c *Conn) splitter(d session.Dir) *lines.Splitter {
	if d == session.FromServer {
		return c.Srv
	}
	return c.Cli
}

// Acked notes how many bytes of the other direction the bytes about to be
// fed in direction d acknowledged.
func (c *Conn) Acked(d session.Dir, n int64) { c.acked[d] = n }

// Feed pushes bytes seen in direction d through its splitter, unless they
// follow an accepted upgrade to TLS; bytes after an upgrade that are not
// TLS are recorded as an anomaly, and parsed.
func (c *Conn) Feed(d session.Dir, t time.Time, b []byte) {
	if d == session.FromServer {
		c.pending.ServerData(t)
	}
	sp := c.splitter(d)
	c.fed[d] += int64(len(b))
	for len(b) > 0 {
		skip, plain := c.tls.Skip(int(d), b)
		if plain {
			explain.Anomaly(c.S, t, d, "tls.plain", c.upgrade)
		}
		if skip {
			if c.tls.Encrypted() {
				c.meter.Feed(d, t, b, c.fed[d]-int64(len(b)))
				c.readDecrypted(t)
			}
			return
		}
		b = sp.Feed(b, t, c.side[d])
	}
}

// readDecrypted parses what a key log let the meter decrypt, as the
// session would have gone on in clear, and keeps it for the views that
// show bytes.
func (c *Conn) readDecrypted(t time.Time) {
	c.meter.Drain(t, func(d session.Dir, p []byte) {
		c.plain = append(c.plain, session.Chunk{Dir: d, Time: t, Data: p, Decrypted: true})
		if d == session.FromServer {
			c.pending.ServerData(t)
		}
		for sp := c.splitter(d); len(p) > 0; {
			p = sp.Feed(p, t, c.side[d])
		}
	})
}

// Plain hands over the plaintext decrypted since the last call.
func (c *Conn) Plain() []session.Chunk {
	p := c.plain
	c.plain = nil
	return p
}

// Gap tells the parser n bytes were lost in direction d.
func (c *Conn) Gap(d session.Dir, _ time.Time, n int) { c.Lost(d, n) }

// Lost tells the splitter of direction d that n bytes were lost, and the
// message being received there. inCounted reports a gap that began in a
// counted run; lostFraming, one after which the splitter resynchronizes.
func (c *Conn) Lost(d session.Dir, n int) (inCounted, lostFraming bool) {
	if c.tls.Hidden() {
		if c.tls.Encrypted() {
			c.meter.Lost(d)
		}
		return false, false
	}
	sp := c.splitter(d)
	inCounted = sp.Counting() > 0
	lostFraming = sp.Gap(n)
	if d == session.FromServer {
		c.pending.ServerGap()
	}
	if m := c.msgs[d]; m != nil {
		m.Lost(n)
	}
	return inCounted, lostFraming
}

// StartTLS records that the server accepted an upgrade: the server's
// splitter stops at the end of the accepting line, and what follows is
// counted, not parsed, once it looks like TLS.
func (c *Conn) StartTLS() {
	c.tls.Start()
	c.meter = tlswatch.NewMeter(c.S, c.Opts.TLSKeys)
	c.Srv.Pause()
	c.S.TLS = session.TLSStart
}

// Opaque records that the rest of the stream cannot be parsed (IMAP
// COMPRESS, RFC 4978): it is counted only.
func (c *Conn) Opaque() {
	c.tls.Opaque()
	c.Srv.Pause()
}

// Add records a client command, in a record of its own (Record).
func (c *Conn) Add(cmd session.Command) *session.Exchange {
	return c.S.AddExchange(c.Record(cmd))
}

// Push records a client command and queues it for its reply, in order.
func (c *Conn) Push(cmd session.Command) *session.Exchange {
	return c.PushExchange(c.Record(cmd))
}

// PushExchange records an exchange made with Record, whose
// command was handed out before (to a login that notes its credentials),
// and queues it for its reply, in order.
func (c *Conn) PushExchange(e *session.Exchange) *session.Exchange {
	c.S.AddExchange(e)
	c.Queue(e)
	return e
}

// Queue queues an exchange already recorded for its reply, in order.
// Past replyq.MaxWaiting the oldest waiting is given up, unanswered, and
// said once.
func (c *Conn) Queue(e *session.Exchange) {
	oldest, dropped := c.pending.Push(e, e.Command.Time, c.acked[session.FromClient])
	if !dropped {
		return
	}
	if !c.waitBounded {
		c.waitBounded = true
		explain.Anomaly(c.S, e.Command.Time, session.FromClient, "reply.waiting.bound", replyq.MaxWaiting)
	}
	c.letGo(oldest)
}

// Waiting is the oldest exchange queued for a reply; ok is false when none.
func (c *Conn) Waiting() (e *session.Exchange, ok bool) { return c.pending.First() }

// Next removes and returns the queued exchange the next reply answers.
// Commands whose replies a gap held are left unanswered, each with an
// anomaly, instead of shifting every later pair by one.
func (c *Conn) Next() (*session.Exchange, bool) {
	e, lost, ok := c.pending.Next()
	for _, l := range lost {
		what := l.Command.Verb
		if what == "" {
			what = l.Command.Kind
		}
		explain.Anomaly(c.S, l.Command.Time, session.FromServer, "reply.lost", what)
		c.letGo(l)
	}
	return e, ok
}

// ReplyLine tells of a line of a reply still open, as it arrives.
func (c *Conn) ReplyLine(line string, t time.Time) {
	if c.tell.replyLines {
		c.events.ReplyLine(c.S, line, t)
	}
}

// Answer pairs e with its complete reply r.
func (c *Conn) Answer(e *session.Exchange, r *session.Response) {
	c.bounded(r)
	c.S.Answer(e, r)
	c.paired = true
	c.completed(e)
	c.letGo(e)
}

// Reply records a reply that answers no command.
func (c *Conn) Reply(r *session.Response) *session.Exchange {
	e := c.Hold(r)
	c.Announce(e)
	return e
}

// Hold records a reply that answers no command in its place, but tells no
// one yet: more lines may belong to it.
func (c *Conn) Hold(r *session.Response) *session.Exchange {
	return c.S.AddExchange(&session.Exchange{Response: r})
}

// Announce tells of an exchange held until its reply was complete.
func (c *Conn) Announce(e *session.Exchange) {
	if e.Response != nil {
		c.bounded(e.Response)
	}
	c.completed(e)
}

// bounded says, once for the reply, that it had more lines than it keeps.
func (c *Conn) bounded(r *session.Response) {
	if r.LinesDropped > 0 {
		explain.Anomaly(c.S, r.Time, session.FromServer, "reply.lines", r.LinesDropped, session.MaxReplyLines)
	}
}

// Greeting records the server's greeting r before exchange before, a
// command an impatient (or hostile) client sent ahead of it; before nil
// puts it last. Each protocol's server speaks first (RFC 5321 §3.1, RFC
// 1939 §4, RFC 9051 §7.1), so the greeting answers none of those lines.
func (c *Conn) Greeting(before *session.Exchange, r *session.Response) {
	if before == nil {
		c.Reply(r)
		return
	}
	e := &session.Exchange{Response: r}
	c.S.InsertExchange(before, e)
	c.completed(e)
}

// FirstReply reports whether the server had not replied before, and notes
// that it has now.
func (c *Conn) FirstReply() bool {
	first := !c.replied
	c.replied = true
	return first
}

// Paired reports whether some reply has answered a command.
func (c *Conn) Paired() bool { return c.paired }

// Stray reports whether a reply that answers no command breaks the
// protocol: once replies have paired, or when the session was seen from
// its start and is under way, unless the client's direction is missing
// from the capture (the session gets one note for that, not an anomaly
// per reply).
func (c *Conn) Stray() bool {
	return c.paired || (len(c.S.Exchanges) > 0 && !c.S.Midstream && !c.ClientSilent())
}

// ClientSilent reports whether nothing of the client's direction was
// captured so far.
func (c *Conn) ClientSilent() bool { return c.S.BytesClient == 0 }

// CommandLine is a client line as a string: the string made for the line
// before where the bytes are the same. A flood of one command (a
// million NOOPs no reply answers) made a string for each, a tenth of
// its allocations beside the exchange's record; strings do not change,
// so one serves them all.
func (c *Conn) CommandLine(b []byte) string {
	if string(b) != c.line {
		c.line = string(b)
	}
	return c.line
}

// ReplyText is a server line as a string, made once for a run of the
// same line as CommandLine's are, or of two lines that take turns (an
// IMAP literal's announcement and the line that closes it): a flood of
// one reply ("250 ok") made a string for each.
func (c *Conn) ReplyText(b []byte) string {
	switch string(b) {
	case c.texts[0]:
		return c.texts[0]
	case c.texts[1]:
		return c.texts[1]
	}
	c.texts[1], c.texts[0] = c.texts[0], string(b)
	return c.texts[0]
}

// Verb returns a command's verb as the model keeps it: a known verb in
// upper case (verbs are case-insensitive: RFC 5321 §2.4, RFC 1939 §3,
// RFC 9051 §9); anything else as typed, so that data taken for a command
// (base64 typed ahead) keeps its bytes, with an anomaly unless it is a
// private X-verb.
func (c *Conn) Verb(typed string, known map[string]bool, t time.Time) string {
	if typed == c.verb[0] && typed != "" {
		return c.verb[1] // pipelined commands repeat a verb: RCPT after RCPT
	}
	v := lines.Upper(typed)
	if known[v] {
		c.verb = [2]string{typed, v}
		return v
	}
	if !strings.HasPrefix(v, "X") {
		explain.Anomaly(c.S, t, session.FromClient, "unknown.command", typed)
	}
	return typed
}

// StartMessage begins a message arriving in direction d, carried by via
// (DATA, RETR, FETCH, ...) at t. Its bytes go to the returned Builder,
// which passes them to whoever the events name.
func (c *Conn) StartMessage(d session.Dir, via string, t time.Time) *message.Builder {
	if c.msgs[d] != nil {
		c.DropMessage(d)
	}
	bounds := c.Opts.bounds()
	// Past the session's bound on messages kept, a message is counted
	// and passed on (to --extract), not read: nothing will show it.
	bounds.CountOnly = c.S.MessagesFull()
	if !bounds.CountOnly {
		m := &session.Message{Via: via, Time: t}
		c.msgs[d] = message.New(m, bounds, c.started(m))
		return c.msgs[d]
	}
	b := c.counted[d]
	if b == nil {
		b = message.New(&session.Message{}, bounds, nil)
		c.counted[d] = b
	}
	m := b.Message()
	*m = session.Message{Via: via, Time: t}
	b.Reset(m, bounds, c.started(m))
	c.msgs[d] = b
	return b
}

// Message is the message arriving in direction d, or nil.
func (c *Conn) Message(d session.Dir) *message.Builder { return c.msgs[d] }

// EndMessage finishes the message of direction d, cut short when cut,
// and adds it to the session; it returns its index there.
func (c *Conn) EndMessage(d session.Dir, cut bool) int {
	b := c.msgs[d]
	c.msgs[d] = nil
	if c.Opts.Bodies != nil && b.Kept() > 0 {
		// A session keeps its first MiB of bodies at hand, and spills the
		// rest: memory stays flat however many messages it carries.
		if c.kept += b.Kept(); c.kept > keptInMemory {
			b.SpillBody(c.Opts.Bodies)
		}
	}
	m := b.Finish(cut)
	if slices.Contains(m.Flags, "mime-repaired") {
		explain.Anomaly(c.S, m.Time, d, "mime.header")
	}
	if slices.Contains(m.Flags, "mime-bounds") {
		explain.Anomaly(c.S, m.Time, d, "mime.bounds", parts.MaxHeaderBytes>>10, parts.MaxHeaderFields, parts.MaxDepth)
	}
	for _, p := range m.Parts {
		if p.Skipped > 0 {
			name := p.Filename
			if name == "" {
				name = p.ContentType
			}
			explain.Anomaly(c.S, m.Time, d, "base64.stray", name, p.Skipped)
		}
	}
	i := c.S.AddMessage(m)
	c.ended(m)
	return i
}

// DropMessage gives up the message of direction d, if any, without adding
// it to the session (a literal refused before it was sent, or one whose
// end the capture lost); whoever received its bytes is told it ended,
// incomplete.
func (c *Conn) DropMessage(d session.Dir) {
	if b := c.msgs[d]; b != nil {
		c.msgs[d] = nil
		c.ended(b.Finish(true))
	}
}

// Close ends the session at t: each direction's last line is delivered
// if it had no line ending, the protocol's Close handler runs, and
// messages still arriving are given up.
func (c *Conn) Close(t time.Time) {
	if c.meter != nil && c.tls.Encrypted() {
		c.meter.Finish()
		c.readDecrypted(t)
	}
	c.Cli.Flush(c.side[session.FromClient])
	c.Srv.Flush(c.side[session.FromServer])
	if c.closing != nil {
		c.closing(t)
	}
	c.DropMessage(session.FromClient)
	c.DropMessage(session.FromServer)
}

// CutShort records that the stream ended inside something: what is
// "reply" (a multi-line reply) or "message".
func (c *Conn) CutShort(t time.Time, d session.Dir, what string) {
	explain.Anomaly(c.S, t, d, "short."+what)
}
