package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// TestLadderKeepsTheEvidence: a long refusal keeps the label that says
// which recipient it refused, and a message whose From is not its
// envelope sender shows its From, in both languages.
func TestLadderKeepsTheEvidence(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	cmd := func(verb, line string, ms int) *session.Command {
		return &session.Command{Kind: session.KindCommand, Verb: verb, Line: line, Time: at(ms)}
	}
	reply := func(line string, ms int) *session.Response {
		return &session.Response{Lines: []string{line}, Time: at(ms)}
	}
	msg := 0
	refusal := "550 5.1.1 <nadie@redes.unlp.edu.ar>: Recipient address rejected: User unknown in local recipient table"
	s := &session.Session{ID: 1, Protocol: "smtp", Start: at(0), End: at(20),
		Client: "127.0.0.1:40000", Server: "127.0.0.1:25",
		Exchanges: []*session.Exchange{
			{Command: cmd("MAIL", "MAIL FROM:<pepe@redes.unlp.edu.ar>", 1), Response: reply("250 2.1.0 Ok", 3)},
			{Command: cmd("RCPT", "RCPT TO:<alumnoimap@redes.unlp.edu.ar>", 1), Response: reply("250 2.1.5 Ok", 3)},
			{Command: cmd("RCPT", "RCPT TO:<nadie@redes.unlp.edu.ar>", 1), Response: reply(refusal, 3)},
			{Command: cmd("DATA", "DATA", 1), Response: reply("354 End data with <CR><LF>.<CR><LF>", 3)},
			{Command: &session.Command{Kind: session.KindMessage, Size: 120, Message: &msg, Time: at(5)}, Response: reply("250 2.0.0 Ok: queued as 5FF5CBA1BE", 6)},
		},
		Messages: []*session.Message{{Via: "DATA", Size: 120, MailFrom: "pepe@redes.unlp.edu.ar",
			RcptTo: []string{"alumnoimap@redes.unlp.edu.ar"}, From: "Decano <decano@redes.unlp.edu.ar>", Subject: "Aprobado"}},
	}
	for _, tt := range []struct {
		lang  explain.Lang
		words []string
	}{
		{explain.English, []string{"← RCPT #2", "From: Decano <decano@redes.unlp.edu.ar>; Subject: Aprobado", "client 127.0.0.1:40000", "<message 120 bytes> envelope"}},
		{explain.Spanish, []string{"← RCPT #2", "From: Decano <decano@redes.unlp.edu.ar>; Subject: Aprobado", "cliente 127.0.0.1:40000", "<mensaje de 120 bytes> sobre"}},
	} {
		var b bytes.Buffer
		Ladder(&b, s, TextOptions{Lang: tt.lang})
		out := b.String()
		for _, w := range tt.words {
			if !strings.Contains(out, w) {
				t.Errorf("lang %v: %q missing from\n%s", tt.lang, w, out)
			}
		}
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n")[3:] {
			if n := width(l); n != LabWidth {
				t.Errorf("lang %v: line %d columns wide, not %d: %q", tt.lang, n, LabWidth, l)
			}
		}
	}

	// The same From as the envelope sender adds no line.
	s.Messages[0].From = "Pepe <PEPE@redes.unlp.edu.ar>"
	var b bytes.Buffer
	Ladder(&b, s, TextOptions{})
	if strings.Contains(b.String(), "From:") {
		t.Errorf("a From that is the envelope sender was shown:\n%s", b.String())
	}
}

// TestTimelineSaysTyping: a line typed over seconds says so, in the
// chosen language; one sent at once says nothing.
func TestTimelineSaysTyping(t *testing.T) {
	at := time.Unix(0, 0)
	for _, tt := range []struct {
		typed float64
		lang  explain.Lang
		want  string
	}{
		{3500, explain.English, "C: ehlo redes   (typed over 3.5 s)"},
		{3500, explain.Spanish, "C: ehlo redes   (tecleado durante 3.5 s)"},
		{20, explain.English, "C: ehlo redes\n"},
	} {
		s := &session.Session{ID: 1, Protocol: "smtp", Start: at, End: at.Add(5 * time.Second),
			Exchanges: []*session.Exchange{{Command: &session.Command{Kind: session.KindCommand, Verb: "EHLO", Line: "ehlo redes", Time: at.Add(4 * time.Second), TypedMS: tt.typed}}}}
		var b bytes.Buffer
		Timeline(&b, s, TextOptions{Lang: tt.lang})
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("typed %v ms, %v: %q missing from\n%s", tt.typed, tt.lang, tt.want, b.String())
		}
	}
}
