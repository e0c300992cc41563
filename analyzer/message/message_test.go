package message

import (
	"bytes"
	"fmt"
	"net/mail"
	"reflect"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestSummary(t *testing.T) {
	tests := []struct {
		name, raw        string
		from, subj, date string
	}{
		{"plain", "From: a@b\r\nSubject: hola\r\nDate: Thu, 5 Apr 2018 22:20:09 +0000\r\n\r\nbody\r\n", "a@b", "hola", "Thu, 5 Apr 2018 22:20:09 +0000"},
		{"RFC 2047 Q in UTF-8", "Subject: =?UTF-8?Q?Informe_pr=C3=A1ctica?=\r\n\r\n", "", "Informe práctica", ""},
		{"RFC 2047 B in GB2312", "Subject: =?gb2312?B?xOO6ww==?=\r\n\r\n", "", "你好", ""},
		{"ISO-8859-1", "Subject: =?ISO-8859-1?Q?Ca=F1a?=\r\n\r\n", "", "Caña", ""},
		{"unknown charset left as is", "Subject: =?x-nope?Q?abc?=\r\n\r\n", "", "=?x-nope?Q?abc?=", ""},
		{"folded header", "Subject: a\r\n b\r\n\r\n", "", "a b", ""},
		{"no blank line", "From: x@y\r\nSubject: cut", "x@y", "cut", ""},
		{"LF only", "From: x@y\nSubject: lf\n\nbody\n", "x@y", "lf", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, step := range []int{len(tc.raw) + 1, 1, 3} {
				b := NewBuilder(false)
				for i := 0; i < len(tc.raw); i += step {
					b.Write([]byte(tc.raw[i:min(i+step, len(tc.raw))]))
				}
				m := b.Finish(false)
				if m.From != tc.from || m.Subject != tc.subj || m.Date != tc.date || m.Size != int64(len(tc.raw)) {
					t.Errorf("written %d at a time: got From %q Subject %q Date %q Size %d", step, m.From, m.Subject, m.Date, m.Size)
				}
			}
		})
	}
}

func TestHeaderBound(t *testing.T) {
	b := NewBuilder(false)
	b.Write([]byte("Subject: x\r\nX-Junk: " + strings.Repeat("a", DefaultMaxHeader) + "\r\n\r\nbody"))
	m := b.Finish(false)
	if m.Truncated || !m.Bounded || m.Size != int64(12+8+DefaultMaxHeader+4+4) {
		t.Errorf("got truncated=%v bounded=%v size=%d; want a complete message, kept in part", m.Truncated, m.Bounded, m.Size)
	}
	if len(b.hdr) > DefaultMaxHeader {
		t.Errorf("kept %d header bytes, bound is %d", len(b.hdr), DefaultMaxHeader)
	}
}

// TestSubscriber: every byte reaches the subscriber, also past the bounds
// of what the Builder keeps; what it chose not to keep leaves the message
// complete, and says so apart (Bounded).
func TestSubscriber(t *testing.T) {
	var got strings.Builder
	raw := "Subject: big\r\n\r\n" + strings.Repeat("0123456789", 100)
	b := New(&session.Message{}, Bounds{MaxHeader: 8, MaxBody: 16, KeepBody: true}, &got)
	for i := 0; i < len(raw); i += 7 {
		b.Write([]byte(raw[i:min(i+7, len(raw))]))
	}
	m := b.Finish(false)
	if got.String() != raw {
		t.Errorf("subscriber got %d bytes, want the %d written", got.Len(), len(raw))
	}
	if len(m.Body) != 16 || m.Size != int64(len(raw)) || m.Truncated || !m.Bounded || m.State() != session.MessageComplete {
		t.Errorf("kept %d body bytes, size %d, truncated %v, bounded %v, state %s; want 16, %d, false, true, complete",
			len(m.Body), m.Size, m.Truncated, m.Bounded, m.State(), len(raw))
	}
}

// FuzzSummary: any bytes, written in any pieces, summarize the same.
func FuzzSummary(f *testing.F) {
	f.Add([]byte("From: a@b\r\nSubject: =?UTF-8?B?w7E=?=\r\n\r\nx"), uint8(3))
	f.Add([]byte("Subject: =?utf-8?q?=?=\r\n"), uint8(1))
	f.Add([]byte{}, uint8(15)) // nothing written whole, or nothing at all
	f.Fuzz(func(t *testing.T, raw []byte, step uint8) {
		whole := NewBuilder(true)
		whole.Write(raw)
		parts := NewBuilder(true)
		n := int(step%16) + 1
		for i := 0; i < len(raw); i += n {
			parts.Write(raw[i:min(i+n, len(raw))])
		}
		if a, b := whole.Finish(false), parts.Finish(false); !reflect.DeepEqual(a, b) {
			t.Fatalf("whole %+v, in pieces of %d %+v", a, n, b)
		}
	})
}

// TestHeaderWithoutColon: one bad header line, or a continuation line
// first, costs that line, not the whole summary.
func TestHeaderWithoutColon(t *testing.T) {
	for _, raw := range []string{
		"From: a@b\r\nthis is no header\r\nSubject: s\r\n\r\nbody\r\n",
		" leading continuation\r\nFrom: a@b\r\nSubject: s\r\n\r\nbody\r\n",
	} {
		b := NewBuilder(false)
		b.Write([]byte(raw))
		if m := b.Finish(false); m.From != "a@b" || m.Subject != "s" {
			t.Errorf("%q: got From %q Subject %q", raw, m.From, m.Subject)
		}
	}
}

// TestKeptBody: the kept body is the bytes written, in pieces of every
// size, as it grows past its first allocations, up to its bound and no
// further, without more room than the bound.
func TestKeptBody(t *testing.T) {
	raw := []byte("Subject: big\r\n\r\n")
	for i := range 300 << 10 {
		raw = append(raw, byte(i*7+i/251))
	}
	for _, bound := range []int{100, 5000, 200 << 10, 1 << 20} {
		b := New(&session.Message{}, Bounds{MaxBody: bound, KeepBody: true}, nil)
		for i, n := 0, 1; i < len(raw); i, n = i+n, n%1500+37 {
			b.Write(raw[i:min(i+n, len(raw))])
		}
		m := b.Finish(false)
		want := raw[:min(bound, len(raw))]
		if !bytes.Equal(m.Body, want) {
			t.Errorf("bound %d: kept %d bytes, not the first %d written", bound, len(m.Body), len(want))
		}
		if cap(m.Body) > bound || m.Truncated || m.Bounded != (bound < len(raw)) {
			t.Errorf("bound %d: room for %d bytes, truncated %v, bounded %v", bound, cap(m.Body), m.Truncated, m.Bounded)
		}
	}
}

// TestReceivedIDs: a Received field's id is its host's ("by"); an id
// shaped like a version number (Exchange's build, the same in every
// message) is none.
func TestReceivedIDs(t *testing.T) {
	b := NewBuilder(false)
	b.Write([]byte("Received: from a (a [192.0.2.1]) by MAIL.example (Postfix) with ESMTP id 0AA8BBA1BD; Mon, 1 Jan 2026 00:00:00 +0000\r\n" +
		"Received: from b by exch.example (2603:10a6::1) with Microsoft SMTP Server id 15.20.7633.17; Mon, 1 Jan 2026 00:00:00 +0000\r\n" +
		"Subject: x\r\n\r\nbody\r\n"))
	m := b.Finish(false)
	if len(m.ReceivedIDs) != 1 || m.ReceivedIDs[0] != "0AA8BBA1BD" || len(m.ReceivedBy) != 1 || m.ReceivedBy[0] != "mail.example" {
		t.Errorf("got ids %q by %q, want 0AA8BBA1BD by mail.example", m.ReceivedIDs, m.ReceivedBy)
	}
}

// TestDecodeAddresses: decoded display names with specials stay quoted
// (RFC 5322 §3.4): one address stays one.
func TestDecodeAddresses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=?utf-8?q?Doe=2C_John?= <a@b.example>", `"Doe, John" <a@b.example>`},
		{"=?utf-8?q?Jos=C3=A9?= <jose@b.example>, =?iso-8859-1?q?Mu=F1oz=2C_Ana?= <ana@b.example>", `José <jose@b.example>, "Muñoz, Ana" <ana@b.example>`},
		{`=?utf-8?q?say_=22hi=22?= <q@b.example>`, `"say \"hi\"" <q@b.example>`},
		{"plain <p@b.example>", "plain <p@b.example>"},
		{"=?utf-8?q?Only_text?=", "Only text"}, // no address: decoded as text
	} {
		if got := DecodeAddresses(tc.in); got != tc.want {
			t.Errorf("DecodeAddresses(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzHeaderAsNetMail: the fields parseHeader copies are what net/mail
// reads from the same lines (the field lines alone, as parseHeader keeps
// them), for any header.
func FuzzHeaderAsNetMail(f *testing.F) {
	for _, h := range []string{
		"From: a@b\r\nSubject: one\r\n two\r\n\tthree  \r\n\r\nbody",
		"Subject:\r\nsubject: second\r\nRECEIVED: from x by y id 1\r\nReceived: by z\r\n  id 2\r\n",
		" lead\r\nnot a field\r\n cont\r\nTo: t \r\n \r\nCc:c\nMessage-ID: <m@x>\r\nDate: d",
		"X-Other: 1\r\n more\r\nSubject : no\r\n",
	} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := parseHeader(raw)
		// The lines parseHeader reads, as it read them before it read
		// them itself: fields and their continuations, then net/mail.
		var clean bytes.Buffer
		field := false
		for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
			text := bytes.TrimRight(line, "\r\n")
			if len(text) == 0 {
				break
			}
			switch {
			case text[0] == ' ' || text[0] == '\t':
				if !field {
					continue
				}
			case isField(text):
				field = true
			default:
				field = false
				continue
			}
			clean.Write(text)
			clean.WriteString("\r\n")
		}
		clean.WriteString("\r\n")
		msg, err := mail.ReadMessage(&clean)
		if err != nil {
			t.Fatalf("net/mail: %v", err)
		}
		h := msg.Header
		want := header{from: h.Get("From"), to: h.Get("To"), cc: h.Get("Cc"), subject: h.Get("Subject"),
			date: h.Get("Date"), messageID: h.Get("Message-Id"), received: h["Received"]}
		got.seen = 0
		if len(got.received) == 0 && len(want.received) == 0 {
			got.received, want.received = nil, nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", raw, got, want)
		}
	})
}

// Spare keeps buffers up to its bound in bytes, none too small to be
// worth it, and gives the largest back first, emptied; nil keeps nothing.
func TestSpare(t *testing.T) {
	s := NewSpare()
	for i, size := range []int{1 << 20, 2 << 20, 4 << 10, 512 << 10, 2 << 20} {
		b := make([]byte, 5, size)
		b[0] = byte(i)
		s.Put(b)
	}
	var got []int
	for b := s.Get(); b != nil; b = s.Get() {
		if len(b) != 0 {
			t.Fatalf("a buffer of %d bytes, not emptied", len(b))
		}
		got = append(got, int(b[:1][0]))
	}
	if fmt.Sprint(got) != "[1 0 3]" {
		t.Errorf("got buffers %v back, want [1 0 3]: the largest first, within %d bytes, none of 4 KiB", got, maxSpare)
	}
	var none *Spare
	none.Put(make([]byte, 10))
	if none.Get() != nil {
		t.Error("a nil Spare gave a buffer")
	}
}

// TestNoParts: with NoParts the MIME structure is not read (no parts, no
// flag from reading them), and the rest is as without it: the summary,
// the size, the kept body, every byte to the subscriber.
func TestNoParts(t *testing.T) {
	raw := "From: a@b\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n" +
		"--X\r\nContent-Type: text/plain\r\n\r\nhola\r\n--X\r\nContent-Disposition: attachment; filename=a.bin\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nQUJD!\r\n--X--\r\n"
	read := func(noParts bool) (*session.Message, string) {
		var got strings.Builder
		b := New(&session.Message{}, Bounds{KeepBody: true, NoParts: noParts}, &got)
		for i := 0; i < len(raw); i += 5 {
			b.Write([]byte(raw[i:min(i+5, len(raw))]))
		}
		return b.Finish(false), got.String()
	}
	with, _ := read(false)
	if len(with.Parts) != 2 {
		t.Fatalf("without NoParts, %d parts, want 2", len(with.Parts))
	}
	m, got := read(true)
	if len(m.Parts) != 0 || m.PartsMore != 0 || len(m.Flags) != 0 {
		t.Errorf("with NoParts, parts %v (%d more), flags %v; want none", m.Parts, m.PartsMore, m.Flags)
	}
	if m.From != with.From || m.Subject != with.Subject || m.Size != with.Size || !bytes.Equal(m.Body, with.Body) || got != raw {
		t.Errorf("with NoParts, From %q Subject %q size %d body %d bytes, subscriber %d; want those without it",
			m.From, m.Subject, m.Size, len(m.Body), len(got))
	}
}
