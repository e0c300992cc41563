package analyzer_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/imap"
	"github.com/mailtrace/mailtrace/analyzer/pop3"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/smtp"
)

// body is a message of about 1 MB in base64 lines, as attachments are.
var body = func() string {
	var b strings.Builder
	b.WriteString("From: a@b\r\nSubject: bench\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len() < 1<<20 {
		b.WriteString(line)
	}
	return b.String()
}()

type segment struct {
	dir  session.Dir
	data []byte
}

// segments cuts steps into 1448-byte segments, as TCP would deliver them.
func segments(steps []st.Step) []segment {
	var out []segment
	for _, s := range steps {
		for off := 0; off < len(s.Data); off += 1448 {
			out = append(out, segment{s.Dir, []byte(s.Data[off:min(off+1448, len(s.Data))])})
		}
	}
	return out
}

func bench(b *testing.B, spec proto.Spec, steps []st.Step) {
	segs := segments(steps)
	n := 0
	for _, s := range segs {
		n += len(s.data)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := spec.New(proto.Env{Session: st.NewSession(spec.Name)})
		t := st.T0
		for _, s := range segs {
			p.Feed(s.dir, t, s.data)
			t = t.Add(time.Microsecond)
		}
		p.Close(t)
	}
}

func BenchmarkSMTP(b *testing.B) {
	bench(b, smtp.Spec(), []st.Step{
		st.S("220 mx ESMTP\r\n"), st.C("EHLO c\r\n"), st.S("250-mx\r\n250 PIPELINING\r\n"),
		st.C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"), st.S("250 ok\r\n250 ok\r\n354 go\r\n"),
		st.C(body + ".\r\n"), st.S("250 queued\r\n"), st.C("QUIT\r\n"), st.S("221 bye\r\n"),
	})
}

func BenchmarkPOP3(b *testing.B) {
	bench(b, pop3.Spec(), []st.Step{
		st.S("+OK ready\r\n"), st.C("USER u\r\n"), st.S("+OK\r\n"), st.C("PASS p\r\n"), st.S("+OK\r\n"),
		st.C("RETR 1\r\n"), st.S("+OK\r\n" + body + ".\r\n"), st.C("QUIT\r\n"), st.S("+OK\r\n"),
	})
}

func BenchmarkIMAP(b *testing.B) {
	bench(b, imap.Spec(), []st.Step{
		st.S("* OK ready\r\n"), st.C("a LOGIN u p\r\n"), st.S("a OK\r\n"), st.C("b FETCH 1 BODY[]\r\n"),
		st.S(fmt.Sprintf("* 1 FETCH (BODY[] {%d}\r\n%s)\r\nb OK\r\n", len(body), body)), st.C("c LOGOUT\r\n"), st.S("c OK\r\n"),
	})
}
