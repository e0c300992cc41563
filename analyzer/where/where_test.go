package where

import (
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// TestWhere: what each expression keeps of three sessions.
func TestWhere(t *testing.T) {
	yes, no := true, false
	smtp := &session.Session{ID: 1, Protocol: "smtp", Client: "10.0.0.1:40000", Server: "10.0.0.2:587", TLS: "starttls", State: "closed",
		Auth: []*session.Auth{{Username: "alumnoimap", Success: &yes}},
		Exchanges: []*session.Exchange{
			{Command: &session.Command{Kind: session.KindCommand, Verb: "EHLO"}, Response: &session.Response{Status: "250"}},
			{Command: &session.Command{Kind: session.KindCommand, Verb: "RCPT"}, Response: &session.Response{Status: "550"}}},
		Messages: []*session.Message{{Subject: "Informe de la práctica", MailFrom: "alumnoimap@redes.unlp.edu.ar", RcptTo: []string{"pepe@correo.example"}}}}
	pop := &session.Session{ID: 2, Protocol: "pop3", Client: "10.0.0.1:40001", Server: "10.0.0.2:110", TLS: "none", State: "reset",
		Auth:      []*session.Auth{{Username: "alumnopop", Success: &no}},
		Findings:  []session.Finding{{Kind: "cleartext-credentials"}},
		Exchanges: []*session.Exchange{{Command: &session.Command{Kind: session.KindCommand, Verb: "PASS"}, Response: &session.Response{Status: "-ERR"}}}}
	imap := &session.Session{ID: 3, Protocol: "imap", Client: "[2001:db8::1]:50000", Server: "[2001:db8::2]:143", TLS: "none", State: "closed"}
	all := []*session.Session{smtp, pop, imap}
	for _, tc := range []struct {
		expr string
		want string // the IDs kept
	}{
		{"protocol=imap", "3"},
		{"PROTOCOL = IMAP", "3"},
		{"protocol!=imap", "1,2"},
		{"user=alumnopop", "2"},
		{"user~alumno", "1,2"},
		{"finding=cleartext-credentials", "2"},
		{"code=550", "1"},
		{"code=-ERR or code=550", "1,2"},
		{"code!=250", "2,3"},
		{"command=rcpt", "1"},
		{`subject~"de la"`, "1"},
		{"address=pepe@correo.example", "1"},
		{"host=2001:db8::2", "3"},
		{"port=110", "2"},
		{"tls=starttls", "1"},
		{"state=reset", "2"},
		{"not (protocol=smtp or protocol=pop3)", "3"},
		{"protocol=smtp and user=alumnoimap or state=reset", "1,2"},
		{"protocol=smtp and (user=alumnopop or state=reset)", ""},
	} {
		f, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		var got []string
		for _, s := range all {
			if f.Match(s) {
				got = append(got, string(rune('0'+s.ID)))
			}
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%q kept %v, want %s", tc.expr, got, tc.want)
		}
	}
}

// TestWhereErrors: what it cannot read is said, with the word and the
// fields there are.
func TestWhereErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"":                                      "empty",
		"colour=red":                            `no field "colour"`,
		"user":                                  "user wants =, != or ~",
		"user=":                                 "user= wants a value",
		"user=a and":                            "ends where a condition should come",
		"(user=a":                               "parenthesis not closed",
		`subject="no end`:                       "quote not closed",
		"user=a user=b":                         `"user" where the expression should end`,
		strings.Repeat("not ", 1001) + "user=a": "longer than",
	} {
		_, err := Parse(expr)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "fields: protocol, user") {
			t.Errorf("%.30q: %v, want %q", expr, err, want)
		}
	}
}

// FuzzWhere: any text parses or is refused, never a panic.
func FuzzWhere(f *testing.F) {
	for _, s := range []string{"protocol=imap", `not (user~a or subject="b c")`, "code!=250 and port=25", "((", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if flt, err := Parse(s); err == nil {
			flt.Match(&session.Session{Protocol: "smtp", Client: "1.2.3.4:5", Server: "x"})
		}
	})
}
