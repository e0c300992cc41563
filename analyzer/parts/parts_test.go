package parts

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// slow reads at most n bytes at a time.
type slow struct {
	r io.Reader
	n int
}

func (s *slow) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

func sum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// nested is a message with a text/alternative pair, a base64 attachment
// and a quoted-printable one, as mail programs send them.
func nested(png string) string {
	return "From: a@b\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n" +
		"--OUT\r\nContent-Type: multipart/alternative; boundary=IN\r\n\r\n" +
		"--IN\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhola\r\n--IN\r\nContent-Type: text/html\r\n\r\n<p>hola</p>\r\n--IN--\r\n" +
		"--OUT\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"foto.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(png)) + "\r\n" +
		"--OUT\r\nContent-Type: application/pdf; name=\"=?UTF-8?Q?informe_pr=C3=A1ctica.pdf?=\"\r\nContent-Disposition: attachment; filename*=UTF-8''informe%20pr%C3%A1ctica.pdf\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF-1.4 caf=C3=A9\r\n" +
		"--OUT--\r\n"
}

func TestWalk(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00\xff", 500)
	raw := nested(png)
	want := []string{
		fmt.Sprintf("text/plain  %d %s", 4, sum("hola")),
		fmt.Sprintf("text/html  %d %s", 11, sum("<p>hola</p>")),
		fmt.Sprintf("image/png foto.png %d %s", len(png), sum(png)),
		fmt.Sprintf("application/pdf informe práctica.pdf %d %s", len("%PDF-1.4 café"), sum("%PDF-1.4 café")),
	}
	// Written whole, and in pieces of every size through a Reader.
	for _, step := range []int{len(raw), 1, 7, 4096} {
		r := NewReader(true, nil)
		for i := 0; i < len(raw); i += step {
			r.Write([]byte(raw[i:min(i+step, len(raw))]))
		}
		parts, more := r.Close()
		var got []string
		for _, p := range parts {
			got = append(got, fmt.Sprintf("%s %s %d %s", p.ContentType, p.Filename, p.Size, p.SHA256))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || more != 0 {
			t.Errorf("in pieces of %d:\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestWalkNotMIME(t *testing.T) {
	r := NewReader(true, nil)
	r.Write([]byte("Subject: plain\r\n\r\nmensaje 7\r\n"))
	parts, _ := r.Close()
	if len(parts) != 1 || parts[0].ContentType != "text/plain" || parts[0].Size != 11 {
		t.Errorf("got %+v", parts)
	}
	r = NewReader(true, nil)
	r.Write([]byte("garbage without a header"))
	if parts, _ := r.Close(); len(parts) > 1 {
		t.Errorf("garbage: %+v", parts)
	}
}

// FuzzWalk: no input makes it panic or hang, and pieces give what the
// whole gives, walked on the writer's goroutine or (past a chunk) a
// Reader's; hashes change nothing else.
func FuzzWalk(f *testing.F) {
	f.Add([]byte(nested("png")), uint8(3))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n"), uint8(1))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n-"+strings.Repeat("x", 3000)+"\r\n--x\r\n\r\n"), uint8(9))
	f.Add([]byte(nested(strings.Repeat("png", 8000))), uint8(200)) // past a chunk: walked on a goroutine
	f.Fuzz(func(t *testing.T, raw []byte, step uint8) {
		list := func(ps []session.Part, more, repaired, bounded int) string {
			var s []string
			for _, p := range ps {
				p.SHA256 = ""
				s = append(s, fmt.Sprint(p))
			}
			return fmt.Sprint(s, more, repaired, bounded)
		}
		r := NewReader(true, nil)
		r.Write(raw)
		ps, more := r.Close()
		whole := list(ps, more, r.Repaired(), r.Bounded())
		n := int(step%32) + 1
		w := walk(&slow{r: bytes.NewReader(raw), n: n}, nil, false)
		if pieces := list(w.parts, w.more, w.repaired, w.bounded); whole != pieces {
			t.Fatalf("whole, hashed %v\nin pieces of %d %v", whole, n, pieces)
		}
	})
}

// TestRFC2231Names: file names RFC 2231 writes in a charset Go's mime
// package leaves out, whole or in continuations, are read.
func TestRFC2231Names(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{`Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.txt`, "café.txt"},
		{`Content-Disposition: attachment; filename*=utf-8''caf%C3%A9.txt`, "café.txt"},
		{`Content-Disposition: attachment; filename*0*=iso-8859-1'es'ni%F1o; filename*1=".txt"`, "niño.txt"},
		{`Content-Disposition: attachment; filename*=windows-1252''%80.txt`, "€.txt"},
		{"Content-Type: application/octet-stream; name*=iso-8859-1''a%F1o.pdf\r\nContent-Disposition: attachment", "año.pdf"},
		{`Content-Disposition: attachment; filename="plain.txt"`, "plain.txt"},
	} {
		msg := "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" + tc.header + "\r\n\r\nx\r\n--B--\r\n"
		ps, _ := Walk(strings.NewReader(msg))
		if len(ps) != 1 || ps[0].Filename != tc.want {
			t.Errorf("%s: got %+v, want %q", tc.header, ps, tc.want)
		}
	}
}

// TestNoHashesSameFacts: without hashes the parts are the same, sizes
// and stray bytes included; only the SHA-256 is left out.
func TestNoHashesSameFacts(t *testing.T) {
	msg := strings.TrimSuffix(nested("\x89PNG\r\n"), "--OUT--\r\n") +
		"--OUT\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\naG9s\r\n!\r\nYQ==\r\n--OUT--\r\n"
	with := walk(strings.NewReader(msg), nil, true).parts
	without := walk(strings.NewReader(msg), nil, false).parts
	if len(with) != len(without) || len(with) == 0 {
		t.Fatalf("%d parts with hashes, %d without", len(with), len(without))
	}
	for i := range with {
		w, o := with[i], without[i]
		if o.SHA256 != "" || w.SHA256 == "" {
			t.Errorf("part %d: hash %q with, %q without", i, w.SHA256, o.SHA256)
		}
		w.SHA256 = ""
		if w != o {
			t.Errorf("part %d: %+v with hashes, %+v without", i, w, o)
		}
	}
}

// TestBadPartHeaderLine: a part header line without a colon ends that
// header, as Python's email and mail programs read it; the parts after it
// are found (the payload.exe a broken walk would hide).
func TestBadPartHeaderLine(t *testing.T) {
	msg := "Content-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nhola\r\n" +
		"--B\r\nContent-Type: text/plain\r\nthis line is no header field\r\n\r\nbody\r\n" +
		"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=payload.exe\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--B--\r\n"
	for _, step := range []int{1, 7, 4096} {
		w := walk(&slow{r: strings.NewReader(msg), n: step}, nil, true)
		parts, repaired := w.parts, w.repaired
		var names []string
		for _, p := range parts {
			names = append(names, p.ContentType+" "+p.Filename)
		}
		if len(parts) != 3 || parts[2].Filename != "payload.exe" || parts[2].Size != 12 || repaired != 1 {
			t.Errorf("read %d at a time: parts %q, %d repaired; want the three, payload.exe of 12 bytes, 1", step, names, repaired)
		}
	}
}

// TestUnquotedNames: a name written without the quotes its spaces or
// parentheses need is read as mail programs read it.
func TestUnquotedNames(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"Content-Disposition: attachment; filename=informe final (2).pdf", "informe final (2).pdf"},
		{"Content-Type: application/pdf; name=acta (firmada).pdf\r\nContent-Disposition: attachment", "acta (firmada).pdf"},
		{"Content-Disposition: attachment; filename=plain.txt; size=3", "plain.txt"},
	} {
		msg := "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" + tc.header + "\r\n\r\nx\r\n--B--\r\n"
		ps, _ := Walk(strings.NewReader(msg))
		if len(ps) != 1 || ps[0].Filename != tc.want {
			t.Errorf("%s: got %+v, want %q", tc.header, ps, tc.want)
		}
	}
}

// TestHeaderBounds: a header of millions of fields, or one of megabytes,
// is read up to its bounds and the rest counted as body, the message said
// to be bounded; the parts after a bounded part header are still found. A
// long header within the bounds is read whole.
func TestHeaderBounds(t *testing.T) {
	many := strings.Repeat("a:b\r\n", 3*MaxHeaderFields)
	long := "X-Long: " + strings.Repeat("x", 2*MaxHeaderBytes) + "\r\n"
	for _, tc := range []struct {
		name    string
		msg     string
		bounded int
		parts   []string // content type and size
	}{
		{"fields", "Subject: s\r\n" + many + "\r\nbody\r\n", 1, []string{"text/plain " + fmt.Sprint(len(many)-5*(MaxHeaderFields-1)+len("\r\nbody\r\n"))}},
		{"one long line", "Subject: s\r\n" + long + "\r\nbody\r\n", 1, nil},
		{"within", "Subject: s\r\nTo: " + strings.Repeat("u@example.org, ", 5000) + "\r\n\r\nbody\r\n", 0, []string{"text/plain 6"}},
		// The levels past it, one part, up to the line break before the
		// delimiter of the level it is in (the walker before said 302: its
		// guard of level b1 took "--b14--" for one of its delimiters, and
		// the line after it for a header line to repair).
		{"nested past MaxDepth", deep(MaxDepth + 5), 1, []string{"multipart/mixed 300"}},
		{"nested to MaxDepth", deep(MaxDepth), 0, []string{"text/plain 4"}},
		{"a part's", "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n" + many +
			"\r\nx\r\n--B\r\nContent-Type: application/pdf\r\n\r\npdf\r\n--B--\r\n", 1, nil},
	} {
		for _, step := range []int{7, 4096, 1 << 20} {
			w := walk(&slow{r: strings.NewReader(tc.msg), n: step}, nil, false)
			var got []string
			for _, p := range w.parts {
				got = append(got, fmt.Sprintf("%s %d", p.ContentType, p.Size))
			}
			if w.bounded != tc.bounded {
				t.Errorf("%s, read %d at a time: %d bounded, want %d", tc.name, step, w.bounded, tc.bounded)
			}
			if tc.parts != nil && strings.Join(got, ",") != strings.Join(tc.parts, ",") {
				t.Errorf("%s, read %d at a time: parts %q, want %q", tc.name, step, got, tc.parts)
			}
			if tc.name == "a part's" && (len(got) != 2 || got[1] != "application/pdf 3") {
				t.Errorf("%s: the part after the bounded header: %q", tc.name, got)
			}
		}
	}
}

// deep is a message of multiparts nested n deep around one text part.
func deep(n int) string {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nhola\r\n", n-1)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.String()
}

// mimeGen writes a MIME message as mail programs write it, its choices
// taken from fuzz bytes: multiparts nested up to four deep with
// boundaries none of which begins another, parts in 7bit, base64 and
// quoted-printable with names and dispositions, preambles and
// epilogues, lines that begin with "-", CRLF or bare LF line breaks.
// Every multipart is closed: where a message is cut short the walkers
// differ, on purpose (TestCutShort).
type mimeGen struct {
	b    []byte
	i    int
	nl   string
	next int // the next boundary's number
	out  strings.Builder
}

func (g *mimeGen) byte() byte {
	if g.i >= len(g.b) {
		return 0
	}
	c := g.b[g.i]
	g.i++
	return c
}

func (g *mimeGen) pick(k int) int { return int(g.byte()) % k }

func (g *mimeGen) line(s string) { g.out.WriteString(s + g.nl) }

// text is n lines of printable text, some beginning with "-".
func (g *mimeGen) text(n int) {
	for range n {
		switch g.pick(6) {
		case 0:
			g.line("-- ")
		case 1:
			g.line("--not-a-delimiter")
		case 2:
			g.line("")
		default:
			g.line(strings.Repeat(string(rune('a'+g.pick(26))), g.pick(90)))
		}
	}
}

func (g *mimeGen) entity(depth int) {
	if depth < 4 && g.pick(3) == 0 {
		g.next++
		b := fmt.Sprintf("=_b%03d_=", g.next)
		g.line("Content-Type: multipart/" + []string{"mixed", "alternative", "related"}[g.pick(3)] + "; boundary=\"" + b + "\"")
		g.line("")
		g.text(g.pick(3))
		for range 1 + g.pick(4) {
			g.line("--" + b + []string{"", " ", "\t "}[g.pick(3)])
			g.entity(depth + 1)
		}
		g.line("--" + b + "--")
		g.text(g.pick(3))
		return
	}
	name := fmt.Sprintf("f%d.bin", g.pick(100))
	switch g.pick(4) {
	case 0:
		g.line("Content-Type: application/octet-stream; name=\"" + name + "\"")
		g.line("Content-Disposition: attachment;")
		g.line("\tfilename=\"" + name + "\"")
	case 1:
		g.line("Content-Type: text/html; charset=utf-8")
	case 2:
		g.line("content-type: image/png")
		g.line("Content-Disposition: inline; filename=" + name)
	}
	raw := make([]byte, g.pick(256)*g.pick(4))
	for i := range raw {
		raw[i] = g.byte()
	}
	switch g.pick(3) {
	case 0:
		g.line("Content-Transfer-Encoding: base64")
		g.line("")
		enc := base64.StdEncoding.EncodeToString(raw)
		for i := 0; i < len(enc); i += 76 {
			g.line(enc[i:min(i+76, len(enc))])
		}
	case 1:
		g.line("Content-Transfer-Encoding: Quoted-Printable")
		g.line("")
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Binary = g.pick(2) == 0
		w.Write(raw)
		w.Close()
		g.line(strings.ReplaceAll(b.String(), "\r\n", g.nl))
	default:
		g.line("")
		g.text(g.pick(8))
	}
}

// FuzzWalkAsReference: on MIME as mail programs write it, the walker
// lists the parts the walker it replaced listed (reference_test.go),
// size, hash and stray bytes included, and repairs and bounds as much:
// one pass whatever the nesting, and the same reading.
func FuzzWalkAsReference(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"), false)
	f.Add([]byte("\x03\x00\x00\x03\x00\x01\x02\x00\x00\x05\x07\x09\x03\x00\x02\x01\x02\x03\x04"), true)
	f.Add(bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 200, 201}, 20), false)
	f.Fuzz(func(t *testing.T, choices []byte, lf bool) {
		g := &mimeGen{b: choices, nl: "\r\n"}
		if lf {
			g.nl = "\n"
		}
		g.line("From: a@example.org")
		g.line("MIME-Version: 1.0")
		g.entity(0)
		msg := g.out.String()
		want := refWalk(strings.NewReader(msg), nil, true)
		for _, step := range []int{len(msg) + 1, 1 + len(choices)%97} {
			got := walk(&slow{r: strings.NewReader(msg), n: step}, nil, true)
			if fmt.Sprint(got.parts) != fmt.Sprint(want.parts) || got.more != want.more || got.repaired != want.repaired || got.bounded != want.bounded {
				t.Fatalf("%q read %d at a time:\n%+v (%d more, %d repaired, %d bounded)\nthe reference:\n%+v (%d more, %d repaired, %d bounded)",
					msg, step, got.parts, got.more, got.repaired, got.bounded, want.parts, want.more, want.repaired, want.bounded)
			}
		}
	})
}

// FuzzWalkPastTheBound: FuzzWalkAsReference's MIME after as many parts
// as MaxParts lists, give or take two, so that the parts it generates
// are the ones only counted: the walker counts as many as it lists of
// the same MIME read alone, and repairs and bounds as much. (Alone, not
// against the reference walker, which reads a thousand parts at 50 runs
// a second.)
func FuzzWalkPastTheBound(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"))
	f.Add([]byte("\x03\x00\x00\x03\x00\x01\x02\x00\x00\x05\x07\x09\x03\x00\x02\x01\x02\x03\x04"))
	f.Fuzz(func(t *testing.T, choices []byte) {
		g := &mimeGen{b: choices, nl: "\r\n"}
		before := MaxParts - 2 + g.pick(5)
		g.entity(1)
		tail := g.out.String()
		// Nested, the line break before the next delimiter is the
		// delimiter's; alone, the message ends there.
		alone := walk(strings.NewReader("From: a@example.org\r\n"+strings.TrimSuffix(tail, "\r\n")), nil, true)

		var b strings.Builder
		b.WriteString("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n")
		for i := range before {
			fmt.Fprintf(&b, "--OUT\r\n\r\n%d\r\n", i)
		}
		b.WriteString("--OUT\r\n" + tail + "--OUT--\r\n")
		got := walk(strings.NewReader(b.String()), nil, true)
		listed := min(max(MaxParts-before, 0), len(alone.parts))
		if got.n != before+alone.n || got.more != got.n-len(got.parts) || got.repaired != alone.repaired || got.bounded != alone.bounded ||
			fmt.Sprint(got.parts[min(before, len(got.parts)):]) != fmt.Sprint(alone.parts[:listed]) {
			t.Fatalf("after %d parts: %d in all, %d listed, %d more, %d repaired, %d bounded; alone %d in all, %d repaired, %d bounded",
				before, got.n, len(got.parts), got.more, got.repaired, got.bounded, alone.n, alone.repaired, alone.bounded)
		}
	})
}

// TestReadingsThatDiffer: where the walker before (the reference) read
// MIME otherwise, on purpose, and what mail programs show instead. The
// reference's reading is checked too, so that each case is one where
// the two differ.
func TestReadingsThatDiffer(t *testing.T) {
	const mixed = "Content-Type: multipart/mixed; boundary=A\r\n\r\n"
	for _, tc := range []struct {
		name     string
		msg      string
		want     string // content type and size of each part
		ref      string // the reference's
		repaired int
	}{
		{"a part header cut short where nested",
			mixed + "--A\r\nContent-Type: multipart/mixed; boundary=C\r\n\r\n--C\r\nContent-Type: text/plain\r\n\r\n",
			"text/plain 0", "", 0},
		{"cut short, nested: one line break is the missing delimiter's, not one a level",
			mixed + "--A\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nx\r\n\r\n\r\n",
			"text/plain 5", "text/plain 3", 0},
		{"a delimiter ends a part header",
			mixed + "--A\r\nContent-Type: text/plain\r\n--A\r\nContent-Type: image/png\r\n\r\nPNG\r\n--A--\r\n",
			"text/plain 0, image/png 3", "", 0},
		{"a line that begins with a delimiter is none",
			mixed + "--A\r\nContent-Type: text/plain\r\n\r\nuno\r\n--A-x\r\ndos\r\n--A\r\nContent-Type: image/png\r\n\r\nPNG\r\n--A--\r\n",
			"text/plain 15, image/png 3", "text/plain 3", 0},
		{"a delimiter line with a bare LF, in CRLF",
			mixed + "--A\r\nContent-Type: text/plain\r\n\r\nuno\n--A\nContent-Type: image/png\r\n\r\nPNG\r\n--A--\r\n",
			"text/plain 3, image/png 3", "text/plain 38", 0},
		{"a boundary that begins another",
			"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: multipart/mixed; boundary=b10\r\n\r\n" +
				"--b10\r\nContent-Type: text/plain\r\n\r\nuno\r\n--b10--\r\nfin\r\n--b1\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b1--\r\n",
			"text/plain 3, image/png 3", "text/plain 3, image/png 3 (1 repaired)", 0},
		{"a control byte in quoted-printable",
			"Content-Transfer-Encoding: quoted-printable\r\n\r\na\x01b=41\r\n",
			"text/plain 6", "text/plain 1", 0},
	} {
		list := func(ps []session.Part) string {
			var s []string
			for _, p := range ps {
				s = append(s, fmt.Sprintf("%s %d", p.ContentType, p.Size))
			}
			return strings.Join(s, ", ")
		}
		for _, step := range []int{1, 5, len(tc.msg)} {
			w := walk(&slow{r: strings.NewReader(tc.msg), n: step}, nil, false)
			if got := list(w.parts); got != tc.want || w.repaired != tc.repaired {
				t.Errorf("%s, read %d at a time: %q, %d repaired; want %q, %d", tc.name, step, got, w.repaired, tc.want, tc.repaired)
			}
		}
		r := refWalk(strings.NewReader(tc.msg), nil, false)
		ref := list(r.parts)
		if r.repaired > 0 {
			ref += fmt.Sprintf(" (%d repaired)", r.repaired) // the guard took "--b10--" for a "--b1" delimiter
		}
		if ref != tc.ref {
			t.Errorf("%s: the reference read %q, not %q", tc.name, ref, tc.ref)
		}
	}
}

// FuzzLineDash: lineDash finds what bytes.Index(p, "\n-") finds, in
// bodies of any dashes and line breaks.
func FuzzLineDash(f *testing.F) {
	for _, s := range []string{"", "-", "\n-", "a\n-b", "--\n", "x-\n-", strings.Repeat("-", 100) + "\n-", strings.Repeat("a-", 40) + "\n\n-x",
		"QUJD\r\nREVG\r\n--b--\r\n", strings.Repeat("-\n", 50)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if got, want := lineDash(p), bytes.Index(p, []byte("\n-")); got != want {
			t.Fatalf("lineDash(%q) = %d, want %d", p, got, want)
		}
	})
}

// TestBuffersShared: messages read at once through one Buffers, their
// writes interleaved (two connections' messages, their walkers on
// goroutines of their own), give what each gives alone; and a message read
// through Buffers others gave back allocates no chunk of its own.
func TestBuffersShared(t *testing.T) {
	big := nested(strings.Repeat("\x00\xff\x10", 30000)) // past a chunk: walked on a goroutine
	small := nested("hola")
	describe := func(parts []session.Part) string {
		var out []string
		for _, p := range parts {
			out = append(out, fmt.Sprintf("%s %s %d %s", p.ContentType, p.Filename, p.Size, p.SHA256))
		}
		return strings.Join(out, "\n")
	}
	alone := map[string]string{}
	for _, m := range []string{big, small} {
		parts, _ := Walk(strings.NewReader(m))
		alone[m] = describe(parts)
	}
	bufs := NewBuffers()
	for round := range 3 {
		msgs := []string{big, small, big}
		readers := make([]*Reader, len(msgs))
		for i := range readers {
			readers[i] = NewReader(true, bufs)
		}
		for off := 0; ; off += 1000 {
			wrote := false
			for i, m := range msgs {
				if off < len(m) {
					readers[i].Write([]byte(m[off:min(off+1000, len(m))]))
					wrote = true
				}
			}
			if !wrote {
				break
			}
		}
		for i, r := range readers {
			parts, _ := r.Close()
			if got := describe(parts); got != alone[msgs[i]] {
				t.Fatalf("round %d, message %d:\n%s\nwant\n%s", round, i, got, alone[msgs[i]])
			}
		}
	}
	read := func(bufs *Buffers) {
		r := NewReader(false, bufs)
		for off := 0; off < len(big); off += 4096 {
			r.Write([]byte(big[off:min(off+4096, len(big))]))
		}
		r.Close()
	}
	own := testing.AllocsPerRun(20, func() { read(nil) })
	shared := testing.AllocsPerRun(20, func() { read(bufs) })
	if chunks := float64(len(big) / chunkSize); shared > own-chunks {
		t.Errorf("a message read through shared Buffers allocates %.0f times, through its own %.0f: want %.0f chunks fewer", shared, own, chunks)
	}
}

// More long messages open at once than chunks may wait in a run, each
// holding a chunk it fills: every one is walked to its end, as alone.
// Were a chunk being filled counted among those waiting, the writer
// would wait forever for room only it could make.
func TestMoreMessagesThanChunksWaiting(t *testing.T) {
	big := nested(strings.Repeat("\x00\xff\x10", 30000))
	want, _ := Walk(strings.NewReader(big))
	bufs := NewBuffers()
	readers := make([]*Reader, inFlight+inFlight/2)
	for i := range readers {
		readers[i] = NewReader(true, bufs)
	}
	for off := 0; off < len(big); off += 5000 {
		for _, r := range readers {
			r.Write([]byte(big[off:min(off+5000, len(big))]))
		}
	}
	for i, r := range readers {
		parts, _ := r.Close()
		if fmt.Sprint(parts) != fmt.Sprint(want) {
			t.Fatalf("message %d: %v, alone %v", i, parts, want)
		}
	}
	if n := len(bufs.waiting); n != 0 {
		t.Errorf("%d chunks still counted as waiting after every message closed", n)
	}
}

// TestCountedPastTheBound: past MaxParts the parts are counted without
// their headers read, but a multipart there still opens, whatever the
// case or folding of the field that says so, and its parts are counted
// in turn; the reference walker, which reads every header, counts the
// same. A multipart taken for a leaf would count its parts as one.
func TestCountedPastTheBound(t *testing.T) {
	for _, inner := range []string{
		"Content-Type: multipart/mixed; boundary=IN",
		"content-type: MULTIPART/Alternative; boundary=\"IN\"",
		"Content-Type:\r\n multipart/related;\r\n\tboundary=IN",
		"Content-Disposition: inline\r\nCONTENT-TYPE: MultiPart/Mixed; boundary=IN",
	} {
		var b strings.Builder
		b.WriteString("From: a@b\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n")
		for i := range MaxParts + 5 {
			fmt.Fprintf(&b, "--OUT\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
		}
		b.WriteString("--OUT\r\n" + inner + "\r\n\r\n")
		for i := range 3 {
			fmt.Fprintf(&b, "--IN\r\nContent-Type: text/plain\r\n\r\ninner %d\r\n", i)
		}
		b.WriteString("--IN--\r\n--OUT\r\nContent-Type: text/plain\r\n\r\nlast\r\n--OUT--\r\n")
		msg := b.String()
		want := refWalk(strings.NewReader(msg), nil, true)
		got := walk(strings.NewReader(msg), nil, true)
		if len(got.parts) != MaxParts || got.more != 5+3+1 || got.n != MaxParts+9 {
			t.Errorf("%q: %d listed, %d more, %d in all; want %d, 9, %d", inner, len(got.parts), got.more, got.n, MaxParts, MaxParts+9)
		}
		if fmt.Sprint(got.parts) != fmt.Sprint(want.parts) || got.more != want.more {
			t.Errorf("%q: %d listed and %d more, the reference %d and %d", inner, len(got.parts), got.more, len(want.parts), want.more)
		}
	}
}
