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
