package report

import (
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// TestChartBars: bars are as long as their value against the largest,
// largest first, inside the chart, one under the other, and at most
// maxBars of them.
func TestChartBars(t *testing.T) {
	var bars []Bar
	for i := range 20 {
		bars = append(bars, intBar("verb", int64(i*10), "smtp"))
	}
	c := newChart("t", bars)
	if len(c.Bars) != maxBars {
		t.Fatalf("%d bars", len(c.Bars))
	}
	longest := c.Bars[0].W
	for i, b := range c.Bars {
		if b.Value != float64((19-i)*10) {
			t.Errorf("bar %d is %v: not largest first", i, b.Value)
		}
		if want := int(b.Value / 190 * float64(longest)); b.W < want-1 || b.W > want+1 {
			t.Errorf("bar %v is %d long, want about %d", b.Value, b.W, want)
		}
		if b.ValueX+len(b.Text)*CharWidth10/10 > c.Width || b.Y+b.H > c.Height {
			t.Errorf("bar %d runs out of the chart", i)
		}
		if i > 0 && b.Y < c.Bars[i-1].Y+c.Bars[i-1].H {
			t.Errorf("bar %d overlaps the one above", i)
		}
	}
}

// TestChartsOfStatistics: replies are grouped by class, SMTP's by their
// first digit, and each chart has what the statistics say.
func TestChartsOfStatistics(t *testing.T) {
	ps := []stats.Protocol{
		{Protocol: "smtp", BytesClient: 100, BytesServer: 300, Commands: map[string]int{"EHLO": 2, "MAIL": 1},
			Replies: map[string]int{"250": 3, "251": 1, "550": 2}, Latency: []stats.Latency{{Verb: "EHLO", Median: 1.5}}},
		{Protocol: "pop3", Commands: map[string]int{"USER": 1}, Replies: map[string]int{"+OK": 4, "-ERR": 1}},
	}
	cs := charts(ps, func(k string) string { return k })
	got := map[string]float64{}
	for _, b := range cs[2].Bars {
		got[b.Label] = b.Value
	}
	want := map[string]float64{"smtp 2xx": 4, "smtp 5xx": 2, "pop3 +OK": 4, "pop3 -ERR": 1}
	if len(got) != len(want) {
		t.Errorf("reply classes %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
	if cs[1].Bars[0].Label != "smtp" || cs[1].Bars[0].Value != 3 {
		t.Errorf("commands %+v", cs[1].Bars)
	}
	if cs[0].Bars[0].Label != "smtp S→C" || cs[3].Bars[0].Text != "1.50" {
		t.Errorf("bytes %+v, latency %+v", cs[0].Bars, cs[3].Bars)
	}
}
