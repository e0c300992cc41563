package report

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// A chart's geometry: a label column, then bars as long as their value
// against the largest, then the value.
const (
	chartWidth  = 440
	chartLabel  = 150 // the labels' column
	chartValue  = 70  // room right of the longest bar for its value
	barHeight   = 14
	barGap      = 6
	maxBars     = 12
	chartMargin = 4
)

// Chart is a horizontal bar chart laid out for SVG.
type Chart struct {
	Title         string
	Width, Height int
	Bars          []Bar
}

// Bar is one bar: its label left of BarX, its value right of its end.
type Bar struct {
	Label      string
	Value      float64
	Text       string // the value as written
	Class      string // the protocol, for its colour
	Y, W, H    int
	BarX       int
	TextY      int
	ValueX     int
	LabelRight int // where the label ends (text-anchor end)
}

// newChart lays out bars, largest first and at most maxBars of them.
func newChart(title string, bars []Bar) Chart {
	slices.SortStableFunc(bars, func(a, b Bar) int { return cmp.Compare(b.Value, a.Value) })
	if len(bars) > maxBars {
		bars = bars[:maxBars]
	}
	largest := 0.0
	for _, b := range bars {
		largest = max(largest, b.Value)
	}
	room := chartWidth - chartLabel - chartValue
	for i := range bars {
		b := &bars[i]
		b.Y = chartMargin + i*(barHeight+barGap)
		b.BarX = chartLabel
		if largest > 0 {
			b.W = int(b.Value / largest * float64(room))
		}
		b.W = max(b.W, 1)
		b.H = barHeight
		b.TextY = b.Y + barHeight - 3
		b.ValueX = b.BarX + b.W + 4
		b.LabelRight = chartLabel - 6
		b.Label = fit(b.Label, (chartLabel-10)*10/CharWidth10)
	}
	return Chart{Title: title, Width: chartWidth, Height: 2*chartMargin + len(bars)*(barHeight+barGap), Bars: bars}
}

// charts are the overview's: bytes, commands, reply classes and latency.
func charts(ps []stats.Protocol, say func(string) string) []Chart {
	var bytes, cmds, replies, latency []Bar
	for _, p := range ps {
		name, class := string(p.Protocol), protocolClass(p.Protocol)
		bytes = append(bytes, intBar(name+" C→S", p.BytesClient, class), intBar(name+" S→C", p.BytesServer, class))
		n := 0
		for _, c := range p.Commands {
			n += c
		}
		cmds = append(cmds, intBar(name, int64(n), class))
		classes := map[string]int{}
		for status, c := range p.Replies {
			classes[replyClass(status)] += c
		}
		for status, c := range classes {
			replies = append(replies, intBar(name+" "+status, int64(c), class))
		}
		for _, l := range p.Latency {
			latency = append(latency, Bar{Label: name + " " + l.Verb, Value: l.Median, Text: strconv.FormatFloat(l.Median, 'f', 2, 64), Class: class})
		}
	}
	// Map order is not an order: sort the equal values by label.
	for _, bs := range [][]Bar{replies, latency} {
		slices.SortFunc(bs, func(a, b Bar) int { return cmp.Compare(a.Label, b.Label) })
	}
	return []Chart{
		newChart(say("ui.report.chart.bytes"), bytes),
		newChart(say("ui.report.chart.cmds"), cmds),
		newChart(say("ui.report.chart.reply"), replies),
		newChart(say("ui.report.chart.lat"), latency),
	}
}

func intBar(label string, v int64, class string) Bar {
	return Bar{Label: label, Value: float64(v), Text: strconv.FormatInt(v, 10), Class: class}
}

// replyClass groups a status: SMTP's by its first digit (RFC 5321
// §4.2.1), the others' as they are (+OK, -ERR, OK, NO, BAD).
func replyClass(status string) string {
	if len(status) == 3 && status[0] >= '1' && status[0] <= '5' {
		if _, err := strconv.Atoi(status); err == nil {
			return status[:1] + "xx"
		}
	}
	return status
}

// protocolClass is the CSS class of a protocol's colour: the three known
// ones have their own, any other the default.
func protocolClass(p session.Protocol) string {
	switch p {
	case "smtp", "pop3", "imap":
		return string(p)
	}
	return "other"
}
