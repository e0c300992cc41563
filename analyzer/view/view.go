// Package view holds the ways mailtrace shows sessions, each a sink.Sink:
// the timeline, the raw follow view, one line per session, the statistics
// tables, JSON and JSON Lines, and the live timeline. They decide when to
// write; package render decides how a session looks. The command line
// combines them (sink.Multi, sink.Filter, sink.ByID).
package view

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/compare"
	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/spill"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Timeline writes each session's header and timeline as it ends, and the
// DNS lookups when the capture is finished.
func Timeline(w io.Writer, o render.TextOptions) sink.Sink { return &timeline{w: w, o: o} }

type timeline struct {
	sink.Nop
	w       io.Writer
	o       render.TextOptions
	lookups []*dns.Lookup
	tries   []render.MXTry
	legend  bool // shown
}

func (v *timeline) SessionEnded(s *session.Session) {
	if !v.legend {
		render.Legend(v.w, v.o)
		v.legend = true
	}
	render.Timeline(v.w, s, v.o)
	v.tries = render.AddTry(v.tries, s)
	// Written, the bodies --full kept in the spill file leave room there
	// for the sessions after: no other view reads them.
	for _, m := range s.Messages {
		m.ReleaseBody()
	}
}

func (v *timeline) Lookup(l *dns.Lookup) { v.lookups = append(v.lookups, l) }

func (v *timeline) CaptureFinished(stats.Capture) error {
	render.Lookups(v.w, v.lookups, v.tries, v.o)
	return nil
}

// LiveFollow writes each session's raw conversation as it crosses, a
// line as soon as it is complete, each with the session's number; TLS is
// counted, not shown.
func LiveFollow(w io.Writer, o render.TextOptions) sink.Sink {
	return &liveFollow{w: w, o: o, open: map[*session.Session]*rawState{}}
}

type liveFollow struct {
	sink.Nop
	w    io.Writer
	o    render.TextOptions
	open map[*session.Session]*rawState
}

// rawState is what live --follow holds of a session: each direction's
// line not yet complete, and how many bytes of it crossed.
type rawState struct {
	partial [2][]byte
	seen    [2]int64
	prefix  string // the session's, made once
	out     []byte // a line being put together
	// decrypted: a key log read the session's TLS, whose records are
	// shown as the plaintext they carry.
	decrypted bool
}

func (v *liveFollow) SessionStarted(s *session.Session) {
	render.LiveStart(v.w, s, v.o)
	v.open[s] = &rawState{prefix: render.LivePrefix(s)}
}

func (v *liveFollow) Raw(s *session.Session, c session.Chunk) {
	st := v.open[s]
	if st == nil {
		return
	}
	d := c.Dir
	if c.Gap > 0 {
		v.flush(s, st, d)
		render.LiveRawNote(v.w, s, fmt.Sprintf("[%d bytes missing in capture, %s]", c.Gap, d), v.o.Color)
		return
	}
	data := c.Data
	if c.Decrypted {
		st.decrypted = true
		v.lines(s, st, d, data)
		return
	}
	start := st.seen[d]
	st.seen[d] += int64(len(data))
	if from := tlsFrom(s, d); from >= 0 && st.seen[d] > from {
		clear := max(0, min(int64(len(data)), from-start))
		v.lines(s, st, d, data[:clear])
		v.flush(s, st, d)
		if st.decrypted {
			return // what the records carry follows them
		}
		render.LiveRawNote(v.w, s, fmt.Sprintf("[TLS, %d B %s, not readable]", int64(len(data))-clear, d), v.o.Color)
		return
	}
	v.lines(s, st, d, data)
}

// lines shows the lines data completes in direction d, and keeps the
// rest.
func (v *liveFollow) lines(s *session.Session, st *rawState, d session.Dir, data []byte) {
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			st.partial[d] = append(st.partial[d], data...)
			return
		}
		line := data[:i]
		if len(st.partial[d]) > 0 {
			line = append(st.partial[d], line...)
		}
		st.out = render.AppendLiveRaw(st.out[:0], st.prefix, d, line, v.o.Color)
		v.w.Write(st.out)
		st.partial[d] = st.partial[d][:0]
		data = data[i+1:]
	}
}

func (v *liveFollow) flush(s *session.Session, st *rawState, d session.Dir) {
	if len(st.partial[d]) > 0 {
		st.out = render.AppendLiveRaw(st.out[:0], st.prefix, d, st.partial[d], v.o.Color)
		v.w.Write(st.out)
		st.partial[d] = st.partial[d][:0]
	}
}

func (v *liveFollow) SessionEnded(s *session.Session) {
	if st := v.open[s]; st != nil {
		v.flush(s, st, session.FromClient)
		v.flush(s, st, session.FromServer)
	}
	delete(v.open, s)
	render.LiveEnd(v.w, s, v.o)
}

// tlsFrom is where TLS began in direction d of s, -1 if it did not.
func tlsFrom(s *session.Session, d session.Dir) int64 {
	e := s.Encrypted
	switch {
	case e == nil:
		return -1
	case d == session.FromServer:
		return e.ServerFrom
	}
	return e.ClientFrom
}

// Compare sets POP3 and IMAP side by side when the capture is finished;
// alone says so when the capture has neither, where the comparison is
// the whole output and not a section of the statistics. Each session's
// row is written as it ends, and waits on disk (spill).
func Compare(w io.Writer, alone bool, l explain.Lang) sink.Sink {
	return &comparison{w: w, c: compare.New(false), alone: alone, lang: l}
}

type comparison struct {
	sink.Nop
	w     io.Writer
	c     *compare.Collector
	rows  *spill.Store
	alone bool
	lang  explain.Lang
}

func (v *comparison) SessionEnded(s *session.Session) {
	r, ok := v.c.Add(s)
	if !ok {
		return
	}
	if v.rows == nil {
		v.rows = spill.New("")
	}
	var b bytes.Buffer
	render.CompareRow(&b, r, v.lang)
	v.rows.Put(b.Bytes())
}

func (v *comparison) CaptureFinished(stats.Capture) error {
	if v.rows == nil {
		if v.alone {
			_, err := fmt.Fprintln(v.w, explain.Say("ui.compare.none", v.lang))
			return err
		}
		return nil
	}
	defer v.rows.Close()
	return render.Compare(v.w, v.c.Report(), func(w io.Writer) error {
		_, err := v.rows.WriteTo(w)
		return err
	}, v.lang)
}

// Ladder draws each session as a sequence diagram as it ends.
func Ladder(w io.Writer, o render.TextOptions) sink.Sink { return ladder{w: w, o: o} }

type ladder struct {
	sink.Nop
	w io.Writer
	o render.TextOptions
}

func (v ladder) SessionEnded(s *session.Session) { render.Ladder(v.w, s, v.o) }

// Summary writes one line per session as it ends, and a blank line after
// the last.
func Summary(w io.Writer, l explain.Lang) sink.Sink { return summary{w: w, lang: l} }

type summary struct {
	sink.Nop
	w    io.Writer
	lang explain.Lang
}

func (v summary) SessionEnded(s *session.Session) { render.Summary(v.w, s, v.lang) }

func (v summary) CaptureFinished(stats.Capture) error {
	_, err := fmt.Fprintln(v.w)
	return err
}

// counter counts every session as it ends, for the views that end with
// statistics.
type counter struct {
	sink.Nop
	w io.Writer
	c *stats.Collector
}

func (v *counter) SessionEnded(s *session.Session) { v.c.Add(s) }

// Stats counts every session as it ends and writes the statistics tables
// when the capture is finished; protocols are listed in order.
// Tables wider than width, when not 0, turn to fit.
func Stats(w io.Writer, order []session.Protocol, width int, l explain.Lang) sink.Sink {
	return &statsTables{counter: counter{w: w, c: stats.New(order)}, width: width, lang: l}
}

type statsTables struct {
	counter
	width int
	lang  explain.Lang
}

func (v *statsTables) CaptureFinished(c stats.Capture) error {
	return render.Stats(v.w, c, v.c.Report(), v.width, v.lang)
}

// JSON writes one document: each session as it ends (in the order its
// sink gives), then the journeys (from j, if not nil), the DNS lookups
// and the statistics when the capture is finished. No session is kept.
func JSON(w io.Writer, order []session.Protocol, j *journey.Collector) sink.Sink {
	return &jsonDoc{counter: counter{w: w, c: stats.New(order)}, journeys: j, doc: render.NewDocumentWriter(w), compare: compare.New(false)}
}

type jsonDoc struct {
	counter
	compare  *compare.Collector
	doc      *render.DocumentWriter
	journeys *journey.Collector
	lookups  []*dns.Lookup
	err      error
}

func (v *jsonDoc) Lookup(l *dns.Lookup) { v.lookups = append(v.lookups, l) }

func (v *jsonDoc) SessionEnded(s *session.Session) {
	v.counter.SessionEnded(s)
	if err := v.doc.Session(s); err != nil && v.err == nil {
		v.err = err
	}
	if r, ok := v.compare.Add(s); ok {
		// The row waits for the document's end on disk, not in memory.
		if err := v.doc.CompareRow(r); err != nil && v.err == nil {
			v.err = err
		}
	}
}

func (v *jsonDoc) CaptureFinished(c stats.Capture) error {
	var js []journey.Journey
	if v.journeys != nil {
		js = v.journeys.Journeys()
	}
	st := render.StatsDoc{Capture: c, Protocols: v.c.Report()}
	if r := v.compare.Report(); len(r.Protocols) > 0 {
		st.Compare = &r
	}
	err := v.doc.Finish(js, v.lookups, st)
	if v.err != nil {
		return v.err
	}
	return err
}

// Journeys writes each message's path across sessions when the capture
// is finished, from j.
func Journeys(w io.Writer, j *journey.Collector, o render.TextOptions) sink.Sink {
	return journeys{w: w, j: j, o: o}
}

type journeys struct {
	sink.Nop
	w io.Writer
	j *journey.Collector
	o render.TextOptions
}

func (v journeys) CaptureFinished(stats.Capture) error {
	render.Journeys(v.w, v.j.Journeys(), v.o)
	return nil
}

// JSONLines writes a JSON line for each session as it ends and each DNS
// lookup as it is seen, and at the end one for each journey (j, when not
// nil, must see every session before this sink).
func JSONLines(w io.Writer, j *journey.Collector) sink.Sink { return &jsonLines{w: w, journeys: j} }

type jsonLines struct {
	sink.Nop
	w        io.Writer
	journeys *journey.Collector
	err      error // the first write error, returned at the end
}

func (v *jsonLines) keep(err error) {
	if err != nil && v.err == nil {
		v.err = err
	}
}

func (v *jsonLines) SessionEnded(s *session.Session) { v.keep(render.JSONLine(v.w, s)) }

func (v *jsonLines) Lookup(l *dns.Lookup) { v.keep(render.DNSLookupLine(v.w, l)) }

func (v *jsonLines) CaptureFinished(stats.Capture) error {
	if v.journeys != nil {
		v.keep(render.JourneyLines(v.w, v.journeys.Journeys()))
	}
	return v.err
}

// Live writes sessions while they happen: a line when each starts, reply
// lines that come while a command runs (IMAP untagged data) as they come,
// each exchange as its reply completes, and what the session came to as
// it ends; a blank line closes the output.
func Live(w io.Writer, o render.TextOptions) sink.Sink {
	return &live{w: w, o: o, open: map[*session.Session]*liveState{}, asked: map[*session.Command]bool{}}
}

type live struct {
	sink.Nop
	w    io.Writer
	o    render.TextOptions
	open map[*session.Session]*liveState // the sessions started and not ended
	// asked are the commands shown before their reply completed: those
	// sent before a reply line shown as it came.
	asked  map[*session.Command]bool
	legend bool // shown
	buf    []byte
}

// liveState is what the live view keeps of a session while it lasts:
// the prefix of its lines, and the reply lines it showed as they came
// whose exchange has not completed.
type liveState struct {
	prefix string
	shown  shownLines
}

func (v *live) SessionStarted(s *session.Session) {
	if !v.legend {
		render.Legend(v.w, v.o)
		v.legend = true
	}
	render.LiveStart(v.w, s, v.o)
	v.open[s] = &liveState{prefix: render.LivePrefix(s)}
}

// state is what the view keeps of s, from its start to its end.
func (v *live) state(s *session.Session) *liveState {
	st := v.open[s]
	if st == nil {
		st = &liveState{prefix: render.LivePrefix(s)}
		v.open[s] = st
	}
	return st
}

func (v *live) ReadsReplyLines() bool { return true }
func (v *live) ReadsExchanges() bool  { return true }

func (v *live) ReplyLine(s *session.Session, line string, t time.Time) {
	v.askFirst(s)
	st := v.state(s)
	v.buf = render.AppendLiveReplyLine(v.buf[:0], st.prefix, line, v.o.Color)
	v.w.Write(v.buf)
	st.shown.add(line, t)
}

// askFirst shows the commands still waiting for their replies that were
// not shown yet: a reply line comes after the command that asked for it,
// live as in read. They are the newest exchanges, back to one answered or
// already shown, so each is looked at once.
func (v *live) askFirst(s *session.Session) {
	ex := s.Exchanges
	i := len(ex)
	for i > 0 && ex[i-1].Response == nil && ex[i-1].Command != nil && !v.asked[ex[i-1].Command] {
		i--
	}
	prefix := v.state(s).prefix
	for _, e := range ex[i:] {
		render.LiveCommand(v.w, prefix, s, e.Command, v.o)
		v.asked[e.Command] = true
	}
}

func (v *live) ExchangeCompleted(s *session.Session, e *session.Exchange) {
	asked := e.Command != nil && v.asked[e.Command]
	if asked {
		delete(v.asked, e.Command)
	}
	st := v.state(s)
	var shown func(string, time.Time) bool
	if st.shown.waiting > 0 {
		shown = st.shown.take
	}
	render.LiveExchange(v.w, st.prefix, s, e, v.o, asked, shown)
}

func (v *live) Lookup(l *dns.Lookup) {
	fmt.Fprintln(v.w, "#dns "+render.LookupLine(l, v.o.Lang))
}

func (v *live) SessionEnded(s *session.Session) {
	delete(v.open, s)
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Response == nil {
			delete(v.asked, e.Command)
		}
	}
	render.LiveEnd(v.w, s, v.o)
}

func (v *live) CaptureFinished(stats.Capture) error {
	_, err := fmt.Fprintln(v.w)
	return err
}
