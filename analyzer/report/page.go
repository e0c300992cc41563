package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/compare"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

//go:embed page.html.tmpl
var pageTemplate string

//go:embed style.css
var style string

// styleSource is the Content-Security-Policy source that lets the page's
// one style element apply, and nothing else: no remote style, no
// injected one.
var styleSource = "'sha256-" + func() string {
	sum := sha256.Sum256([]byte(style))
	return base64.StdEncoding.EncodeToString(sum[:])
}() + "'"

// Page is what the template reads.
type Page struct {
	Lang      string
	Title     string
	Policy    string
	Style     template.CSS
	Capture   stats.Capture
	Sessions  int
	Protocols Table
	Commands  []Table
	Charts    []Chart
	Findings  []FindingLine
	Journeys  []JourneyView
	Lookups   []string
	Compare   *CompareView
	List      []Line
	Drawn     []Drawn
	// Undrawn counts the sessions listed without a diagram; Limit is how
	// many were drawn at most. Full says the page's rows ran out first
	// (Budget), MaxRows how many it draws.
	Undrawn, Limit int
	Full           bool
	MaxRows        int
	More           More
}

// Table is a header and its rows, text already escaped for a terminal.
type Table struct {
	Title string
	Head  []string
	Rows  [][]string
}

// JourneyView is a journey's title and its hops as rows, and how many
// hops were left out.
type JourneyView struct {
	Title string
	Rows  [][]string
	More  int
}

// CompareView is POP3 and IMAP side by side.
type CompareView struct {
	Title string
	Table Table
	Notes []string
}

func (c *collector) page(capture stats.Capture, js []journey.Journey) Page {
	l := c.o.Lang
	say := func(key string) string { return explain.Say(key, l) }
	p := Page{Lang: string(l), Title: say("ui.report.title"), Policy: policy(), Style: template.CSS(style),
		Capture: capture, Sessions: len(c.list) + c.more.Sessions, List: c.list, Drawn: c.drawn, Findings: c.findings,
		Limit: c.o.Diagrams, Undrawn: len(c.list) + c.more.Sessions - len(c.drawn), Full: c.spent, MaxRows: MaxPageRows,
		More: c.more}
	if p.Full {
		p.Limit = len(c.drawn)
	}
	if len(c.o.Inputs) > 0 {
		var names []string
		for _, in := range c.o.Inputs {
			names = append(names, filepath.Base(in))
		}
		p.Title += " " + fmt.Sprintf(say("ui.report.of"), render.Escape(strings.Join(names, ", ")))
	}
	protos := c.stats.Report()
	p.Protocols = Table{Head: explain.Columns("ui.stats.head", l)}
	for _, s := range protos {
		p.Protocols.Rows = append(p.Protocols.Rows, strs(strings.ToUpper(string(s.Protocol)), s.Sessions, s.TLSImplicit,
			s.StartTLS, s.BytesClient, s.BytesServer, s.AuthOK, s.AuthFailed, s.Messages, s.MessageBytes,
			fmt.Sprintf("%d (%d B)", s.Gaps, s.GapBytes), s.Anomalies))
		t := Table{Title: fmt.Sprintf(say("ui.stats.commands"), strings.ToUpper(string(s.Protocol))), Head: explain.Columns("ui.stats.commands.head", l)}
		lat := map[string]stats.Latency{}
		for _, x := range s.Latency {
			lat[x.Verb] = x
		}
		for _, v := range slices.Sorted(maps.Keys(s.Commands)) {
			med, p95 := "-", "-"
			if x, ok := lat[v]; ok {
				med, p95 = strconv.FormatFloat(x.Median, 'f', 3, 64), strconv.FormatFloat(x.P95, 'f', 3, 64)
				if x.Approximate {
					med, p95 = "~"+med, "~"+p95 // from buckets 1% wide
				}
			}
			t.Rows = append(t.Rows, strs(render.Escape(v), s.Commands[v], med, p95))
		}
		if len(t.Rows) > 0 {
			p.Commands = append(p.Commands, t)
		}
	}
	if len(protos) > 0 {
		p.Charts = charts(protos, say)
	}
	p.More.Journeys = max(0, len(js)-maxJourneys)
	for _, j := range js[:min(len(js), maxJourneys)] {
		v := JourneyView{Title: render.Escape(j.MessageID)}
		if j.Subject != "" {
			v.Title += " · " + render.Escape(j.Subject)
		}
		if n := len(j.Hops) - maxHops; n > 0 {
			v.More = n
		}
		for _, h := range j.Hops[:min(len(j.Hops), maxHops)] {
			v.Rows = append(v.Rows, strs(h.Time.UTC().Format("2006-01-02 15:04:05.000"), h.Session,
				strings.ToUpper(string(h.Protocol)), render.Escape(h.Via), action(h.Action, l), h.Client, h.Server, render.Escape(h.User)))
		}
		p.Journeys = append(p.Journeys, v)
	}
	tries := render.SortTries(c.tries)
	for i, lk := range c.lookups {
		if len(p.Lookups) >= maxLookups {
			p.More.Lookups += len(c.lookups) - i
			break
		}
		p.Lookups = append(p.Lookups, render.LookupLines(lk, tries, render.TextOptions{Lang: l})...)
	}
	if r := c.compare.Report(); len(r.Protocols) > 1 {
		p.Compare = compared(r, l)
	}
	return p
}

// compared is the comparison where both POP3 and IMAP were seen.
func compared(r compare.Report, l explain.Lang) *CompareView {
	v := &CompareView{Title: explain.Say("ui.compare.title", l), Table: Table{Head: explain.Columns("ui.compare.head", l)},
		Notes: compare.Notes(r.Protocols, l)}
	row := func(id string, s compare.Session) {
		v.Table.Rows = append(v.Table.Rows, strs(id, strings.ToUpper(string(s.Protocol)), s.RoundTrips, s.BytesClient,
			s.BytesServer, render.Duration(s.Open), render.Duration(s.Idle), s.Downloaded, s.Again))
	}
	for _, s := range r.Sessions {
		row(strconv.Itoa(s.ID), s)
	}
	for _, p := range r.Protocols {
		row(explain.Say("ui.compare.all", l), p.Session)
	}
	return v
}

func policy() string {
	// Nothing is loaded: no script, no font, no frame, no remote image;
	// only the page's own style and inline data.
	return "default-src 'none'; style-src " + styleSource + "; img-src data:; base-uri 'none'; form-action 'none'"
}

// write executes the template on p, in l.
func write(w io.Writer, p Page, l explain.Lang) error {
	say := func(key string) string { return explain.Say(key, l) }
	t, err := template.New("page").Funcs(template.FuncMap{
		"say":  say,
		"sayf": func(key string, args ...any) string { return fmt.Sprintf(say(key), args...) },
		"cols": func(key string) []string { return explain.Columns(key, l) },
	}).Parse(pageTemplate)
	if err != nil {
		return err
	}
	return t.Execute(w, p)
}

// columns is a table's header in l, from the catalog's "|"-separated
// list.
func strs(vs ...any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprint(v)
	}
	return out
}

// action says a hop's action (sent, read, stored) in l.
func action(a string, l explain.Lang) string {
	if t := explain.Say("ui.report.action."+a, l); t != "" {
		return t
	}
	return a
}
