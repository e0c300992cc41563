package parts

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

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
		r := NewReader(true)
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
	r := NewReader(true)
	r.Write([]byte("Subject: plain\r\n\r\nmensaje 7\r\n"))
	parts, _ := r.Close()
	if len(parts) != 1 || parts[0].ContentType != "text/plain" || parts[0].Size != 11 {
		t.Errorf("got %+v", parts)
	}
	r = NewReader(true)
	r.Write([]byte("garbage without a header"))
	if parts, _ := r.Close(); len(parts) > 1 {
		t.Errorf("garbage: %+v", parts)
	}
}

// FuzzWalk: no input makes it panic or hang, and pieces give what the
// whole gives.
func FuzzWalk(f *testing.F) {
	f.Add([]byte(nested("png")), uint8(3))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, step uint8) {
		whole := NewReader(true)
		whole.Write(raw)
		a, _ := whole.Close()
		pieces := NewReader(true)
		n := int(step%32) + 1
		for i := 0; i < len(raw); i += n {
			pieces.Write(raw[i:min(i+n, len(raw))])
		}
		b, _ := pieces.Close()
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("whole %v, in pieces of %d %v", a, n, b)
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
		{"nested past MaxDepth", deep(MaxDepth + 5), 1, []string{"multipart/mixed 302"}}, // the levels past it, one part
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

// FuzzHeaderGuardInBlocks: a multipart body's guard hands on the same
// bytes, and counts the same repairs and bounds, whether it passes part
// bodies on in blocks or reads every line, for any input, buffer and
// read size.
func FuzzHeaderGuardInBlocks(f *testing.F) {
	f.Add([]byte(nested("png")), uint8(3), uint8(40))
	f.Add([]byte("pre\r\n--x\r\nContent-Type: text/plain\r\nno colon\r\n\r\n-dash\r\n--x-\r\n--xy\r\nA: b\r\n\r\nbody\n--x--\r\nepi"), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, raw []byte, step, size uint8) {
		read := func(byLine bool) (string, int, int) {
			var repaired, bounded int
			g := newPartHeaders(bytes.NewReader(raw), "x", &repaired, &bounded, int(size)+16).(*headerGuard)
			g.byLine = byLine
			var out bytes.Buffer
			buf := make([]byte, int(step%64)+1)
			for {
				n, err := g.Read(buf)
				out.Write(buf[:n])
				if err != nil {
					break
				}
			}
			return out.String(), repaired, bounded
		}
		a, ra, ba := read(true)
		b, rb, bb := read(false)
		if a != b || ra != rb || ba != bb {
			t.Fatalf("by line %q (%d, %d)\nin blocks %q (%d, %d)", a, ra, ba, b, rb, bb)
		}
	})
}
