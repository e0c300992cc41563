package explain_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/reassembly"
)

// TestCatalogHasBothLanguages: every text is in English and in Spanish,
// and names where the RFCs say it.
func TestCatalogHasBothLanguages(t *testing.T) {
	ref := regexp.MustCompile(`^RFC \d+( §\d+(\.\d+)*)?$`)
	verb := regexp.MustCompile(`%[a-z]`)
	for key, text := range explain.NewCatalog() {
		if strings.HasSuffix(key, ".like") {
			continue // a dialect's base protocol (LMTP's is SMTP), not a text
		}
		if text.En == "" || text.Es == "" || text.En == text.Es {
			t.Errorf("%s: en %q, es %q", key, text.En, text.Es)
		}
		if strings.HasPrefix(key, "ui.") != (text.Ref == "") || text.Ref != "" && !ref.MatchString(text.Ref) {
			t.Errorf("%s: reference %q", key, text.Ref)
		}
		// A format takes the same arguments in both languages.
		if en, es := verb.FindAllString(text.En, -1), verb.FindAllString(text.Es, -1); !slices.Equal(en, es) {
			t.Errorf("%s: verbs %v in English, %v in Spanish", key, en, es)
		}
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want explain.Lang
	}{
		{map[string]string{}, explain.English},
		{map[string]string{"LANG": "es_AR.UTF-8"}, explain.Spanish},
		{map[string]string{"LANG": "es_AR.UTF-8", "LC_ALL": "C"}, explain.English},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "es_ES"}, explain.Spanish},
		{map[string]string{"LC_ALL": "ES_es"}, explain.Spanish},
	}
	for _, tt := range tests {
		if got := explain.FromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.env, got, tt.want)
		}
	}
}

func TestReply(t *testing.T) {
	c := explain.NewCatalog()
	tests := []struct {
		proto session.Protocol
		r     session.Response
		want  []string // references, in order
	}{
		{"smtp", session.Response{Status: "250", Enhanced: "2.1.5", Lines: []string{"250 2.1.5 Ok"}}, []string{"RFC 5321 §4.2.3", "RFC 3463 §3.2"}},
		// A code no RFC lists is read digit by digit.
		{"smtp", session.Response{Status: "422", Lines: []string{"422 odd"}}, []string{"RFC 5321 §4.2.1", "RFC 5321 §4.2.1"}},
		{"pop3", session.Response{Status: "-ERR", Lines: []string{"-ERR [AUTH] Authentication failed."}}, []string{"RFC 1939 §3", "RFC 3206 §5"}},
		{"imap", session.Response{Status: "OK", Lines: []string{"* OK [UIDVALIDITY 1] x", "* OK [UIDNEXT 3] y", "a2 OK [READ-WRITE] Select completed"}},
			[]string{"RFC 9051 §7.1.1", "RFC 9051 §7.1", "RFC 9051 §7.1", "RFC 9051 §7.1"}},
		{"imap", session.Response{Status: "OK", Lines: []string{"* OK [CAPABILITY IMAP4rev1] Dovecot ready."}}, []string{"RFC 9051 §7.1.1", "RFC 9051 §7.1"}},
	}
	for _, tt := range tests {
		var got []string
		for _, x := range c.Reply(tt.proto, nil, &tt.r) {
			got = append(got, x.Ref)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: got %v, want %v", tt.proto, tt.r.Lines, got, tt.want)
		}
	}
	if g := c.Reply("imap", nil, &session.Response{Status: "OK", Lines: []string{"* OK ready"}}); len(g) != 1 || !strings.Contains(g[0].En, "greeting") {
		t.Errorf("IMAP greeting: %+v", g)
	}
}

// TestCoverage: every command and reply code in the samples and the
// public captures has an explanation of its own; only commands the
// parsers did not know fall back to "not a command".
func TestCoverage(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	files = append(files, public...)
	c := explain.NewCatalog()
	missing := map[string]bool{}
	for _, path := range files {
		var sessions []*session.Session
		tr := analyzer.NewTracker(analyzer.DefaultOptions(), sink.Ended(func(s *session.Session) { sessions = append(sessions, s) }))
		rd := reassembly.NewReader(reassembly.DefaultOptions(), tr, nil)
		if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: path}}); err != nil {
			continue // damaged public files are another test's business
		}
		for _, s := range sessions {
			for _, e := range s.Exchanges {
				if cmd := e.Command; cmd != nil && known(cmd.Verb) {
					if ts := c.Command(s.Protocol, cmd); len(ts) == 0 || ts[0] == c[string(s.Protocol)+".cmd.unknown"] {
						missing[string(s.Protocol)+" command "+cmd.Verb] = true
					}
				}
				if r := e.Response; r != nil && r.Status != "" {
					if len(c.Reply(s.Protocol, e.Command, r)) == 0 {
						missing[string(s.Protocol)+" reply "+r.Status] = true
					}
					if s.Protocol != "smtp" {
						for _, code := range explain.ResponseCodes(r.Lines) {
							if _, ok := c[string(s.Protocol)+".code."+code]; !ok {
								missing[string(s.Protocol)+" response code "+code] = true
							}
						}
					}
					if _, ok := c[string(s.Protocol)+".code."+r.Status]; s.Protocol == "smtp" && !ok && standard(r.Status) {
						missing["smtp code "+r.Status] = true
					}
					for _, key := range lineKeys(s.Protocol, e.Command, r) {
						if _, ok := c[key]; !ok {
							missing[key] = true
						}
					}
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("without an explanation: %v", slices.Sorted(func(yield func(string) bool) {
			for k := range missing {
				if !yield(k) {
					return
				}
			}
		}))
	}
}

// lineKeys are the catalog keys a reply's lines call for, as the lab's
// handout asks students to read them: each EHLO (and LHLO) keyword, each
// CAPA line, each kind of IMAP untagged data.
func lineKeys(p session.Protocol, cmd *session.Command, r *session.Response) []string {
	word := func(s string) string {
		w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		w, _, _ = strings.Cut(w, "=")
		return strings.ToUpper(w)
	}
	var keys []string
	switch {
	case (p == "smtp" || p == "lmtp") && cmd != nil && (cmd.Verb == "EHLO" || cmd.Verb == "LHLO") && r.Status == "250":
		for _, l := range r.Lines[min(1, len(r.Lines)):] {
			if len(l) > 4 {
				keys = append(keys, "smtp.ext."+word(l[4:]))
			}
		}
	case p == "pop3" && cmd != nil && cmd.Verb == "CAPA" && r.Status == "+OK":
		for _, l := range r.Lines[min(1, len(r.Lines)):] {
			if w := word(l); w != "." && w != "" {
				keys = append(keys, "pop3.capa."+w)
			}
		}
	case p == "imap":
		for _, l := range r.Lines {
			rest, ok := strings.CutPrefix(l, "* ")
			if !ok {
				continue
			}
			w := word(rest)
			if strings.Trim(w, "0123456789") == "" { // "* 3 FETCH"
				_, after, _ := strings.Cut(rest, " ")
				w = word(after)
			}
			if w != "OK" && w != "NO" && w != "BAD" && w != "BYE" && w != "PREAUTH" && w != "" {
				keys = append(keys, "imap.data."+w)
			}
		}
	}
	return keys
}

// known reports a verb the parsers recognized: they upper-case those, and
// keep anything else as typed.
func known(verb string) bool {
	return verb != "" && verb == strings.ToUpper(verb) && strings.Trim(verb, "ABCDEFGHIJKLMNOPQRSTUVWXYZ ") == ""
}

// standard reports the SMTP reply codes RFC 5321 §4.2.3 and RFC 4954 §6
// list.
func standard(code string) bool {
	return strings.Contains("211 214 220 221 235 250 251 252 334 354 421 432 450 451 452 454 455 500 501 502 503 504 530 534 535 538 550 551 552 553 554 555", code)
}

func TestSASLSteps(t *testing.T) {
	c := explain.NewCatalog()
	auth := func(kind, args string) *session.Command {
		return &session.Command{Kind: kind, Verb: "AUTH", Args: args}
	}
	tests := []struct {
		cmd  *session.Command
		r    session.Response
		want string // the last explanation's reference, "" for none past the status
	}{
		{auth(session.KindCommand, "PLAIN"), session.Response{Status: "334", Lines: []string{"334 "}}, "RFC 4616 §2"},
		{auth(session.KindCommand, "login"), session.Response{Status: "334", Decoded: "Username:", Lines: []string{"334 VXNlcm5hbWU6"}}, "RFC 4954 §4"},
		{auth(session.KindContinuation, "LOGIN"), session.Response{Status: "334", Decoded: "Password:", Lines: []string{"334 UGFzc3dvcmQ6"}}, "RFC 4954 §4"},
		{auth(session.KindCommand, "CRAM-MD5"), session.Response{Status: "334", Lines: []string{"334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"}}, "RFC 2195 §2"},
		{auth(session.KindCommand, "X-UNKNOWN"), session.Response{Status: "334", Lines: []string{"334 "}}, "RFC 4422 §3"},
	}
	for _, tt := range tests {
		got := c.Reply("smtp", tt.cmd, &tt.r)
		if last := got[len(got)-1].Ref; last != tt.want || len(got) != 2 {
			t.Errorf("%s %v: got %+v, want the step from %s", tt.cmd.Args, tt.r.Lines, got, tt.want)
		}
	}
	// The password prompt says what it asks for, in Spanish too.
	g := c.Reply("smtp", auth(session.KindContinuation, "LOGIN"), &session.Response{Status: "334", Decoded: "Password:"})
	if !strings.Contains(g[len(g)-1].In(explain.Spanish), "contraseña") {
		t.Errorf("got %q", g[len(g)-1].In(explain.Spanish))
	}
}

// TestEveryAnomalyKeyIsInTheCatalog: the keys the parsers and the
// tracker record anomalies under all have a text, read from their source
// (a key without one would record an empty anomaly).
func TestEveryAnomalyKeyIsInTheCatalog(t *testing.T) {
	files, _ := filepath.Glob("../*/*.go")
	more, _ := filepath.Glob("../*.go")
	files = append(files, more...)
	call := regexp.MustCompile(`explain\.Anomaly\([^"\n)]*"([^"]+)"`)
	cut := regexp.MustCompile(`CutShort\([^"]*"([^"]+)"\)`)
	flag := regexp.MustCompile(`flag\([^,"]+, "[^"]+", "([^"]+)"\)`) // SMTP's odd bytes
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			found++
			key := m[1]
			if strings.HasSuffix(key, ".") { // completed at run time: "implicit.clear."+who
				if !slices.ContainsFunc(slices.Collect(maps.Keys(explain.NewCatalog())), func(k string) bool {
					return strings.HasPrefix(k, "ui.anomaly."+key)
				}) {
					t.Errorf("%s: no text for %s...", f, key)
				}
				continue
			}
			if explain.Say("ui.anomaly."+key, explain.English) == "" {
				t.Errorf("%s: no text for anomaly %q", f, key)
			}
		}
		for _, m := range flag.FindAllStringSubmatch(string(src), -1) {
			found++
			if explain.Say("ui.anomaly."+m[1], explain.English) == "" {
				t.Errorf("%s: no text for anomaly %q", f, m[1])
			}
		}
		for _, m := range cut.FindAllStringSubmatch(string(src), -1) {
			if explain.Say("ui.anomaly.short."+m[1], explain.English) == "" {
				t.Errorf("%s: no text for cut %q", f, m[1])
			}
		}
	}
	if found < 25 {
		t.Errorf("found %d anomaly calls; the pattern no longer matches the code", found)
	}
}

// TestPOP3GreetingAndBareAUTH: the greeting is no command's success, and
// a bare AUTH is not RFC 5034's (which requires a mechanism).
func TestPOP3GreetingAndBareAUTH(t *testing.T) {
	c := explain.NewCatalog()
	if g := c.Reply("pop3", nil, &session.Response{Status: "+OK", Lines: []string{"+OK Dovecot (Ubuntu) ready."}}); len(g) != 1 || !strings.Contains(g[0].En, "greeting") || g[0].Ref != "RFC 1939 §4" {
		t.Errorf("POP3 greeting: %+v", g)
	}
	cmd := &session.Command{Kind: session.KindCommand, Verb: "STAT"}
	if g := c.Reply("pop3", cmd, &session.Response{Status: "+OK", Lines: []string{"+OK 1 500"}}); len(g) != 1 || strings.Contains(g[0].En, "greeting") {
		t.Errorf("+OK to STAT: %+v", g)
	}
	bare := c.Command("pop3", &session.Command{Kind: session.KindCommand, Verb: "AUTH"})
	if len(bare) != 1 || !strings.Contains(bare[0].En, "not in RFC 5034") {
		t.Errorf("bare AUTH: %+v", bare)
	}
	if m := c.Command("pop3", &session.Command{Kind: session.KindCommand, Verb: "AUTH", Args: "PLAIN"}); len(m) != 1 || strings.Contains(m[0].En, "without one") {
		t.Errorf("AUTH PLAIN: %+v", m)
	}
}

// TestLineKinds: an EHLO reply's keywords, CAPA's lines and IMAP's
// untagged data are explained, each kind once; a reply to another
// command is not read for keywords.
func TestLineKinds(t *testing.T) {
	c := explain.NewCatalog()
	refs := func(ts []explain.Text) (out []string) {
		for _, x := range ts {
			out = append(out, x.Ref)
		}
		return out
	}
	ehlo := &session.Command{Kind: session.KindCommand, Verb: "EHLO"}
	got := refs(c.Reply("smtp", ehlo, &session.Response{Status: "250", Lines: []string{"250-mx", "250-PIPELINING", "250-SIZE 10240000", "250 AUTH PLAIN LOGIN"}}))
	if !slices.Equal(got, []string{"RFC 5321 §4.2.3", "RFC 2920", "RFC 1870", "RFC 4954"}) {
		t.Errorf("EHLO: %v", got)
	}
	noop := &session.Command{Kind: session.KindCommand, Verb: "NOOP"}
	if got := refs(c.Reply("smtp", noop, &session.Response{Status: "250", Lines: []string{"250 PIPELINING"}})); len(got) != 1 {
		t.Errorf("NOOP's 250 read for keywords: %v", got)
	}
	capa := &session.Command{Kind: session.KindCommand, Verb: "CAPA"}
	if got := refs(c.Reply("pop3", capa, &session.Response{Status: "+OK", Lines: []string{"+OK", "TOP", "SASL PLAIN", "STLS"}})); !slices.Equal(got, []string{"RFC 1939 §3", "RFC 2449 §6.1", "RFC 2449 §6.3", "RFC 2595 §4"}) {
		t.Errorf("CAPA: %v", got)
	}
	sel := &session.Command{Kind: session.KindCommand, Verb: "SELECT"}
	got = refs(c.Reply("imap", sel, &session.Response{Status: "OK", Lines: []string{"* 2 EXISTS", "* 3 EXISTS", "* FLAGS (\\Seen)", "a1 OK done"}}))
	if !slices.Equal(got, []string{"RFC 9051 §7.1.1", "RFC 9051 §7.4.1", "RFC 9051 §7.3.5"}) {
		t.Errorf("SELECT: %v", got)
	}
}

// TestAnomalyQuotesTheStart: an anomaly keeps the first
// session.ShortLine bytes of a long string it names, in its text and its
// arguments.
func TestAnomalyQuotesTheStart(t *testing.T) {
	s := &session.Session{}
	long := strings.Repeat("x", 60000)
	explain.Anomaly(s, time.Time{}, session.FromServer, "code.missing", long)
	a := s.Anomalies[0]
	if len(a.Args[0].(string)) != session.ShortLine || len(a.Text) > 2*session.ShortLine {
		t.Errorf("an anomaly of %d bytes, quoting %d", len(a.Text), len(a.Args[0].(string)))
	}
}
