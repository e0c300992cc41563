package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The live views show sessions while they happen: a line when a session
// is recognized, each exchange once its reply is complete, and a closing
// line; every line starts with the session's number.

// LivePrefix is what each live line of s begins with: "#4 SMTP".
func LivePrefix(s *session.Session) string {
	return fmt.Sprintf("#%d %-4s", s.ID, strings.ToUpper(string(s.Protocol)))
}

// LiveStart announces a session.
func LiveStart(w io.Writer, s *session.Session, o TextOptions) {
	p := painter{o.Color}
	extra := ""
	if s.TLS == session.TLSImplicit {
		extra = " (TLS)"
	}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf("%s %s -> %s  %s%s", LivePrefix(s), s.Client, s.Server,
		fmt.Sprintf(explain.Say("ui.live.started", o.Lang), s.Start.Local().Format("15:04:05.000")), extra)))
}

// LiveExchange shows exchange e of s, whose reply just completed, after
// prefix (LivePrefix(s), which a flood of exchanges would format each
// time): its command unless asked (it was shown already, LiveCommand),
// and its reply; shown, when set, reports reply lines already shown as
// they arrived.
func LiveExchange(w io.Writer, prefix string, s *session.Session, e *session.Exchange, o TextOptions, asked bool, shown func(line string, t time.Time) bool) {
	var skip func(int) bool
	if shown != nil && e.Response != nil {
		skip = func(i int) bool { return shown(e.Response.Lines[i], e.Response.LineTime(i)) }
	}
	// With --full an exchange is a whole message's lines: written 64 KiB
	// at a time, not a line at a time.
	lw, prefix := lineWriter{w: w}, prefix+" "
	for _, l := range exchangeLines(s, e, o, !asked, skip) {
		lw.line(prefix, l)
	}
	lw.flush()
}

// LiveCommand shows command c of s, after prefix (LivePrefix(s)), before
// its reply is complete: a reply line is about to be shown as it came,
// and the command asked for it.
func LiveCommand(w io.Writer, prefix string, s *session.Session, c *session.Command, o TextOptions) {
	for _, l := range commandLines(s, c, o, painter{o.Color}) {
		fmt.Fprintf(w, "%s %s\n", prefix, l)
	}
}

// AppendLiveReplyLine appends to dst the live line of a reply line that
// arrived while its reply is open, after prefix (the session's
// LivePrefix): a flood of untagged lines is a line of output each, with
// no formatting to pay for each.
func AppendLiveReplyLine(dst []byte, prefix, line string, color bool) []byte {
	dst = append(append(dst, prefix...), ' ')
	if color {
		dst = append(dst, colServer...)
	}
	dst = AppendEscaped(append(dst, "S: "...), line)
	if color {
		dst = append(dst, colReset...)
	}
	return append(dst, '\n')
}

// ExchangeLines are the lines the timeline shows for e: its command's,
// then its reply's; with o.Full a message's body is one of them, a block
// of lines joined by newlines.
func ExchangeLines(s *session.Session, e *session.Exchange, o TextOptions) []string {
	return exchangeLines(s, e, o, true, nil)
}

func exchangeLines(s *session.Session, e *session.Exchange, o TextOptions, command bool, skip func(int) bool) []string {
	p := painter{o.Color}
	var lines []string
	if command && e.Command != nil {
		lines = append(lines, commandHead(s, e.Command, o, p)...)
		if m := sentBody(s, e.Command, o); m != nil {
			lines = append(lines, bodyText(m, true, p))
		}
		lines = append(lines, explainedCommand(s, e.Command, o)...)
	}
	if e.Response != nil {
		rs := responseLines(s, e, o, p, skip)
		lines = slices.Grow(lines, len(rs))
		for _, l := range rs {
			if l.body != nil {
				l.text = bodyText(l.body, false, p)
			}
			lines = append(lines, l.text)
		}
	}
	return lines
}

// LiveEnd closes a session: how it ended, and its authentications and
// anomalies.
func LiveEnd(w io.Writer, s *session.Session, o TextOptions) {
	p := painter{o.Color}
	prefix := LivePrefix(s)
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Response == nil {
			for _, l := range commandLines(s, e.Command, TextOptions{}, p) {
				fmt.Fprintf(w, "%s %s   (no reply)\n", prefix, l)
			}
		}
	}
	if s.Encrypted != nil {
		for _, l := range tlsLines(s, p, o.Lang) {
			fmt.Fprintf(w, "%s %s\n", prefix, l)
		}
	}
	for i, n := range s.Notes {
		fmt.Fprintf(w, "%s %s\n", prefix, p.paint(colWarn, explain.Say("ui.note", o.Lang)+": "+Escape(NoteText(s, i, n, o.Lang))))
	}
	for _, a := range s.Auth {
		fmt.Fprintf(w, "%s %s\n", prefix, AuthLine(a, o.Lang))
	}
	if s.AuthDropped > 0 {
		fmt.Fprintf(w, "%s %s\n", prefix, p.warn(o.Lang, "ui.more.auth", s.AuthDropped))
	}
	for _, f := range s.Findings {
		fmt.Fprintf(w, "%s %s\n", prefix, p.paint(colWarn, FindingLine(f, o.Lang)))
	}
	for _, a := range s.Anomalies {
		fmt.Fprintf(w, "%s %s\n", prefix, p.paint(colWarn, explain.Say("ui.anomaly", o.Lang)+": "+Escape(Said(a.Text, a.Key, a.Args, o.Lang))))
	}
	if s.AnomaliesDropped > 0 {
		fmt.Fprintf(w, "%s %s\n", prefix, p.warn(o.Lang, "ui.more.anomalies", s.AnomaliesDropped))
	}
	for _, g := range s.Gaps {
		fmt.Fprintf(w, "%s %s\n", prefix, p.paint(colWarn, fmt.Sprintf(explain.Say("ui.gap", o.Lang), g.Bytes, DirWord(g.Dir, o.Lang))))
	}
	if s.GapsDropped > 0 {
		fmt.Fprintf(w, "%s %s\n", prefix, p.warn(o.Lang, "ui.more.gaps", s.GapsDropped, s.GapBytesDropped))
	}
	fmt.Fprintln(w, p.paint(colHead, prefix+" "+fmt.Sprintf(explain.Say("ui.live.ended", o.Lang), StateWord(s.State, o.Lang),
		Duration(s.End.Sub(s.Start)), s.BytesClient, s.BytesServer)))
}

// AppendLiveRaw appends a line of raw bytes of live --follow to dst,
// after prefix (the session's LivePrefix): client lines "C>", server
// lines "S<", in their colours; a view that shows every line of the wire keeps
// one buffer and one prefix per session instead of making them per line.
func AppendLiveRaw(dst []byte, prefix string, d session.Dir, line []byte, color bool) []byte {
	col, mark := colClient, "C> "
	if d == session.FromServer {
		col, mark = colServer, "S< "
	}
	dst = append(append(dst, prefix...), ' ')
	if color {
		dst = append(dst, col...)
	}
	dst = AppendEscaped(append(dst, mark...), lines.TrimCR(line))
	if color {
		dst = append(dst, colReset...)
	}
	return append(dst, '\n')
}

// LiveRawNote shows what live --follow says instead of bytes: TLS, or
// bytes the capture lost.
func LiveRawNote(w io.Writer, s *session.Session, note string, color bool) {
	fmt.Fprintf(w, "%s %s\n", LivePrefix(s), painter{color}.paint(colWarn, note))
}
