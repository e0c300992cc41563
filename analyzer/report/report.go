// Package report writes a capture as one self-contained HTML page: an
// overview (capture facts, statistics as tables and SVG charts, findings,
// journeys, POP3 and IMAP compared), a list of the sessions, and each
// session as an SVG sequence diagram. It is a sink: it reads the session
// model as sessions end and keeps, past the first sessions it draws, only
// a line per session. Its text comes from the capture escaped as the
// terminal views escape it, then as HTML by html/template; the page loads
// nothing and runs no script (its Content-Security-Policy says so).
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/compare"
	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// DefaultDiagrams is how many sessions a report draws.
const DefaultDiagrams = 100

// Options say what a report shows and how.
type Options struct {
	Lang explain.Lang
	// Diagrams is how many sessions are drawn, the first by ID; the rest
	// are listed.
	Diagrams int
	// Inputs name the capture files, for the title.
	Inputs []string
	// Order lists the protocols, for the statistics.
	Order []session.Protocol
	// Journeys, if not nil, gathers the messages' paths; it must see each
	// session before the report does.
	Journeys *journey.Collector
}

// New returns a sink that writes the report to w when the capture is
// finished. Sessions must come to it in the order of their IDs
// (sink.ByID) for the page to list them so.
func New(w io.Writer, o Options) sink.Sink {
	return &collector{w: w, o: o, stats: stats.New(o.Order), compare: compare.New(true)}
}

type collector struct {
	sink.Nop
	w        io.Writer
	o        Options
	stats    *stats.Collector
	compare  *compare.Collector
	lookups  []*dns.Lookup
	tries    []render.MXTry // sessions that followed an MX answer (render.AddTry)
	list     []Line
	drawn    []Drawn
	findings []FindingLine
}

// Line is a session in the list of sessions.
type Line struct {
	ID                       int
	Anchor                   string // "" when not drawn
	Protocol                 string
	Client, Server           string
	Start, Duration          string
	Commands                 int
	BytesClient, BytesServer int64
	TLS, State               string
}

// Drawn is a session drawn: its facts, what the views list under it, and
// its diagram.
type Drawn struct {
	Line
	Heading   string
	Facts     string
	Auth      []string
	Messages  []string
	Findings  []FindingLine
	Anomalies []string
	Notes     []string
	Diagram   Diagram
}

// FindingLine is one finding, tied to its session.
type FindingLine struct {
	Session  int
	Anchor   string
	Severity string
	Text     string
}

func (c *collector) Lookup(l *dns.Lookup) { c.lookups = append(c.lookups, l) }

func (c *collector) SessionEnded(s *session.Session) {
	c.stats.Add(s)
	c.compare.Add(s)
	c.tries = render.AddTry(c.tries, s)
	l := c.o.Lang
	line := Line{ID: s.ID, Protocol: strings.ToUpper(string(s.Protocol)),
		Client: s.Client, Server: s.Server, Start: s.Start.UTC().Format("2006-01-02 15:04:05.000"),
		Duration: render.Duration(s.End.Sub(s.Start)), BytesClient: s.BytesClient, BytesServer: s.BytesServer,
		TLS: render.TLSWord(s.TLS, l), State: render.StateWord(s.State, l)}
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Command.Kind == session.KindCommand {
			line.Commands++
		}
	}
	drawn := len(c.drawn) < c.o.Diagrams
	if drawn {
		line.Anchor = fmt.Sprintf("s%d", s.ID)
	}
	var findings []FindingLine
	for _, f := range s.Findings {
		findings = append(findings, FindingLine{Session: s.ID, Anchor: line.Anchor, Severity: f.Severity,
			Text: f.Kind + ": " + render.Escape(render.Said(f.Text, f.Key, f.Args, l))})
	}
	c.findings = append(c.findings, findings...)
	c.list = append(c.list, line)
	if !drawn {
		return
	}
	d := Drawn{Line: line, Diagram: Layout(s, l),
		Heading: fmt.Sprintf(explain.Say("ui.report.session", l), s.ID, line.Protocol, s.Client, s.Server),
		Facts: fmt.Sprintf(explain.Say("ui.report.facts", l), line.Start, line.Duration, s.BytesClient, s.BytesServer,
			line.TLS, line.State)}
	if s.Tunnel != "" {
		d.Facts += " · " + render.Escape(s.Tunnel)
	}
	for _, a := range s.Auth {
		d.Auth = append(d.Auth, render.AuthLine(a, l))
	}
	for _, m := range s.Messages {
		d.Messages = append(d.Messages, m.Via+" "+render.MessageSummary(m, l))
	}
	d.Findings = findings
	for _, a := range s.Anomalies {
		d.Anomalies = append(d.Anomalies, seconds(a.Time.Sub(s.Start))+"s "+render.Escape(render.Said(a.Text, a.Key, a.Args, l)))
	}
	if n := s.AnomaliesDropped; n > 0 {
		d.Anomalies = append(d.Anomalies, fmt.Sprintf("… +%d", n))
	}
	for i, n := range s.Notes {
		d.Notes = append(d.Notes, render.Escape(render.NoteText(s, i, n, l)))
	}
	c.drawn = append(c.drawn, d)
}

func (c *collector) CaptureFinished(capture stats.Capture) error {
	var js []journey.Journey
	if c.o.Journeys != nil {
		js = c.o.Journeys.Journeys()
	}
	return write(c.w, c.page(capture, js), c.o.Lang)
}
