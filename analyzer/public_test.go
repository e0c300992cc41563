package analyzer_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/imap"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

// publicDir holds real captures from public projects (see its README);
// the tests that use it skip where it is absent, as in a user's clone.
const publicDir = "../../shared/captures/public"

func publicCapture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(publicDir, name))
	if os.IsNotExist(err) {
		t.Skipf("%s absent", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPublicCapturesAll runs every public capture: none may fail or
// panic, and each one that INDEX.tsv says carries mail on a mail port
// gives sessions.
func TestPublicCapturesAll(t *testing.T) {
	index, err := os.ReadFile(filepath.Join(publicDir, "INDEX.tsv"))
	if os.IsNotExist(err) {
		t.Skip("public captures absent")
	}
	if err != nil {
		t.Fatal(err)
	}
	mailPorts := map[string]bool{}
	for _, p := range analyzer.Protocols().Ports() {
		mailPorts[strconv.Itoa(int(p))] = true
	}
	n := 0
	for _, row := range strings.Split(string(index), "\n")[1:] {
		f := strings.Split(row, "\t")
		if len(f) < 9 {
			continue
		}
		name, ports := f[0], f[8]
		n++
		t.Run(name, func(t *testing.T) {
			sessions, _ := analyze(t, publicCapture(t, name), analyzer.DefaultOptions())
			onMailPort := false
			for _, p := range strings.Fields(ports) {
				if _, port, ok := strings.Cut(p, "×"); ok {
					p = port
				}
				onMailPort = onMailPort || mailPorts[p]
			}
			if onMailPort && len(sessions) == 0 {
				t.Errorf("no session found; INDEX.tsv lists mail on ports %s", ports)
			}
			for _, s := range sessions {
				for _, e := range s.Exchanges {
					if e.Command == nil && e.Response == nil {
						t.Errorf("session %d has an empty exchange", s.ID)
					}
				}
			}
		})
	}
	if n < 30 {
		t.Errorf("INDEX.tsv lists %d captures, want at least 30", n)
	}
}

// TestPublicCapturesExact pins what a dozen public captures hold, checked
// against the bytes on the wire and tshark's dissection.
func TestPublicCapturesExact(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, ss []*session.Session, warnings []string)
	}{
		{"suricata-verify__smtp-pipelining__input.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			wantPairs(t, ss, 0, "- => 220", "EHLO ehlo.fr => 250", "MAIL FROM:<username@domain.com> => 250",
				"RCPT TO:<john.doe@example.com> => 250", "DATA => 354", "message DATA 16 bytes => 250")
		}},
		{"zeek__smtp_rfc3030-bdat-example1.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			wantPairs(t, ss, 0, "- => 220", "EHLO localhost => 250", "MAIL FROM:<zeek@localhost> => 250",
				"RCPT TO:<root@localhost> => 250", "BDAT 86 LAST => 250", "QUIT => 221")
			wantMessage(t, ss[0], 0, "BDAT", 86, "This is a bodyless test message")
		}},
		{"zeek__smtp_rfc3030-bdat-multipart-chunked.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			bdat := 0
			for _, e := range ss[0].Exchanges {
				if e.Command != nil && e.Command.Verb == "BDAT" {
					bdat++
					if e.Response == nil || e.Response.Status != "250" {
						t.Errorf("BDAT %s not answered 250", e.Command.Args)
					}
				}
			}
			if bdat != 27 {
				t.Errorf("got %d BDAT commands, want 27", bdat)
			}
			wantMessage(t, ss[0], 0, "BDAT", -1, "Zeek Logo")
		}},
		{"arkime__smtp-data-250.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			wantAuth(t, ss[0], "PLAIN", "12345678@aol.com", "passwd", true)
		}},
		{"suricata-verify__mime_mime-quoted-printable__input.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			if len(ss[0].Auth) != 1 || ss[0].Auth[0].Mechanism != "LOGIN" || ss[0].Auth[0].Username == "" {
				t.Errorf("auth: got %+v", ss[0].Auth)
			}
		}},
		{"ndpi__pop3.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			if len(ss) != 6 {
				t.Fatalf("got %d sessions, want 6", len(ss))
			}
			wantPairs(t, ss, 0, "- => +OK", "USER cicciopernacchio@mail.com => +OK", "PASS pippozzo => +OK",
				"LIST => +OK", "UIDL => +OK", "RETR 2 => +OK", "QUIT => +OK")
			wantAuth(t, ss[2], "PLAIN", "digitalinvestigator@networksims.com", "napier", false)
			wantAuth(t, ss[4], "PLAIN", "digitalinvestigator@networksims.com", "napier123", true)
			if n := len(ss[5].Messages); n != 3 {
				t.Errorf("session 6: got %d messages, want 3", n)
			}
		}},
		{"suricata-verify__pop3__input.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			if n := len(ss[0].Messages); n != 49 {
				t.Errorf("got %d messages, want 49 (TOP and RETR bodies)", n)
			}
		}},
		{"arkime__imap.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			wantAuth(t, ss[0], "LOGIN", "neulingern", "XXXXXX", true)
			cmds := 0
			for _, e := range ss[0].Exchanges {
				if e.Command != nil {
					cmds++
					if e.Response == nil || e.Response.Status != "OK" {
						t.Errorf("%s %s not answered OK", e.Command.Tag, e.Command.Verb)
					}
				}
			}
			if cmds != 26 {
				t.Errorf("got %d commands, want 26", cmds)
			}
			// 13 header fetches, the RFC822 of message 12, 12 header fetches.
			if n := len(ss[0].Messages); n != 26 {
				t.Errorf("got %d messages, want 26", n)
			}
			wantMessage(t, ss[0], 13, "FETCH", 3339, "Re: The problem with NDS userids and bindery logins sometimes wor king.....")
		}},
		{"ndpi__imap.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			wantAuth(t, ss[0], "LOGIN", "samir", "pfres", true)
			wantMessage(t, ss[0], 0, "FETCH", -1, "coucou")
		}},
		{"zeek__communityid_ipv6.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			if ss[0].Client != "[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943" || ss[0].Server != "[2607:f8b0:400c:c03::1a]:25" {
				t.Errorf("endpoints: got %s -> %s", ss[0].Client, ss[0].Server)
			}
		}},
		{"zeek__tls_pop3-starttls.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			wantPairs(t, ss, 0, "- => +OK", "STLS => +OK")
			if ss[0].TLS != session.TLSStart {
				t.Errorf("tls: got %s", ss[0].TLS)
			}
		}},
		{"ndpi__imaps.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			if len(ss) != 2 || ss[0].TLS != session.TLSImplicit || ss[0].Protocol != imap.Name || ss[0].BytesServer == 0 {
				t.Errorf("got %d sessions, first %+v", len(ss), ss[0])
			}
			// Implicit TLS: every byte is TLS, from the first.
			e := ss[0].Encrypted
			if e == nil || e.ClientFrom != 0 || e.ServerFrom != 0 || e.BytesClient != ss[0].BytesClient || e.BytesServer != ss[0].BytesServer {
				t.Fatalf("encrypted %+v", e)
			}
			if h := handshakes(e); !strings.HasPrefix(h, "client ClientHello, server ServerHello, server Certificate") {
				t.Errorf("handshake: %s", h)
			}
		}},
		{"ndpi__pop3_stls.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			// TLS begins after "STLS\r\n" and the server's "+OK Ready to
			// start TLS negotiation.\r\n"; a TLS 1.0 handshake with a
			// session ticket follows, and a closing alert.
			s := ss[0]
			e := s.Encrypted
			if e == nil || e.BytesClient != s.BytesClient-e.ClientFrom || e.BytesServer != s.BytesServer-e.ServerFrom {
				t.Fatalf("encrypted %+v", e)
			}
			if last := s.Exchanges[len(s.Exchanges)-1]; last.Command.Verb != "STLS" || !e.Since.After(last.Response.Time) {
				t.Errorf("TLS since %v, after %+v", e.Since, last)
			}
			want := "client ClientHello, server ServerHello, server Certificate, server ServerHelloDone, client ClientKeyExchange, server NewSessionTicket"
			if h := handshakes(e); h != want {
				t.Errorf("handshake:\n got %s\nwant %s", h, want)
			}
			if r := e.Records[len(e.Records)-1]; r.Type != "alert" || r.Dir != "server->client" || r.Version != "TLS 1.0" {
				t.Errorf("last record %+v", r)
			}
		}},
		{"ndpi__smtps.pcapng", func(t *testing.T, ss []*session.Session, _ []string) {
			// The server on 465 answered in clear: said, not hidden.
			if !hasAnomaly(ss[0], "port 465 is for implicit TLS (RFC 8314), but the server's first bytes are not TLS") {
				t.Errorf("anomalies %+v", ss[0].Anomalies)
			}
		}},
		{"snort3_demo__ips_options_priority_smtp-lorem.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			// tshark: "previous segment(s) not captured" twice from the
			// server (1 byte each) and once in the message.
			var gaps []string
			for _, g := range ss[0].Gaps {
				gaps = append(gaps, g.Dir+" "+strconv.Itoa(g.Bytes))
			}
			if strings.Join(gaps, ", ") != "server->client 1, server->client 1, client->server 13488" {
				t.Errorf("gaps: got %v", gaps)
			}
			if len(ss[0].Messages) != 1 || !ss[0].Messages[0].Truncated {
				t.Errorf("the message with lost bytes should be marked incomplete: %+v", ss[0].Messages)
			}
			if p := st.Pairs(ss[0]); p[len(p)-1] != "QUIT => 221" {
				t.Errorf("exchanges after the gaps not recovered: %v", p)
			}
		}},
		{"arkime__socks5-smtp-503.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			// SMTP through a SOCKS5 proxy on port 1080, capture started late.
			if ss[0].Tunnel != "socks5 to 010.000.00.003:25" || ss[0].Detected != "content" {
				t.Errorf("tunnel %q detected by %s", ss[0].Tunnel, ss[0].Detected)
			}
			if p := st.Pairs(ss[0]); len(p) < 3 || p[0] != "- => 220" || p[1] != "EHLO User => 250" || p[2] != "AUTH LOGIN => 503" {
				t.Errorf("exchanges: %v", p)
			}
		}},
		{"zeek__http_connect-with-smtp.pcap", func(t *testing.T, ss []*session.Session, _ []string) {
			if ss[0].Tunnel != "http-connect to mailin03.sul.t-online.de:25" {
				t.Errorf("tunnel %q", ss[0].Tunnel)
			}
			wantMessage(t, ss[0], 0, "DATA", -1, "Hier sind die dicken Girls hemmungloser denn je.. grcu")
		}},
		{"suricata-verify__smtp-to-comma__10.7.29.101_49898-178.63.41.150_25.pcap", func(t *testing.T, ss []*session.Session, warnings []string) {
			if len(warnings) != 1 || !strings.Contains(warnings[0], "cut short after 18 packets") {
				t.Errorf("warnings: got %q", warnings)
			}
			if len(ss) != 1 {
				t.Errorf("got %d sessions from the readable part, want 1", len(ss))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ss, warnings := analyze(t, publicCapture(t, tc.file), analyzer.DefaultOptions())
			if len(ss) == 0 {
				t.Fatal("no sessions")
			}
			tc.check(t, ss, warnings)
		})
	}
}

func wantPairs(t *testing.T, ss []*session.Session, i int, want ...string) {
	t.Helper()
	if d := st.Diff(st.Pairs(ss[i]), want); d != "" {
		t.Errorf("session %d exchanges differ:\n%s", ss[i].ID, d)
	}
}

func wantAuth(t *testing.T, s *session.Session, mech, user, pass string, ok bool) {
	t.Helper()
	for _, a := range s.Auth {
		if a.Mechanism == mech && a.Username == user && a.Password == pass && a.Success != nil && *a.Success == ok {
			return
		}
	}
	t.Errorf("session %d: no auth %s %q %q success=%v in %+v", s.ID, mech, user, pass, ok, s.Auth)
}

// wantMessage checks message i; size -1 skips the size.
func wantMessage(t *testing.T, s *session.Session, i int, via string, size int64, subject string) {
	t.Helper()
	if i >= len(s.Messages) {
		t.Fatalf("session %d: no message %d", s.ID, i)
	}
	m := s.Messages[i]
	if m.Via != via || (size >= 0 && m.Size != size) || m.Subject != subject {
		t.Errorf("message %d: got via %s size %d subject %q, want %s %d %q", i, m.Via, m.Size, m.Subject, via, size, subject)
	}
}

// handshakes lists the readable handshake messages of e, with the side
// that sent each.
func handshakes(e *session.Encrypted) string {
	var hs []string
	for _, r := range e.Records {
		if r.Type == "handshake" && r.Handshake != "encrypted" {
			from, _, _ := strings.Cut(r.Dir, "->")
			hs = append(hs, from+" "+r.Handshake)
		}
	}
	return strings.Join(hs, ", ")
}

func hasAnomaly(s *session.Session, prefix string) bool {
	for _, a := range s.Anomalies {
		if strings.HasPrefix(a.Text, prefix) {
			return true
		}
	}
	return false
}
