package main

import (
	"encoding/base64"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// Markup is what a capture may carry to attack a page that shows it:
// elements, event handlers, a way out of an attribute, of the title, of
// an SVG text and of a style element.
var markup = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(2)>`,
	`</title><script>alert(3)</script>`,
	`</text></svg><iframe src="javascript:alert(4)">`,
	`</style><link rel=stylesheet href=http://127.0.0.1:9/x.css>`,
}

// hostileHTML is a capture whose commands, replies, headers, envelope
// and attachment names carry markup, with the terminal's hostile bytes
// beside it.
func hostileHTML(t testing.TB) string {
	all := strings.Join(markup, " ")
	const evil = "\x1b[2J\u202e\x00\xff"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	client := netip.MustParseAddrPort("127.0.0.1:40000")
	S := func(s string) capturetest.Said { return capturetest.Said{Data: s} }
	C := func(s string) capturetest.Said { return capturetest.Said{Client: true, Data: s} }
	body := "Subject: " + all + evil + "\r\nFrom: " + markup[1] + "\r\nMessage-ID: <" + markup[0] + "@x>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" + all + "\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + strings.ReplaceAll(markup[3], `"`, "'") + ".png\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64("PNG") + "\r\n--b--\r\n.\r\n"
	segs := capturetest.Converse(client, netip.AddrPortFrom(client.Addr(), 25), t0,
		S("220 "+markup[2]+" ESMTP\r\n"), C("EHLO "+all+evil+"\r\n"), S("250-"+markup[4]+"\r\n250 PIPELINING\r\n"),
		C("AUTH LOGIN\r\n"), S("334 "+b64(markup[0])+"\r\n"), C(b64(markup[1])+"\r\n"), S("334 "+b64("Password:")+"\r\n"),
		C(b64(markup[3])+"\r\n"), S("235 ok\r\n"),
		C("MAIL FROM:<"+markup[1]+">\r\n"), S("250 ok\r\n"), C("RCPT TO:<"+markup[0]+">\r\n"), S("250 ok\r\n"),
		C("DATA\r\n"), S("354 go\r\n"), C(body), S("250 queued as "+markup[0]+"\r\n"),
		C(markup[3]+"\r\n"), S("500 "+all+"\r\n"))
	imap := netip.AddrPortFrom(client.Addr(), client.Port()+1)
	segs = append(segs, capturetest.Converse(imap, netip.AddrPortFrom(client.Addr(), 143), t0.Add(time.Second),
		S("* OK "+markup[2]+"\r\n"), C(markup[0]+" LOGIN "+markup[1]+" x\r\n"), S(markup[0]+" NO "+markup[4]+"\r\n"))...)
	return writeCapture(t, "hostile-html.pcap", segs)
}

// TestReportOfHostileMarkup: the report of a capture full of markup has
// no element, attribute or link of it, shows every piece as text, and
// writes no byte a terminal would act on.
func TestReportOfHostileMarkup(t *testing.T) {
	page, stderr, err := runCLI(t, nil, "report", "-o", "-", hostileHTML(t))
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if where, bad := terminalUnsafe(page); bad {
		t.Errorf("%s in the page", where)
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			text.WriteString(n.Data)
		case html.ElementNode:
			switch n.Data {
			case "script", "img", "iframe", "link":
				t.Errorf("the capture made a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "src" {
					t.Errorf("the capture made an attribute %s=%q", a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, m := range markup {
		if !strings.Contains(text.String(), m) {
			t.Errorf("%q is not shown as text", m)
		}
	}
	if strings.Count(page, `<section class="session"`) != 2 {
		t.Error("want both sessions drawn")
	}
}

// TestReportFlags: report wants a file to write, and says so.
func TestReportFlags(t *testing.T) {
	for _, args := range [][]string{{"report", "../../samples/smtp1.pcapng"}, {"report", "-o", "-"}, {"report", "--diagrams", "-1", "-o", "-", "../../samples/smtp1.pcapng"}} {
		_, _, err := runCLI(t, nil, args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%v: want a usage error, got %v", args, err)
		}
	}
	out := filepath.Join(t.TempDir(), "r.html")
	if _, _, err := runCLI(t, nil, "report", "--redact", "-o", out, "../../samples/smtp-auth-login.pcapng"); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<svg class=\"seq\"") || strings.Contains(string(page), "alumnoimappass") ||
		strings.Contains(string(page), "YWx1bW5vaW1hcHBhc3M") {
		t.Error("want a diagram, and the password masked")
	}
}

// amplifying is a small capture made to give a big page: 100 SMTP
// sessions of 300 pipelined NOOPs (an arrow each way for 14 bytes),
// 100 POP3 sessions of 1000 failed logins (a finding each), and 6000
// sessions of a greeting only (a line of the list each).
func amplifying(t testing.TB) string {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	S := func(s string) capturetest.Said { return capturetest.Said{Data: s} }
	C := func(s string) capturetest.Said { return capturetest.Said{Client: true, Data: s} }
	var segs []capturetest.Segment
	conv := func(i int, port uint16, said ...capturetest.Said) {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(1 + i>>16), 1}), uint16(i))
		segs = append(segs, capturetest.Converse(c, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port),
			t0.Add(time.Duration(i)*time.Second), said...)...)
	}
	for i := range 100 {
		conv(1000+i, 25, S("220 x\r\n"), C(strings.Repeat("NOOP\r\n", 300)), S(strings.Repeat("250 ok\r\n", 300)))
		conv(500+i, 110, S("+OK x\r\n"), C(strings.Repeat("USER a\r\nPASS b\r\n", 1000)), S(strings.Repeat("+OK\r\n-ERR\r\n", 1000)))
	}
	for i := range 6000 {
		conv(10000+i, 25, S("220 x\r\n"))
	}
	return writeCapture(t, "amplifying.pcap", segs)
}

// maxPage is the most a report page may take, whatever the capture
// (docs/report.md): its diagrams, lists and hover text are bounded.
const maxPage = 6 << 20

// TestReportBounded: the page of the amplifying capture stays within
// maxPage, says how many sessions and findings it did not list and that
// its rows ran out, and still counts every session.
func TestReportBounded(t *testing.T) {
	in := amplifying(t)
	out := filepath.Join(t.TempDir(), "page.html")
	if _, stderr, err := runCLI(t, nil, "report", "-q", "-o", out, in); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(in)
	t.Logf("%d bytes of capture, %d of page", st.Size(), len(page))
	if len(page) > maxPage {
		t.Errorf("a page of %d bytes, over %d", len(page), maxPage)
	}
	for _, want := range []string{`<dd id="session-count">6200</dd>`, "… and 4200 more sessions", "more findings: mailtrace read --summary",
		"a page draws at most 6000 rows", "… +980"} {
		if !strings.Contains(html.UnescapeString(string(page)), want) {
			t.Errorf("the page does not say %q", want)
		}
	}
}
