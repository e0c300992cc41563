package report_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/report"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/reassembly"
)

// captures are the samples and, when present, the public captures.
func captures(t *testing.T) []string {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	return append(files, public...)
}

// sessions reads a capture into its sessions, or nil if it cannot be read.
func sessions(path string) []*session.Session {
	var out []*session.Session
	tr := analyzer.NewTracker(analyzer.DefaultOptions(), sink.Ended(func(s *session.Session) { out = append(out, s) }))
	rd := reassembly.NewReader(reassembly.DefaultOptions(), tr, nil)
	if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: path}}); err != nil {
		return nil // damaged public files are another test's business
	}
	tr.Finish()
	return out
}

// TestLayoutOfEverySession: in every diagram of every sample and public
// capture rows follow each other without overlapping, inside the
// picture; every label fits between the lifelines; there is an arrow per
// command and per reply, and every reply points at its command's arrow.
func TestLayoutOfEverySession(t *testing.T) {
	for _, path := range captures(t) {
		for _, s := range sessions(path) {
			d := report.Layout(s, explain.English)
			if msg := checkLayout(s, d); msg != "" {
				t.Errorf("%s session %d: %s", filepath.Base(path), s.ID, msg)
			}
		}
	}
}

func checkLayout(s *session.Session, d report.Diagram) string {
	commands, replies := 0, 0
	for _, e := range s.Exchanges {
		if e.Command != nil && !e.Command.Again { // an LMTP recipient's reply: the data is drawn once
			commands++
		}
		if e.Response != nil && len(e.Response.Lines) > 0 {
			replies++
		}
	}
	ids := map[string]bool{}
	y := 0
	var drawnCmds, drawnReplies int
	for i, r := range d.Rows {
		if r.Y < y {
			return "row " + r.Kind + " overlaps the one before"
		}
		if r.H <= 0 {
			return "row without height"
		}
		y = r.Y + r.H
		if w := runeWidth(r.Label) * report.CharWidth10 / 10; w > d.ServerX-d.ClientX {
			return "label wider than the lifelines are apart: " + r.Label
		}
		for _, l := range r.Lines {
			if l.Y <= r.Y || l.Y > r.Y+r.H {
				return "a box's line outside its box"
			}
			if runeWidth(l.Text)*report.CharWidth10/10 > r.RectW {
				return "a box's line wider than its box: " + l.Text
			}
		}
		switch r.Kind {
		case report.RowCommand:
			drawnCmds++
			ids[r.ID] = true
			if r.X1 != d.ClientX || r.X2 != d.ServerX {
				return "a command not from client to server"
			}
		case report.RowReply:
			drawnReplies++
			if r.Answers != "" && !ids[r.Answers] && !answeredLater(d.Rows[i+1:], r.Answers) {
				return "reply " + r.ID + " answers no command: " + r.Answers
			}
			fallthrough
		case report.RowData:
			if r.X1 != d.ServerX || r.X2 != d.ClientX {
				return "a reply not from server to client"
			}
		}
		if r.LineY != 0 && (r.LineY < r.Y || r.LineY > r.Y+r.H) {
			return "an arrow outside its row"
		}
	}
	if y > d.Height || d.LifeBottom > d.Height {
		return "rows run past the picture"
	}
	if len(d.Rows) < report.MaxRows {
		if drawnCmds != commands || drawnReplies != replies {
			return "arrows do not match the exchanges"
		}
	}
	if d.Commands != drawnCmds || d.Replies != drawnReplies {
		return "the counts say otherwise than the rows"
	}
	return ""
}

// answeredLater: a reply may be captured before its command (a server
// that answers what it reads ahead); the command's arrow is then below.
func answeredLater(rows []report.Row, id string) bool {
	for _, r := range rows {
		if r.ID == id {
			return true
		}
	}
	return false
}

func runeWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 {
			n++ // wide at most twice
		}
	}
	return n
}

// TestDiagramsArePipelinedAsSent: in the sample of AUTH LOGIN with
// PIPELINING, MAIL, RCPT and DATA go before their replies, and each
// reply says which command it answers.
func TestDiagramsArePipelinedAsSent(t *testing.T) {
	ss := sessions("../../samples/smtp-auth-attachment.pcapng")
	if len(ss) != 1 {
		t.Fatalf("want one session, got %d", len(ss))
	}
	d := report.Layout(ss[0], explain.English)
	var kinds []string
	for _, r := range d.Rows {
		if r.Kind == report.RowCommand || r.Kind == report.RowReply {
			label := r.Label
			if i := strings.IndexByte(label, ' '); i > 0 {
				label = label[:i]
			}
			kinds = append(kinds, r.Kind+":"+label)
		}
	}
	got := strings.Join(kinds, " ")
	want := "cmd:MAIL cmd:RCPT cmd:DATA reply:250 reply:250 reply:354"
	if !strings.Contains(got, want) {
		t.Errorf("want %q in %q", want, got)
	}
	var labels []string
	for _, r := range d.Rows {
		if strings.Contains(r.Label, "← ") {
			labels = append(labels, r.Label[strings.Index(r.Label, "← "):])
		}
	}
	if strings.Join(labels, ",") != "← MAIL,← RCPT,← DATA" {
		t.Errorf("reply labels %q", labels)
	}
}

// TestLayoutBoundsABigSession: a session of more steps than a diagram
// holds is cut with a row that says how many were left out.
func TestLayoutBoundsABigSession(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &session.Session{ID: 7, Protocol: "smtp", Start: t0}
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		e := &session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: "NOOP", Line: "NOOP", Time: at}}
		e.Answer(&session.Response{Status: "250", Lines: []string{"250 ok"}, Time: at})
		s.Exchanges = append(s.Exchanges, e)
	}
	d := report.Layout(s, explain.English)
	if len(d.Rows) != report.MaxRows+1 {
		t.Fatalf("%d rows, want %d", len(d.Rows), report.MaxRows+1)
	}
	last := d.Rows[len(d.Rows)-1]
	if last.Kind != report.RowMore || !strings.Contains(last.Label, "1400 more steps") || !strings.Contains(last.Label, "--session 7") {
		t.Errorf("last row %+v", last)
	}
}

// TestPageIsSafeAndSelfContained: the report of every sample parses as
// HTML with no script, no event handler attribute, nothing loaded from
// elsewhere, and a policy that forbids it; every drawn session has its
// diagram.
func TestPageIsSafeAndSelfContained(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	for _, path := range files {
		page := render(t, sessions(path), 100)
		doc, err := html.Parse(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		var policy string
		sections, svgs := 0, 0
		walk(doc, func(n *html.Node) {
			switch n.Data {
			case "script", "iframe", "object", "embed", "img", "link", "base", "form":
				t.Errorf("%s: element <%s>", path, n.Data)
			case "meta":
				if attr(n, "http-equiv") == "Content-Security-Policy" {
					policy = attr(n, "content")
				}
			case "section":
				if strings.Contains(attr(n, "class"), "session") {
					sections++
				}
			case "svg":
				if strings.Contains(attr(n, "class"), "seq") {
					svgs++
				}
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: event handler %s", path, a.Key)
				}
				if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "#") {
					t.Errorf("%s: link out of the page: %s", path, a.Val)
				}
			}
		})
		if !strings.HasPrefix(policy, "default-src 'none'") || strings.Contains(policy, "script-src") {
			t.Errorf("%s: policy %q", path, policy)
		}
		if n := len(sessions(path)); sections != n || svgs != n {
			t.Errorf("%s: %d sessions, %d sections, %d diagrams", path, n, sections, svgs)
		}
	}
}

// TestPageDrawsTheFirstSessions: past --diagrams, sessions are listed
// without a diagram and the page says so.
func TestPageDrawsTheFirstSessions(t *testing.T) {
	var all []*session.Session
	for _, p := range []string{"pop3", "imap", "smtp1"} {
		all = append(all, sessions("../../samples/"+p+".pcapng")...)
	}
	for i, s := range all {
		s.ID = i + 1
	}
	page := string(render(t, all, 2))
	if got := strings.Count(page, `<section class="session"`); got != 2 {
		t.Errorf("%d diagrams, want 2", got)
	}
	if !strings.Contains(page, "Sessions after the first 2 are listed") {
		t.Error("no word of the sessions not drawn")
	}
	if got := strings.Count(page, "<tr><td class=\"n\">"); got != len(all) {
		t.Errorf("%d sessions listed, want %d", got, len(all))
	}
}

func render(t *testing.T, ss []*session.Session, diagrams int) []byte {
	t.Helper()
	var buf bytes.Buffer
	r := report.New(&buf, report.Options{Lang: explain.English, Diagrams: diagrams})
	for _, s := range ss {
		r.SessionEnded(s)
	}
	if err := r.CaptureFinished(stats.Capture{Files: 1}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func walk(n *html.Node, f func(*html.Node)) {
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestTitlesBounded: hover text stays in proportion to what a diagram
// draws: a command line of 60 KB and a reply of 10 000 long lines, each
// pipelined many times, give titles of at most a few KiB each and 256 KiB
// and a line a row in all.
func TestTitlesBounded(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	s := &session.Session{ID: 1, Protocol: "smtp", Client: "127.0.0.1:1", Server: "127.0.0.1:25", Start: t0}
	long := strings.Repeat("x", 60000)
	var lines []string
	for i := range 10000 {
		lines = append(lines, fmt.Sprintf("250-%d %s", i, strings.Repeat("y", 1000)))
	}
	lines = append(lines, "250 end")
	for i := range 300 {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		s.Exchanges = append(s.Exchanges, &session.Exchange{
			Command:  &session.Command{Kind: session.KindCommand, Verb: "NOOP", Args: long, Line: "NOOP " + long, Time: at},
			Response: &session.Response{Status: "250", Lines: lines, Time: at.Add(time.Microsecond)}})
	}
	d := report.Layout(s, explain.English)
	total := 0
	for _, r := range d.Rows {
		if len(r.Title) > 2<<10+3 {
			t.Fatalf("a title of %d bytes", len(r.Title))
		}
		total += len(r.Title)
	}
	if max := 256<<10 + len(d.Rows)*(160+3); total > max || total == 0 {
		t.Errorf("%d bytes of titles in %d rows, want at most %d", total, len(d.Rows), max)
	}
}
