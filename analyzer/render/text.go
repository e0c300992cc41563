package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// TextOptions control the timeline.
type TextOptions struct {
	Color bool // ANSI colours (only for a terminal, and not with NO_COLOR)
	Full  bool // message bodies in full rather than summarized
	// Explain, when set, puts under each command and reply what it
	// means, in Lang.
	Explain explain.Catalog
	Lang    explain.Lang
	// Narrow puts a message summary's fields on lines of their own, for a
	// terminal too narrow for them on one.
	Narrow bool
}

type painter struct{ on bool }

func (p painter) paint(col, s string) string {
	if !p.on {
		return s
	}
	return col + s + colReset
}

// warn is what the catalog says under key in l, with args, painted as
// mailtrace's own words on the capture.
func (p painter) warn(l explain.Lang, key string, args ...any) string {
	return p.paint(colWarn, fmt.Sprintf(explain.Say(key, l), args...))
}

// Header writes the description of a session, its headings in o.Lang.
func Header(w io.Writer, s *session.Session, o TextOptions) {
	p := painter{o.Color}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf("%s %d  %s  %s -> %s", explain.Say("ui.session", o.Lang), s.ID, strings.ToUpper(string(s.Protocol)), s.Client, s.Server)))
	extra := ""
	if s.TLS != session.TLSNone {
		extra += "  tls=" + s.TLS
	}
	if s.Midstream {
		extra += explain.Say("ui.header.midstream", o.Lang)
	}
	if s.Compressed {
		extra += explain.Say("ui.header.compressed", o.Lang)
	}
	if s.Tunnel != "" {
		extra += fmt.Sprintf(explain.Say("ui.header.via", o.Lang), Escape(s.Tunnel))
	}
	fmt.Fprintf(w, explain.Say("ui.header", o.Lang)+"\n",
		s.Start.UTC().Format("2006-01-02 15:04:05.000000 UTC"), Duration(s.End.Sub(s.Start)), s.BytesClient, s.BytesServer, StateWord(s.State, o.Lang), extra)
	if hop := journey.SessionHop(s); hop != "" {
		fmt.Fprintln(w, explain.Say("ui.hop."+hop, o.Lang))
	}
	if s.MXLookup != nil {
		fmt.Fprintln(w, mxLine(s.MXLookup, o.Lang))
	}
}

// Duration is d in seconds, to the millisecond: "1.234s".
func Duration(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// event is one line of the timeline.
type event struct {
	t     time.Time
	order int // position in the session, to keep ties stable
	lines []string
	// body is, with --full, a message whose kept bytes are this event,
	// rendered as they are written; client says who sent them.
	body   *session.Message
	client bool
}

// sentBody is the message a client command carried, when --full shows
// its kept bytes.
func sentBody(s *session.Session, c *session.Command, o TextOptions) *session.Message {
	if !o.Full || c.Message == nil || c.Again || !s.Messages[*c.Message].HasBody() {
		return nil
	}
	return s.Messages[*c.Message]
}

// bodyText renders a message's kept bytes, from the side that sent it.
func bodyText(m *session.Message, client bool, p painter) string {
	mark, col := bodyMark(client)
	return bodyBlock(mark, col, m, p)
}

// bodyMark is how a body's lines are marked, and painted, by the side
// that sent it.
func bodyMark(client bool) (mark, col string) {
	if client {
		return "C: | ", colClient
	}
	return "S: | ", colServer
}

// Timeline writes a session's header, its commands and replies in the order
// they crossed the wire, then its authentications, messages and anomalies.
func Timeline(w io.Writer, s *session.Session, o TextOptions) {
	p := painter{o.Color}
	Header(w, s, o)
	var evs []event
	add := func(t time.Time, lines ...string) {
		evs = append(evs, event{t: t, order: len(evs), lines: lines})
	}
	addBody := func(t time.Time, m *session.Message, client bool) {
		evs = append(evs, event{t: t, order: len(evs), body: m, client: client})
	}
	labels := answers(s)
	for _, e := range s.Exchanges {
		if c := e.Command; c != nil {
			// The line, the message it carried with --full, then what
			// it means.
			add(c.Time, commandHead(s, c, o, p)...)
			if m := sentBody(s, c, o); m != nil {
				addBody(c.Time, m, true)
			}
			add(c.Time, explainedCommand(s, c, o)...)
		}
		if r := e.Response; r != nil {
			// Each line at the time it came: data a server sent while
			// a command ran (IDLE's EXISTS) shows where it arrived.
			lines := responseLines(s, e, o, p, nil)
			if l, ok := labels[e]; ok && len(lines) > 0 {
				// On the reply's first line, where it begins.
				lines[0].text += "   " + p.paint(colHead, l)
			}
			// Lines that came at one time are one event: a body's
			// thousands of lines are sorted and timed once.
			for i := 0; i < len(lines); {
				if lines[i].body != nil {
					addBody(lines[i].t, lines[i].body, false)
					i++
					continue
				}
				j := i + 1
				for j < len(lines) && lines[j].t.Equal(lines[i].t) && lines[j].body == nil {
					j++
				}
				texts := make([]string, 0, j-i)
				for _, l := range lines[i:j] {
					texts = append(texts, l.text)
				}
				add(lines[i].t, texts...)
				i = j
			}
		}
	}
	for _, g := range s.Gaps {
		add(g.Time, p.paint(colWarn, "!! "+fmt.Sprintf(explain.Say("ui.gap", o.Lang), g.Bytes, DirWord(g.Dir, o.Lang))))
	}
	if s.Encrypted != nil {
		add(s.Encrypted.Since, tlsLines(s, p, o.Lang)...)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].t.Before(evs[j].t) })
	lw := lineWriter{w: w}
	var prefix string
	for i, ev := range evs {
		if i == 0 || !ev.t.Equal(evs[i-1].t) {
			prefix = fmt.Sprintf("  %8.3f  ", ev.t.Sub(s.Start).Seconds())
		}
		if ev.body != nil {
			mark, col := bodyMark(ev.client)
			lw.body(prefix, mark, col, ev.body, p)
		}
		for _, l := range ev.lines {
			lw.line(prefix, l)
		}
	}
	lw.flush()
	for i, n := range s.Notes {
		fmt.Fprintf(w, "  %s\n", p.paint(colWarn, explain.Say("ui.note", o.Lang)+": "+Escape(NoteText(s, i, n, o.Lang))))
	}
	for _, a := range s.Auth {
		fmt.Fprintf(w, "  %s\n", AuthLine(a, o.Lang))
	}
	if s.AuthDropped > 0 {
		fmt.Fprintf(w, "  %s\n", p.warn(o.Lang, "ui.more.auth", s.AuthDropped))
	}
	for _, f := range s.Findings {
		fmt.Fprintf(w, "  %s\n", p.paint(colWarn, FindingLine(f, o.Lang)))
	}
	for _, a := range s.Anomalies {
		fmt.Fprintf(w, "  %s\n", p.paint(colWarn, fmt.Sprintf("%s (%s, +%.3fs): %s", explain.Say("ui.anomaly", o.Lang), DirWord(a.Dir, o.Lang), a.Time.Sub(s.Start).Seconds(), Escape(Said(a.Text, a.Key, a.Args, o.Lang)))))
	}
	if s.AnomaliesDropped > 0 {
		fmt.Fprintf(w, "  %s\n", p.warn(o.Lang, "ui.more.anomalies", s.AnomaliesDropped))
	}
	if s.ExchangesDropped > 0 {
		fmt.Fprintf(w, "  %s\n", p.warn(o.Lang, "ui.more.exchanges", s.ExchangesDropped))
	}
	if s.GapsDropped > 0 {
		fmt.Fprintf(w, "  %s\n", p.warn(o.Lang, "ui.more.gaps", s.GapsDropped, s.GapBytesDropped))
	}
	fmt.Fprintln(w)
}

// Said is a finding's or an anomaly's text in l: from the catalog with
// the arguments it kept, or as recorded (in English).
func Said(text, key string, args []any, l explain.Lang) string {
	if l != explain.English && l != "" && key != "" {
		return fmt.Sprintf(explain.Say(key, l), args...)
	}
	return text
}

// NoteText is note i of s, n as recorded, in l.
func NoteText(s *session.Session, i int, n string, l explain.Lang) string {
	if i < len(s.NoteKeys) {
		return Said(n, s.NoteKeys[i], nil, l)
	}
	return n
}

// StateWord is how a session ended, in l.
func StateWord(st string, l explain.Lang) string { return catalogWord("ui.state.", st, l) }

// catalogWord is the catalog's word for v under prefix, in l, or v
// itself, escaped, where the catalog has none.
func catalogWord(prefix, v string, l explain.Lang) string {
	if w := explain.Say(prefix+v, l); w != "" {
		return w
	}
	return Escape(v)
}

// TLSWord says how a session was encrypted, in l: "none" is a word to
// translate, "starttls" and "implicit" are the protocols' own names.
func TLSWord(t string, l explain.Lang) string { return catalogWord("ui.tls.", t, l) }

// DirWord says a direction ("client->server") in l.
func DirWord(d string, l explain.Lang) string { return catalogWord("ui.dir.", d, l) }

// FindingLine says a finding in l.
func FindingLine(f session.Finding, l explain.Lang) string {
	text := Said(f.Text, f.Key, f.Args, l)
	sev := explain.Say("ui.severity."+f.Severity, l)
	if sev == "" {
		sev = f.Severity
	}
	return fmt.Sprintf("%s [%s] %s: %s", explain.Say("ui.finding", l), sev, f.Kind, Escape(text))
}

// typedShown is how long, in milliseconds, a command line must take to
// arrive for the timeline to say it was typed: its time is its end, and
// the wait before it was the user's, not the server's.
const typedShown = 1000

// AuthLine says an authentication attempt and its result in l.
func AuthLine(a *session.Auth, l explain.Lang) string {
	res := explain.Say("ui.auth.unknown", l)
	if a.Success != nil {
		res = explain.Say(map[bool]string{true: "ui.auth.ok", false: "ui.auth.failed"}[*a.Success], l)
	}
	line := fmt.Sprintf("auth %s user=%q", Escape(a.Mechanism), Escape(a.Username))
	if a.Password != "" {
		line += fmt.Sprintf(" password=%q", Escape(a.Password))
	}
	return line + " " + res
}

func commandLines(s *session.Session, c *session.Command, o TextOptions, p painter) []string {
	return append(commandHead(s, c, o, p), explainedCommand(s, c, o)...)
}

// commandHead is a command's lines without their explanations: the line
// as sent, a message's summary and parts.
func commandHead(s *session.Session, c *session.Command, o TextOptions, p painter) []string {
	if c.Again {
		return nil // an LMTP recipient's reply to data shown once
	}
	var text string
	var extra []string // lines under the command's
	switch {
	case c.Kind == session.KindMessage:
		// The size is said once, in the brackets.
		text = fmt.Sprintf(explain.Say("ui.msg.bracket", o.Lang), contentWord("", o.Lang), c.Size)
		if c.Message != nil {
			sum := summaryLines(text, " ", s.Messages[*c.Message], o, "C:     ")
			text = sum[0]
			for _, l := range sum[1:] {
				extra = append(extra, p.paint(colClient, l))
			}
		}
	case c.Kind == session.KindContinuation:
		text = Escape(c.Args)
	case c.Line != "":
		// As typed: "ehlo redes" stays in lower case.
		text = Escape(c.Line)
		if c.Verb == "BDAT" && c.Message != nil {
			text += "  " + MessageSummary(s.Messages[*c.Message], o.Lang)
		}
	default:
		parts := []string{}
		if c.Tag != "" {
			parts = append(parts, Escape(c.Tag))
		}
		if c.Verb != "" {
			parts = append(parts, Escape(c.Verb))
		}
		if c.Args != "" {
			parts = append(parts, Escape(c.Args))
		}
		text = strings.Join(parts, " ")
		if c.Verb == "BDAT" && c.Message != nil {
			text += "  " + MessageSummary(s.Messages[*c.Message], o.Lang)
		}
	}
	if c.Decoded != "" {
		text += "   [" + Escape(c.Decoded) + "]"
	}
	if c.TypedMS >= typedShown {
		text += fmt.Sprintf(explain.Say("ui.typed", o.Lang), c.TypedMS/1000)
	}
	lines := append([]string{p.paint(colClient, "C: "+text)}, extra...)
	if c.Message != nil {
		for _, l := range PartLines(s.Messages[*c.Message], o.Lang) {
			lines = append(lines, p.paint(colClient, "C:     "+l))
		}
	}
	return lines
}

// explainedCommand is what --explain says under a command.
func explainedCommand(s *session.Session, c *session.Command, o TextOptions) []string {
	if o.Explain == nil || c.Again {
		return nil
	}
	return explanationLines(o.Explain.Command(s.Protocol, c), o.Lang)
}

// Legend says, once before the sessions, what C:, S: and ↳ mean, when
// the lines are explained.
func Legend(w io.Writer, o TextOptions) {
	if o.Explain == nil {
		return
	}
	for _, l := range wrapWords(explain.Say("ui.legend", o.Lang), LabWidth) {
		fmt.Fprintln(w, l)
	}
	if o.Color {
		p := painter{true}
		word := func(col, key string) any { return p.paint(col, explain.Say(key, o.Lang)) }
		fmt.Fprintf(w, explain.Say("ui.legend.colours", o.Lang)+"\n",
			word(colClient, "ui.colour.client"), word(colServer, "ui.colour.ok"), word(colMore, "ui.colour.more"),
			word(colTemp, "ui.colour.temp"), word(colFail, "ui.colour.fail"), word(colWarn, "ui.colour.warn"))
	}
	fmt.Fprintln(w)
}

// explanationLines are explanations under the line they explain, wrapped
// to the 80 columns the timeline's time column leaves.
func explanationLines(ts []explain.Text, l explain.Lang) []string {
	var out []string
	for _, t := range ts {
		for i, w := range wrapWords(t.In(l), LabWidth-12-5) {
			if i == 0 {
				out = append(out, "   ↳ "+w)
			} else {
				out = append(out, "     "+w)
			}
		}
	}
	return out
}

// Long replies (a LIST or UIDL of hundreds of messages, a CAPABILITY
// run) fold to their first and last lines unless --full.
const (
	foldOver = 16 // replies longer than this fold
	foldHead = 8  // lines shown before the fold
	foldTail = 2  // and after it: SMTP's last line and IMAP's completion end the reply
)

// folded reports which lines of r are folded away: those past the head
// and before the tail of a long reply, except lines that carried a
// message, whose summary is the point.
func folded(r *session.Response, o TextOptions) func(i int) bool {
	if o.Full || len(r.Lines) <= foldOver {
		return func(int) bool { return false }
	}
	carries := map[int]bool{}
	for _, i := range r.MessageLines {
		carries[i] = true
	}
	return func(i int) bool {
		return i >= foldHead && i < len(r.Lines)-foldTail && !carries[i]
	}
}

// timedLine is a line of the timeline and when it happened.
type timedLine struct {
	t    time.Time
	text string
	// body, with --full, is a message whose kept bytes go here: rendered
	// only as they are written, so that a session that downloaded a
	// mailbox is never all in memory as text.
	body *session.Message
}

// responseLines are the lines of e's reply, each followed by the summaries of the
// messages it carried; skip, when set, leaves out lines already shown.
func responseLines(s *session.Session, e *session.Exchange, o TextOptions, p painter, skip func(i int) bool) []timedLine {
	r := e.Response
	var out []timedLine
	fold := folded(r, o)
	// The messages each line carried, found once: a FETCH may carry
	// hundreds of thousands.
	carried := map[int][]int{}
	for k, mi := range r.Messages {
		if k < len(r.MessageLines) {
			carried[r.MessageLines[k]] = append(carried[r.MessageLines[k]], mi)
		}
	}
	for i, l := range r.Lines {
		t := r.LineTime(i)
		if fold(i) {
			if !fold(i - 1) {
				n := 0
				for j := i; j < len(r.Lines) && fold(j); j++ {
					n++
				}
				out = append(out, timedLine{t: t, text: p.paint(colServer, "S: "+fmt.Sprintf(explain.Say("ui.fold", o.Lang), n))})
			}
			continue
		}
		if skip == nil || !skip(i) {
			text := "S: " + Escape(l)
			if r.Decoded != "" && i == len(r.Lines)-1 {
				text += "   [" + Escape(r.Decoded) + "]"
			}
			out = append(out, timedLine{t: t, text: p.paint(replyColour(r.Status), text)})
		}
		if o.Explain != nil && i == explain.StatusLine(s.Protocol, r) {
			for _, l := range explanationLines(o.Explain.Reply(s.Protocol, e.Command, r), o.Lang) {
				out = append(out, timedLine{t: t, text: l})
			}
		}
		for _, mi := range carried[i] {
			m := s.Messages[mi]
			head, sep := "S:   "+partLabel(m, o.Lang)+fmt.Sprintf("%d bytes", m.Size), "; "
			if !r.BodyInLines {
				// The message followed the status line (POP3).
				head, sep = "S: "+fmt.Sprintf(explain.Say("ui.msg.bracket", o.Lang), contentWord(m.Content, o.Lang), m.Size), " "
			}
			for _, l := range summaryLines(head, sep, m, o, "S:     ") {
				out = append(out, timedLine{t: t, text: p.paint(colServer, l)})
			}
			for _, l := range PartLines(m, o.Lang) {
				out = append(out, timedLine{t: t, text: p.paint(colServer, "S:     "+l)})
			}
			if o.Full && m.HasBody() {
				out = append(out, timedLine{t: t, body: m})
			}
		}
	}
	return out
}

// Summary writes one line for the session.
func Summary(w io.Writer, s *session.Session, l explain.Lang) {
	cmds := 0
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Command.Kind == session.KindCommand {
			cmds++
		}
	}
	fmt.Fprintf(w, explain.Say("ui.summary", l)+"\n",
		s.ID, s.Protocol, s.Client, s.Server, s.Start.UTC().Format("2006-01-02T15:04:05.000000Z"),
		Duration(s.End.Sub(s.Start)), explain.Count("ui.n.command", int64(cmds), l), len(s.Auth)+s.AuthDropped,
		explain.Count("ui.n.message", int64(len(s.Messages)), l), explain.Count("ui.n.gap", int64(len(s.Gaps)+s.GapsDropped), l), s.TLS, StateWord(s.State, l))
}
