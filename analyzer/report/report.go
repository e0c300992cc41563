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
	return &collector{w: w, o: o, stats: stats.New(o.Order), compare: compare.New(true), budget: PageBudget()}
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
	budget   Budget // what the diagrams still to come may draw
	spent    bool   // a session went undrawn for want of budget
	more     More   // what the lists left out
}

// More counts what the page's lists left out past their bounds.
type More struct{ Sessions, Findings, Journeys, Lookups int }

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

// Bounds on the page's lists, so that its size stays within a constant
// whatever the capture holds (docs/report.md): past them, a line says how
// many more there are and which view has them all.
const (
	maxListed   = 2000 // sessions in the list
	maxFindings = 1000 // findings in the overview's list
	maxItems    = 20   // lines of each list under a drawn session
	maxJourneys = 500
	maxHops     = 50 // of one journey
	maxLookups  = 500
)

func (c *collector) Lookup(l *dns.Lookup) {
	if len(c.lookups) < maxLookups {
		c.lookups = append(c.lookups, l)
		return
	}
	c.more.Lookups++
}

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
	drawn := len(c.drawn) < c.o.Diagrams && c.budget.Rows > 0
	c.spent = c.spent || len(c.drawn) < c.o.Diagrams && !drawn
	if drawn {
		line.Anchor = fmt.Sprintf("s%d", s.ID)
	}
	var findings []FindingLine
	keep := max(0, maxFindings-len(c.findings))
	if drawn {
		keep = max(keep, maxItems)
	}
	for _, f := range s.Findings[:min(len(s.Findings), keep)] {
		findings = append(findings, FindingLine{Session: s.ID, Anchor: line.Anchor, Severity: f.Severity,
			Text: f.Kind + ": " + render.Escape(render.Said(f.Text, f.Key, f.Args, l))})
	}
	listed := min(len(findings), maxFindings-len(c.findings))
	c.findings = append(c.findings, findings[:listed]...)
	c.more.Findings += len(s.Findings) - listed
	if len(c.list) < maxListed {
		c.list = append(c.list, line)
	} else {
		c.more.Sessions++
	}
	if !drawn {
		return
	}
	d := Drawn{Line: line, Diagram: LayoutWithin(s, l, &c.budget),
		Heading: fmt.Sprintf(explain.Say("ui.report.session", l), s.ID, line.Protocol, s.Client, s.Server),
		Facts: fmt.Sprintf(explain.Say("ui.report.facts", l), line.Start, line.Duration, s.BytesClient, s.BytesServer,
			line.TLS, line.State)}
	if s.Tunnel != "" {
		d.Facts += " · " + render.Escape(s.Tunnel)
	}
	if hop := journey.SessionHop(s); hop != "" {
		d.Facts += " · " + strings.TrimSpace(explain.Say("ui.hop."+hop, l))
	}
	if s.CommunityID != "" {
		// The key Zeek, Suricata, Arkime and tshark log the flow by.
		d.Facts += " · community_id " + s.CommunityID
	}
	for _, a := range s.Auth[:min(len(s.Auth), maxItems)] {
		d.Auth = append(d.Auth, render.AuthLine(a, l))
	}
	d.Auth = andMore(d.Auth, len(s.Auth)+s.AuthDropped)
	for _, m := range s.Messages[:min(len(s.Messages), maxItems)] {
		d.Messages = append(d.Messages, m.Via+" "+render.MessageSummary(m, l))
	}
	d.Messages = andMore(d.Messages, len(s.Messages))
	d.Findings = findings[:min(len(findings), maxItems)]
	if n := len(s.Findings) - len(d.Findings); n > 0 {
		d.Findings = append(d.Findings, FindingLine{Text: fmt.Sprintf("… +%d", n)})
	}
	for _, a := range s.Anomalies[:min(len(s.Anomalies), maxItems)] {
		d.Anomalies = append(d.Anomalies, seconds(a.Time.Sub(s.Start))+"s "+render.Escape(render.Said(a.Text, a.Key, a.Args, l)))
	}
	d.Anomalies = andMore(d.Anomalies, len(s.Anomalies)+s.AnomaliesDropped)
	for i, n := range s.Notes[:min(len(s.Notes), maxItems)] {
		d.Notes = append(d.Notes, render.Escape(render.NoteText(s, i, n, l)))
	}
	d.Notes = andMore(d.Notes, len(s.Notes))
	c.drawn = append(c.drawn, d)
}

// andMore ends lines, the first of all, with one that says how many
// were left out.
func andMore(lines []string, all int) []string {
	if n := all - len(lines); n > 0 {
		return append(lines, fmt.Sprintf("… +%d", n))
	}
	return lines
}

func (c *collector) CaptureFinished(capture stats.Capture) error {
	var js []journey.Journey
	if c.o.Journeys != nil {
		js = c.o.Journeys.Journeys()
	}
	return write(c.w, c.page(capture, js), c.o.Lang)
}
