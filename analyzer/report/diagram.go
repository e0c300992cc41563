package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The diagram's geometry, in SVG user units (pixels at 100%). Text is set
// in a 12 px monospace font, whose columns are at most CharWidth10/10 wide, so
// a label of n columns takes at most n*CharWidth10/10.
const (
	Width      = 900
	ClientX    = 110 // the client's lifeline; times are right of 0, left of it
	ServerX    = 880 // the server's lifeline
	top        = 34  // below the lifelines' names
	rowHeight  = 24
	lineHeight = 15
	// CharWidth10 is a column's width in tenths of a unit: 7.3.
	CharWidth10 = 73
	boxInset    = 24 // a message box's margin from the lifelines
	maxBoxLine  = 10 // lines of one message box
	maxBoxMsgs  = 3  // messages drawn in one box
)

// LabelColumns is the widest an arrow's label may be, in columns.
const LabelColumns = (ServerX - ClientX - 24) * 10 / CharWidth10

// boxColumns is the widest a line in a message box may be.
const boxColumns = (ServerX - ClientX - 2*boxInset - 16) * 10 / CharWidth10

// Diagram is a session drawn as a sequence diagram: the client's lifeline
// on the left, the server's on the right, one row per arrow or mark in
// the order they crossed. Every position is computed here, so the
// template only writes them out and tests can check them.
type Diagram struct {
	Width, Height int
	ClientX       int
	ServerX       int
	Client        string // the lifelines' names
	Server        string
	Rows          []Row
	// TLSFrom is where the encrypted part starts (0: none); it runs to
	// the bottom, TLSHeight high and as wide as between the lifelines.
	TLSFrom, TLSHeight, TLSWidth int
	// The lifelines run from LifeTop to LifeBottom; times end at TimeX and
	// the server's name at NameRight.
	LifeTop, LifeBottom, TimeX, NameRight int
	// Commands and Replies count the arrows of each kind drawn.
	Commands, Replies int
}

// Row kinds, also the CSS classes of their SVG groups.
const (
	RowCommand = "cmd"
	RowReply   = "reply"
	RowData    = "data" // untagged data at its own time
	RowTLS     = "tls"
	RowGap     = "gap"
	RowAnomaly = "anomaly"
	RowBox     = "box" // the messages the arrow above carried
	RowMore    = "more"
)

// Row is one band of the diagram, from Y to Y+H.
type Row struct {
	Kind string
	Y, H int
	Time string // seconds since the session began, drawn left of the client
	// Label is drawn (cut to fit); Title is the whole text, shown on hover.
	Label string
	Title string
	// Meaning is a reply's (render.ReplyMeaning), a CSS class that
	// colours it: green, cyan, yellow or red.
	Meaning string
	// Explained says Title holds what the line means: the label is
	// marked as something to hover for.
	Explained bool
	// ID anchors the row; Answers is the ID of the command a reply
	// answers.
	ID, Answers string
	// An arrow runs from X1 to X2 at LineY; Head is its arrowhead's points.
	X1, X2, LineY int
	Head          string
	TextX, TextY  int
	// A box's rectangle.
	RectX, RectY, RectW, RectH int
	Lines                      []BoxLine // a box's text
}

// BoxLine is one line of a message box.
type BoxLine struct {
	Y    int
	Text string
}

// MaxRows bounds a diagram: a session of a million commands is listed,
// not drawn.
const MaxRows = 600

// Budget is what diagrams may still draw: rows, bytes of hover text and
// bytes of explanations. A page shares one among all its diagrams, so
// that its size, and the browser's work, stay within a bound whatever the
// capture holds: a row costs a few hundred bytes of SVG however few bytes
// of the capture it stands for.
type Budget struct{ Rows, Titles, Explained int }

// The bounds of one page (docs/report.md): 6 000 rows open in a browser
// in about a second.
const (
	MaxPageRows      = 6000
	maxPageTitles    = 1 << 20
	maxPageExplained = 1 << 20
)

// PageBudget is a whole page's budget.
func PageBudget() Budget {
	return Budget{Rows: MaxPageRows, Titles: maxPageTitles, Explained: maxPageExplained}
}

// Layout draws session s, in l, as a diagram of its own.
func Layout(s *session.Session, l explain.Lang) Diagram {
	b := Budget{Rows: MaxRows, Titles: maxTitles, Explained: maxExplained}
	return LayoutWithin(s, l, &b)
}

// LayoutWithin draws session s, in l, within what is left of b, and takes
// what it drew from b. With no rows left, it draws only the row that says
// how many steps were left out.
func LayoutWithin(s *session.Session, l explain.Lang, b *Budget) Diagram {
	maxRows := min(MaxRows, b.Rows)
	d := Diagram{Width: Width, ClientX: ClientX, ServerX: ServerX,
		Client: fit(fmt.Sprintf(explain.Say("ui.report.client", l), s.Client), 58),
		Server: fit(fmt.Sprintf(explain.Say("ui.report.server", l), s.Server), 58)}
	y := top
	add := func(r Row) {
		r.Y = y
		y += r.H
		d.Rows = append(d.Rows, r)
	}
	items := merge(render.Steps(s, l), s.Anomalies)
	cat := explain.Default()
	explained := explanations{left: min(maxExplained, b.Explained)}
	// What each command was, as drawn, for the replies' titles.
	said := map[int]string{}
	for _, it := range items {
		if it.anomaly == nil && it.step.Kind == render.StepCommand {
			said[it.step.Exchange] = it.step.Text
		}
	}
	for i, it := range items {
		if len(d.Rows) >= maxRows {
			add(Row{Kind: RowMore, H: rowHeight, Label: fmt.Sprintf(explain.Say("ui.report.more", l), len(items)-i, s.ID)})
			break
		}
		at := seconds(it.time().Sub(s.Start))
		if a := it.anomaly; a != nil {
			text := "⚠ " + render.Escape(render.Said(a.Text, a.Key, a.Args, l))
			add(Row{Kind: RowAnomaly, H: rowHeight, Time: at, Label: fit(text, LabelColumns), Title: text})
			continue
		}
		st := it.step
		switch st.Kind {
		case render.StepCommand:
			r := arrow(RowCommand, at, st.Text, st.Text, fmt.Sprintf("s%d-e%d-c", s.ID, st.Exchange), "")
			explained.add(&r, cat.Command(s.Protocol, s.Exchanges[st.Exchange].Command), l)
			add(r)
			d.Commands++
			if len(st.Messages) > 0 {
				add(box(s, st.Messages, l))
			}
		case render.StepReply, render.StepData:
			e := s.Exchanges[st.Exchange]
			label, title := st.Text, st.Text
			if st.Label != "" {
				// The label says which command failed: the text gives
				// way to it.
				label = fit(label, max(8, LabelColumns-2-runewidth.StringWidth(st.Label))) + "  " + st.Label
			}
			if st.Kind == render.StepReply && len(e.Response.Lines) > 1 {
				title = joinLines(e.Response.Lines)
			}
			if d := e.Response.Decoded; d != "" && st.Kind == render.StepReply {
				// What a SASL challenge asks ("Username:") is the point.
				label += "   [" + render.Escape(d) + "]"
				title += "\n[" + render.Escape(d) + "]"
			}
			kind, id, answers := RowData, "", ""
			if st.Kind == render.StepReply {
				kind, id = RowReply, fmt.Sprintf("s%d-e%d-r", s.ID, st.Exchange)
				d.Replies++
				if e.Command != nil {
					sent := render.SentBy(s, st.Exchange)
					answers = fmt.Sprintf("s%d-e%d-c", s.ID, sent)
					title += "\n" + fmt.Sprintf(explain.Say("ui.report.answers", l), said[sent])
				}
			}
			r := arrow(kind, at, label, title, id, answers)
			if kind == RowReply {
				r.Meaning = render.ReplyMeaning(e.Response.Status)
				explained.add(&r, cat.Reply(s.Protocol, e.Command, e.Response), l)
			}
			add(r)
			if len(st.Messages) > 0 {
				add(box(s, st.Messages, l))
			}
		case render.StepTLS:
			text := st.Text
			if d.TLSFrom == 0 {
				d.TLSFrom = y
			}
			add(Row{Kind: RowTLS, H: rowHeight, Time: at, Label: fit(text, LabelColumns), Title: text})
		case render.StepGap:
			text := "!! " + st.Text
			add(Row{Kind: RowGap, H: rowHeight, Time: at, Label: fit(text, LabelColumns), Title: text})
		}
	}
	titles := boundTitles(d.Rows, min(maxTitles, b.Titles))
	b.Rows -= min(b.Rows, len(d.Rows))
	b.Titles -= min(b.Titles, titles)
	b.Explained -= explained.used
	for i := range d.Rows {
		place(&d.Rows[i])
	}
	d.Height = y + 12
	d.LifeTop, d.LifeBottom, d.TimeX, d.NameRight = top-10, d.Height-4, ClientX-10, Width-8
	if d.TLSFrom > 0 {
		d.TLSHeight, d.TLSWidth = d.LifeBottom-d.TLSFrom, ServerX-ClientX
	}
	return d
}

// Bounds on the hover text of a diagram, so that the page stays in
// proportion to what it draws whatever the capture holds: a row's title
// shows at most maxTitle bytes (a reply of thousands of lines, a line of
// 64 KiB), and a diagram's titles together at most maxTitles, past which
// a title is its first line, cut; --follow and the timeline have it all.
const (
	maxTitle  = 2 << 10
	maxTitles = 256 << 10
	cutTitle  = 160
)

// boundTitles cuts the rows' titles to their bounds, in order, the
// titles together to budget, and says how many bytes they kept.
func boundTitles(rows []Row, budget int) int {
	total := 0
	for i := range rows {
		t := rows[i].Title
		limit := maxTitle
		if total+len(t) > budget {
			if j := strings.IndexByte(t, '\n'); j >= 0 {
				t = t[:j]
			}
			limit = cutTitle
			rows[i].Explained = false // the explanation went with the rest
		}
		if len(t) > limit {
			t = cutUTF8(t, limit) + "…"
		}
		rows[i].Title = t
		total += len(t)
	}
	return total
}

// cutUTF8 is s cut to at most n bytes, not inside a character.
func cutUTF8(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// maxExplained bounds the explanation text one diagram carries in its
// arrows' titles: past it, arrows go without.
const maxExplained = 64 << 10

// explanations put what a command or reply means into its arrow's title,
// shown on hover, and mark the arrow (Explained) so a reader sees there
// is something to hover for; at most left bytes in all.
type explanations struct{ left, used int }

func (x *explanations) add(r *Row, ts []explain.Text, l explain.Lang) {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString("\n↳ ")
		b.WriteString(t.In(l))
	}
	if b.Len() == 0 || x.used+b.Len() > x.left {
		return
	}
	x.used += b.Len()
	r.Title += b.String()
	r.Explained = true
}

// item is a step or an anomaly, for merging the two by time.
type item struct {
	step    render.Step
	anomaly *session.Anomaly
}

func (it item) time() time.Time {
	if it.anomaly != nil {
		return it.anomaly.Time
	}
	return it.step.Time
}

// merge puts the anomalies among the steps by time; at the same time the
// step comes first, as the anomaly is about what crossed.
func merge(steps []render.Step, anomalies []session.Anomaly) []item {
	items := make([]item, 0, len(steps)+len(anomalies))
	for _, st := range steps {
		items = append(items, item{step: st})
	}
	for i := range anomalies {
		items = append(items, item{anomaly: &anomalies[i]})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].time().Before(items[j].time()) })
	return items
}

func arrow(kind, at, label, title, id, answers string) Row {
	r := Row{Kind: kind, H: rowHeight, Time: at, Label: fit(label, LabelColumns), Title: title, ID: id, Answers: answers,
		X1: ClientX, X2: ServerX}
	if kind != RowCommand {
		r.X1, r.X2 = ServerX, ClientX
	}
	return r
}

// box is the summary of the messages an arrow carried.
func box(s *session.Session, msgs []int, l explain.Lang) Row {
	var lines []string
	for n, i := range msgs {
		if n == maxBoxMsgs {
			lines = append(lines, fmt.Sprintf(explain.Say("ui.report.moremsgs", l), len(msgs)-n))
			break
		}
		m := s.Messages[i]
		lines = append(lines, fmt.Sprintf(explain.Say("ui.report.messagebox", l), m.Size)+render.MessageState(m, l))
		lines = append(lines, render.MessageFields(m, l)...)
		lines = append(lines, render.PartLines(m, l)...)
	}
	if len(lines) > maxBoxLine {
		lines = append(lines[:maxBoxLine-1], "…")
	}
	r := Row{Kind: RowBox, H: len(lines)*lineHeight + 12, Title: joinLines(lines)}
	for _, text := range lines {
		r.Lines = append(r.Lines, BoxLine{Text: fit(text, boxColumns)})
	}
	return r
}

// place computes where a row's parts go inside its band.
func place(r *Row) {
	r.TextY = r.Y + 13
	r.LineY = r.Y + 18
	switch r.Kind {
	case RowCommand, RowReply, RowData:
		r.TextX = (ClientX + ServerX) / 2
		tip, back := r.X2, r.X2-8
		if r.X2 < r.X1 {
			back = r.X2 + 8
		}
		r.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", tip, r.LineY, back, r.LineY-4, back, r.LineY+4)
	case RowBox:
		r.X1, r.X2 = ClientX+boxInset, ServerX-boxInset
		r.TextX = r.X1 + 8
		r.RectX, r.RectY, r.RectW, r.RectH = r.X1, r.Y+3, r.X2-r.X1, r.H-6
		for i := range r.Lines {
			r.Lines[i].Y = r.Y + 4 + (i+1)*lineHeight - 3
		}
	default:
		r.TextX = (ClientX + ServerX) / 2
	}
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// fit cuts s to n columns, marking the cut.
func fit(s string, n int) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	return runewidth.Truncate(s, n, "…")
}

func joinLines(lines []string) string {
	// Only what a title can show is joined: a reply may be thousands of
	// lines of kilobytes.
	var b strings.Builder
	for i, l := range lines {
		if b.Len() > maxTitle {
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(render.Escape(l[:min(len(l), maxTitle+1)]))
	}
	return b.String()
}
