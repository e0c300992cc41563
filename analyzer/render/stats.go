package render

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Stats writes the statistics as tables; width, when not 0, is the
// terminal's, and a table wider turns: protocols as columns, measures as
// rows.
func Stats(w io.Writer, c stats.Capture, protos []stats.Protocol, width int, l explain.Lang) error {
	fmt.Fprintf(w, explain.Say("ui.capture", l), explain.Count("ui.n.file", int64(c.Files), l), explain.Count("ui.n.packet", int64(c.Packets), l),
		c.Bytes, explain.Count("ui.n.tcppacket", int64(c.TCPPackets), l), explain.Count("ui.n.connection", int64(c.Connections), l))
	if c.Malformed > 0 || c.UnknownLink > 0 {
		fmt.Fprintf(w, explain.Say("ui.capture.bad", l), c.Malformed, c.UnknownLink)
	}
	if c.Filtered > 0 {
		fmt.Fprintf(w, explain.Say("ui.capture.filtered", l), c.Filtered)
	}
	fmt.Fprintln(w)
	if d := c.Delivery; d != nil {
		fmt.Fprintf(w, explain.Say("ui.clickhouse", l)+"\n", Escape(d.URL), d.Rows, d.Batches, d.Retries, d.Spooled, d.FromSpool, d.LeftInSpool)
	}
	if len(protos) == 0 {
		fmt.Fprintln(w, explain.Say("ui.nosessions", l))
		return nil
	}
	header := heading("ui.stats.head", l)
	var rows [][]any
	for _, p := range protos {
		rows = append(rows, []any{strings.ToUpper(string(p.Protocol)), p.Sessions, p.TLSImplicit, p.StartTLS, p.BytesClient, p.BytesServer,
			p.AuthOK, p.AuthFailed, p.Messages, p.MessageBytes, fmt.Sprintf("%d (%d B)", p.Gaps, p.GapBytes), p.Anomalies})
	}
	if err := fitTable(w, header, rows, width); err != nil {
		return err
	}
	if err := findingsTable(w, protos, l); err != nil {
		return err
	}
	for _, p := range protos {
		name := strings.ToUpper(string(p.Protocol))
		if len(p.Commands) > 0 {
			fmt.Fprintf(w, "\n"+explain.Say("ui.stats.commands", l)+"\n", name)
			t := newTable(w)
			t.Header(heading("ui.stats.commands.head", l)...)
			lat := map[string]stats.Latency{}
			for _, l := range p.Latency {
				lat[l.Verb] = l
			}
			for _, v := range sortedKeys(p.Commands) {
				med, p95 := "-", "-"
				if l, ok := lat[v]; ok {
					med, p95 = ms(l.Median), ms(l.P95)
					if l.Approximate {
						med, p95 = "~"+med, "~"+p95 // from buckets 1% wide
					}
				}
				if err := t.Append(Escape(v), p.Commands[v], med, p95); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
		}
		if len(p.Replies) > 0 {
			fmt.Fprintf(w, "\n"+explain.Say("ui.stats.replies", l)+"\n", name)
			t := newTable(w)
			t.Header(heading("ui.stats.replies.head", l)...)
			for _, v := range sortedKeys(p.Replies) {
				label := v
				if label == "" {
					label = "(none)"
				}
				if err := t.Append(Escape(label), p.Replies[v]); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
		}
	}
	return nil
}

// findingsTable counts the findings of each kind per protocol.
func findingsTable(w io.Writer, protos []stats.Protocol, l explain.Lang) error {
	any := false
	for _, p := range protos {
		any = any || len(p.Findings) > 0
	}
	if !any {
		return nil
	}
	fmt.Fprintf(w, "\n%s\n", explain.Say("ui.stats.findings", l))
	t := newTable(w)
	t.Header(heading("ui.stats.findings.head", l)...)
	for _, p := range protos {
		for _, k := range sortedKeys(p.Findings) {
			if err := t.Append(strings.ToUpper(string(p.Protocol)), k, p.Findings[k]); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

// heading is a table's column names in l, from the catalog's
// "|"-separated list.
// heading is a table's column headings as Printf's arguments.
func heading(key string, l explain.Lang) []any {
	var out []any
	for _, c := range explain.Columns(key, l) {
		out = append(out, c)
	}
	return out
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fitTable writes a table of header and rows, turned (the header down
// the first column, a column per row) when it would be wider than width.
func fitTable(w io.Writer, header []any, rows [][]any, width int) error {
	var buf bytes.Buffer
	t := newTable(&buf)
	t.Header(header...)
	for _, r := range rows {
		if err := t.Append(r...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if width == 0 || widest(buf.String()) <= width {
		_, err := w.Write(buf.Bytes())
		return err
	}
	t = newTable(w)
	turned := []any{header[0]}
	for _, r := range rows {
		turned = append(turned, r[0])
	}
	t.Header(turned...)
	for i := 1; i < len(header); i++ {
		row := []any{header[i]}
		for _, r := range rows {
			row = append(row, r[i])
		}
		if err := t.Append(row...); err != nil {
			return err
		}
	}
	return t.Render()
}

func widest(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n = max(n, runewidth.StringWidth(l))
	}
	return n
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
}
