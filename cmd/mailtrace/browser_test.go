//go:build browser

// The report in a real browser: `make browser` installs Debian's
// chromium and runs these tests, which drive it headless over the
// DevTools protocol (chromedp).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium with no way to reach the network
// (the flags the machine's own checks use) and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no Chromium at %s (make browser installs Debian's): %v", exe, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	if err := chromedp.Do(ctx); err != nil { // start it
		t.Fatal(err)
	}
	return ctx
}

// visit is what a page did while it loaded.
type visit struct {
	mu       sync.Mutex
	errors   []string // console errors, exceptions, policy violations
	requests []string // every URL asked for but the page's own
	dialogs  []string
}

func (v *visit) add(list *[]string, s string) {
	v.mu.Lock()
	*list = append(*list, s)
	v.mu.Unlock()
}

// open loads file in a new tab of the browser, and returns the tab and
// what the page did.
func open(t *testing.T, parent context.Context, file string) (context.Context, *visit, time.Duration) {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + abs
	v := &visit{}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				v.add(&v.errors, fmt.Sprintf("console %s", ev.Type))
			}
		case *runtime.EventExceptionThrown:
			v.add(&v.errors, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				v.add(&v.errors, fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
			}
		case *network.EventRequestWillBeSent:
			if ev.Request.URL != url {
				v.add(&v.requests, ev.Request.URL)
			}
		case *page.EventJavascriptDialogOpening:
			v.add(&v.dialogs, ev.Message)
		}
	}))
	t.Cleanup(cancel)
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	return ctx, v, time.Since(start)
}

func (v *visit) check(t *testing.T) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, e := range v.errors {
		t.Errorf("console: %s", e)
	}
	for _, r := range v.requests {
		t.Errorf("network request: %s", r)
	}
	for _, d := range v.dialogs {
		t.Errorf("a dialog opened: %q", d)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// screenshots is where the pages' pictures go: $MAILTRACE_SCREENSHOTS,
// else bin/screenshots.
func screenshots(t *testing.T) string {
	dir := os.Getenv("MAILTRACE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// arrows counts, per session of the page, the arrows drawn for commands
// and for replies.
const arrows = `Array.from(document.querySelectorAll("section.session")).map(s => ({
	id: s.id,
	commands: s.querySelectorAll("svg.seq g.arrow.cmd").length,
	replies: s.querySelectorAll("svg.seq g.arrow.reply").length,
	width: s.querySelector("svg.seq").getBoundingClientRect().width}))`

type drawn struct {
	ID       string  `json:"id"`
	Commands int     `json:"commands"`
	Replies  int     `json:"replies"`
	Width    float64 `json:"width"`
}

// TestBrowserReportOfEverySample: every sample's report loads with no
// console error and no network request; every session has its diagram
// with an arrow per command and per reply that read --json gives; a
// screenshot of each is kept.
func TestBrowserReportOfEverySample(t *testing.T) {
	ctx := browser(t)
	shots := screenshots(t)
	for _, sample := range samples(t) {
		name := strings.TrimSuffix(filepath.Base(sample), ".pcapng")
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), name+".html")
			if _, stderr, err := runCLI(t, nil, "report", "-o", file, sample); err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			want := exchangesOf(t, sample)
			tab, v, _ := open(t, ctx, file)
			got := eval[[]drawn](t, tab, arrows)
			if len(got) != len(want) {
				t.Fatalf("%d diagrams, %d sessions", len(got), len(want))
			}
			for i, d := range got {
				if d.ID != fmt.Sprintf("s%d", want[i].id) || d.Commands != want[i].commands || d.Replies != want[i].replies {
					t.Errorf("diagram %+v, session %+v", d, want[i])
				}
				if d.Width < 800 {
					t.Errorf("diagram %s is %.0f px wide", d.ID, d.Width)
				}
			}
			checkLayout(t, tab)
			// The style applied, under the page's own policy.
			if font := eval[string](t, tab, `getComputedStyle(document.querySelector("svg.seq g.arrow text.label")).fontFamily`); !strings.Contains(font, "Mono") {
				t.Errorf("diagram text in %q: the style did not apply", font)
			}
			png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			v.check(t)
		})
	}
}

type counts struct{ id, commands, replies int }

// exchangesOf counts each session's commands and replies in read --json.
func exchangesOf(t *testing.T, sample string) []counts {
	out, _, err := runCLI(t, nil, "read", "--json", sample)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sessions []struct {
			ID        int `json:"id"`
			Exchanges []struct {
				Command *struct {
					Again bool `json:"again"` // an LMTP recipient's reply: the data is drawn once
				} `json:"command"`
				Response *struct {
					Lines []string `json:"lines"`
				} `json:"response"`
			} `json:"exchanges"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var cs []counts
	for _, s := range doc.Sessions {
		c := counts{id: s.ID}
		for _, e := range s.Exchanges {
			if e.Command != nil && !e.Command.Again {
				c.commands++
			}
			if e.Response != nil && len(e.Response.Lines) > 0 {
				c.replies++
			}
		}
		cs = append(cs, c)
	}
	return cs
}

// TestBrowserHostileMarkup: the report of a capture full of markup runs
// nothing, loads nothing, and the DOM holds every piece as text.
func TestBrowserHostileMarkup(t *testing.T) {
	ctx := browser(t)
	file := filepath.Join(t.TempDir(), "hostile.html")
	if _, stderr, err := runCLI(t, nil, "report", "-o", file, hostileHTML(t)); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	tab, v, _ := open(t, ctx, file)
	if n := eval[int](t, tab, `document.querySelectorAll("script, img, iframe, link, [onerror], [onload]").length`); n != 0 {
		t.Errorf("%d elements the capture made", n)
	}
	text := eval[string](t, tab, `document.body.textContent`)
	for _, m := range markup {
		if !strings.Contains(text, m) {
			t.Errorf("%q is not in the page's text", m)
		}
	}
	if n := eval[int](t, tab, `document.querySelectorAll("section.session svg.seq").length`); n != 2 {
		t.Errorf("%d diagrams, want 2", n)
	}
	v.check(t)
}

// checkLayout: the page opens with what a reader came for, the findings
// and the sessions, before the statistics; nothing is wider than the
// 1280 px window.
func checkLayout(t *testing.T, tab context.Context) {
	t.Helper()
	order := eval[[]string](t, tab, `Array.from(document.querySelectorAll("main > section[id]")).map(s => s.id).filter(id => ["overview","findings","sessions","statistics","charts"].includes(id))`)
	rank := map[string]int{}
	for i, id := range order {
		rank[id] = i
	}
	if _, ok := rank["sessions"]; !ok {
		t.Fatalf("no session list in %v", order)
	}
	for _, late := range []string{"statistics", "charts"} {
		if r, ok := rank[late]; ok && r < rank["sessions"] {
			t.Errorf("%s before the sessions: %v", late, order)
		}
		if r, ok := rank[late]; ok && rank["findings"] > r {
			t.Errorf("%s before the findings: %v", late, order)
		}
	}
	if over := eval[float64](t, tab, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Errorf("the page is %.0f px wider than the 1280 px window", over)
	}
	// A table scrolls within itself rather than widen the page: none
	// should need to.
	if wide := eval[[]string](t, tab, `Array.from(document.querySelectorAll("main table")).filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.closest("section").id + ": " + t.scrollWidth + " px in " + t.clientWidth)`); len(wide) > 0 {
		t.Errorf("tables wider than the page: %v", wide)
	}
}

// TestBrowserReplyColours: in the report of a POP3 session with a -ERR,
// the refusals' arrows are drawn red and the rest are not, as many as
// read --json has refusals.
func TestBrowserReplyColours(t *testing.T) {
	ctx := browser(t)
	sample := filepath.Join("..", "..", "samples", "pop3.pcapng")
	file := filepath.Join(t.TempDir(), "pop3.html")
	// In Spanish, whose headings are the longest.
	if _, stderr, err := runCLI(t, nil, "report", "--lang", "es", "-o", file, sample); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	out, _, err := runCLI(t, nil, "read", "--json", sample)
	if err != nil {
		t.Fatal(err)
	}
	refusals := strings.Count(out, `"status": "-ERR"`)
	if refusals == 0 {
		t.Fatal("the sample has no -ERR to colour")
	}
	tab, v, _ := open(t, ctx, file)
	checkLayout(t, tab)
	// Every arrow says on hover what its line means, marked so a reader
	// knows to hover.
	arrowsN := eval[int](t, tab, `document.querySelectorAll("svg.seq g.arrow").length`)
	explained := eval[int](t, tab, `Array.from(document.querySelectorAll("svg.seq g.arrow.explained")).filter(g => /↳ .*\(RFC \d+/.test(g.querySelector("title").textContent) && getComputedStyle(g.querySelector("text.label")).textDecorationStyle == "dotted").length`)
	if explained == 0 || explained != arrowsN {
		t.Errorf("%d of %d arrows explained and marked", explained, arrowsN)
	}
	colours := eval[[]string](t, tab, `Array.from(document.querySelectorAll("svg.seq g.arrow.reply line")).map(l => l.closest("g").classList.contains("fail") + " " + getComputedStyle(l).stroke)`)
	red, other := 0, 0
	for _, c := range colours {
		fail, stroke, _ := strings.Cut(c, " ")
		switch {
		case fail == "true" && stroke == "rgb(197, 34, 31)":
			red++
		case fail == "true":
			t.Errorf("a refusal drawn %s, not red", stroke)
		case stroke == "rgb(197, 34, 31)":
			t.Errorf("a reply that is no refusal drawn red")
		default:
			other++
		}
	}
	if red != refusals || other == 0 {
		t.Errorf("%d red arrows and %d others; read --json has %d refusals", red, other, refusals)
	}
	v.check(t)
}

// TestBrowserLargeReport: the report of the benchmark corpus
// ($MAILTRACE_LARGE, made by make browser) stays under 4 MB and the
// browser has it laid out within 20 s.
func TestBrowserLargeReport(t *testing.T) {
	corpus := os.Getenv("MAILTRACE_LARGE")
	if corpus == "" {
		t.Skip("MAILTRACE_LARGE names no corpus (make browser makes one)")
	}
	file := filepath.Join(t.TempDir(), "large.html")
	if _, stderr, err := runCLI(t, nil, "report", "-q", "-o", file, corpus); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	const maxSize = 4 << 20
	if st.Size() > maxSize {
		t.Errorf("report of %s is %d bytes, over %d", corpus, st.Size(), maxSize)
	}
	ctx := browser(t)
	tab, v, took := open(t, ctx, file)
	height := eval[float64](t, tab, `document.documentElement.scrollHeight`)
	rows := eval[int](t, tab, `document.querySelectorAll("table.list tr").length - 1`)
	drawn := eval[int](t, tab, `document.querySelectorAll("section.session").length`)
	t.Logf("%d bytes, %d sessions listed, %d drawn, %.0f px high, loaded in %v", st.Size(), rows, drawn, height, took)
	if took > 20*time.Second {
		t.Errorf("took %v to load", took)
	}
	if drawn != 100 || rows <= drawn {
		t.Errorf("%d drawn of %d listed; want the first 100 drawn and the rest listed", drawn, rows)
	}
	v.check(t)
}

// TestBrowserBoundedReport: the page of a small capture made to amplify
// (amplifying: 6.5 MB that gave a 53 MB page, 33 s to lay out) stays
// within maxPage and its elements within what its bounds allow, and the
// browser lays it out whole.
func TestBrowserBoundedReport(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bounded.html")
	if _, stderr, err := runCLI(t, nil, "report", "-q", "-o", file, amplifying(t)); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > maxPage {
		t.Errorf("a page of %d bytes, over %d", st.Size(), maxPage)
	}
	ctx := browser(t)
	tab, v, took := open(t, ctx, file)
	elements := eval[int](t, tab, `document.getElementsByTagName("*").length`)
	rows := eval[int](t, tab, `document.querySelectorAll("svg.seq g").length`)
	t.Logf("%d bytes, %d elements, %d diagram rows, laid out in %v", st.Size(), elements, rows, took)
	// What the bounds allow: 6 000 rows and a last one per diagram, of
	// at most 8 elements; 2 000 sessions listed, of 14; 1 000 findings,
	// of 4; 100 drawn sessions' 5 lists of 21 lines, of 4; and the rest
	// of the page, under 2 000.
	if max := 6100*8 + 2001*14 + 1001*4 + 100*5*21*4 + 2000; rows > 6100 || elements > max {
		t.Errorf("%d diagram rows and %d elements", rows, elements)
	}
	v.check(t)
}
