package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tlsSession is what the decryption tests read of a session's JSON.
type tlsSession struct {
	ID        int    `json:"id"`
	Protocol  string `json:"protocol"`
	Server    string `json:"server"`
	TLS       string `json:"tls"`
	Encrypted *struct {
		Since        time.Time `json:"since"`
		Version      string    `json:"version"`
		Cipher       string    `json:"cipher"`
		SNI          string    `json:"sni"`
		Decrypted    bool      `json:"decrypted"`
		NotDecrypted string    `json:"not_decrypted"`
	} `json:"encrypted"`
	Exchanges []struct {
		Command *struct {
			Kind string    `json:"kind"`
			Line string    `json:"line"` // SMTP's and POP3's
			Tag  string    `json:"tag"`  // IMAP's are tag, verb and arguments
			Verb string    `json:"verb"`
			Args string    `json:"args"`
			Time time.Time `json:"time"`
		} `json:"command"`
		Response *struct {
			Status string `json:"status"`
		} `json:"response"`
	} `json:"exchanges"`
	Messages []struct {
		Size  int64 `json:"size"`
		Parts []struct {
			Name   string `json:"filename"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		} `json:"parts"`
	} `json:"messages"`
	Auth []struct {
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"auth"`
	Findings []struct {
		Kind string `json:"kind"`
	} `json:"findings"`
	Anomalies []struct {
		Text string `json:"text"`
	} `json:"anomalies"`
}

func readSessions(t *testing.T, args ...string) []tlsSession {
	t.Helper()
	out, stderr, err := runCLI(t, nil, append([]string{"read", "--jsonl", "--keep-secrets"}, args...)...)
	if err != nil {
		t.Fatalf("read %v: %v %s", args, err, stderr)
	}
	var ss []tlsSession
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !sessionLine(l) {
			continue
		}
		var s tlsSession
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	return ss
}

// transcript is a session as the tests compare it: the commands and the
// reply codes after TLS began (all of a session in clear), and each
// message's size and parts.
func transcript(s tlsSession) []string {
	var out []string
	for _, e := range s.Exchanges {
		if e.Command == nil || s.Encrypted != nil && e.Command.Time.Before(s.Encrypted.Since) {
			continue
		}
		st := ""
		if e.Response != nil {
			st = e.Response.Status
		}
		line := e.Command.Line
		if line == "" {
			line = strings.TrimSpace(e.Command.Tag + " " + e.Command.Verb + " " + e.Command.Args)
		}
		out = append(out, line+" → "+st)
	}
	for _, m := range s.Messages {
		for _, p := range m.Parts {
			out = append(out, fmt.Sprintf("message %d: %s %d %s", m.Size, p.Name, p.Size, p.SHA256))
		}
		if len(m.Parts) == 0 {
			out = append(out, fmt.Sprintf("message %d", m.Size))
		}
	}
	return out
}

// TestTLSDecryptedEqualsClear: each session over TLS, after STARTTLS or
// from the first byte, TLS 1.3 and 1.2 with each AEAD kind, reads as the
// same session sent in clear: commands, reply codes, messages, attachment
// hashes. Recorded from the lab's Postfix and Dovecot with Python's ssl
// writing the key log; the capture carries it (editcap --inject-secrets).
func TestTLSDecryptedEqualsClear(t *testing.T) {
	ss := readSessions(t, "../../samples/tls-secrets.pcapng")
	if len(ss) != 9 {
		t.Fatalf("%d sessions, want 9", len(ss))
	}
	want := map[int]struct{ tls, version, cipher string }{
		2: {"starttls", "TLS 1.3", "TLS_AES_256_GCM_SHA384"},
		3: {"implicit", "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		5: {"starttls", "TLS 1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
		6: {"implicit", "TLS 1.3", "TLS_AES_256_GCM_SHA384"},
		8: {"starttls", "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
		9: {"implicit", "TLS 1.3", "TLS_AES_256_GCM_SHA384"},
	}
	var clear tlsSession
	for _, s := range ss {
		w, encrypted := want[s.ID]
		if !encrypted {
			clear = s
			if s.TLS != "none" || len(transcript(s)) < 4 {
				t.Fatalf("session %d: tls %s, %d exchanges", s.ID, s.TLS, len(s.Exchanges))
			}
			continue
		}
		e := s.Encrypted
		if s.TLS != w.tls || e == nil || !e.Decrypted || e.NotDecrypted != "" || e.Version != w.version || e.Cipher != w.cipher ||
			e.SNI != "mail.redes.unlp.edu.ar" {
			t.Errorf("session %d: tls %s, %+v; want %+v", s.ID, s.TLS, e, w)
			continue
		}
		if s.Protocol != clear.Protocol {
			t.Fatalf("session %d is %s, after a %s session in clear", s.ID, s.Protocol, clear.Protocol)
		}
		got, exp := transcript(s), transcript(clear)
		if strings.Join(got, "\n") != strings.Join(exp, "\n") {
			t.Errorf("session %d (%s over %s) differs from session %d in clear:\n got %q\nwant %q", s.ID, s.Protocol, w.tls, clear.ID, got, exp)
		}
		// Credentials read out of TLS did not cross in clear.
		for _, f := range s.Findings {
			if f.Kind == "cleartext-credentials" || f.Kind == "tls-not-used" {
				t.Errorf("session %d: finding %s for a decrypted session", s.ID, f.Kind)
			}
		}
		if len(s.Auth) != 1 || s.Auth[0].Username == "" {
			t.Errorf("session %d: auth %+v", s.ID, s.Auth)
		}
	}
}

// TestTLSKeyLogFlag: the key log given with --tls-keylog reads the
// capture as its own secrets block does; without it the same sessions say
// TLS is not readable, and with --redact what it reveals is masked too.
func TestTLSKeyLogFlag(t *testing.T) {
	withFlag, _, err := runCLI(t, nil, "read", "--jsonl", "--tls-keylog", "../../samples/tls-keylog.keys", "../../samples/tls-keylog.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	inside, _, err := runCLI(t, nil, "read", "--jsonl", "../../samples/tls-secrets.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if withFlag != inside {
		t.Errorf("--tls-keylog and the capture's secrets block read differently")
	}
	for _, s := range readSessions(t, "../../samples/tls-keylog.pcapng") {
		if s.TLS != "none" && (s.Encrypted == nil || s.Encrypted.Decrypted || len(s.Auth) > 0 || s.Encrypted.NotDecrypted != "") {
			t.Errorf("session %d read without keys: %+v, auth %+v", s.ID, s.Encrypted, s.Auth)
		}
	}
	redacted, _, err := runCLI(t, nil, "read", "--json", "--redact", "../../samples/tls-secrets.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"alumnoimappass", "alumnopoppass", "AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M="} {
		if strings.Contains(redacted, secret) {
			t.Errorf("--redact left %q in the JSON", secret)
		}
	}
}

// TestTLSOneKeyMissing: a key log without one session's secrets leaves
// that session "not decrypted: no key" and decrypts the others; a key log
// whose secrets are wrong says they do not authenticate.
func TestTLSOneKeyMissing(t *testing.T) {
	keylog, err := os.ReadFile("../../samples/tls-keylog.keys")
	if err != nil {
		t.Fatal(err)
	}
	var randoms []string
	for _, l := range strings.Split(string(keylog), "\n") {
		if f := strings.Fields(l); len(f) == 3 && (f[0] == "CLIENT_RANDOM" || f[0] == "CLIENT_TRAFFIC_SECRET_0") {
			randoms = append(randoms, f[1])
		}
	}
	if len(randoms) != 6 {
		t.Fatalf("%d sessions in the key log, want 6", len(randoms))
	}
	var kept, wrong []string
	for _, l := range strings.Split(string(keylog), "\n") {
		if !strings.Contains(l, randoms[0]) {
			kept = append(kept, l)
		}
		if f := strings.Fields(l); len(f) == 3 {
			f[2] = strings.Repeat("0", len(f[2]))
			wrong = append(wrong, strings.Join(f, " "))
		}
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, keylog, why string
		decrypted         int
	}{
		{"missing", strings.Join(kept, "\n"), "no-key", 5},
		{"wrong", strings.Join(wrong, "\n"), "auth-failed", 0},
	} {
		path := filepath.Join(dir, tc.name+".keys")
		if err := os.WriteFile(path, []byte(tc.keylog), 0o644); err != nil {
			t.Fatal(err)
		}
		decrypted, why := 0, map[string]int{}
		for _, s := range readSessions(t, "--tls-keylog", path, "../../samples/tls-keylog.pcapng") {
			if s.Encrypted == nil {
				continue
			}
			if s.Encrypted.Decrypted {
				decrypted++
				continue
			}
			why[s.Encrypted.NotDecrypted]++
			if after := transcript(s); len(after) > 0 || len(s.Auth) > 0 {
				t.Errorf("%s: session %d not decrypted, yet %q after TLS and %d auth", tc.name, s.ID, after, len(s.Auth))
			}
		}
		if decrypted != tc.decrypted || why[tc.why] != 6-tc.decrypted {
			t.Errorf("%s: %d decrypted, reasons %v; want %d and %s for the rest", tc.name, decrypted, why, tc.decrypted, tc.why)
		}
	}
}

// TestTLSKeyUpdate: OpenSSL's client over TLS 1.3 with ChaCha20-Poly1305
// updates its keys twice in an IMAP session (once asking the server to
// update too): every command after each update is read. Its SMTP session
// uses AES-128-GCM after STARTTLS.
func TestTLSKeyUpdate(t *testing.T) {
	ss := readSessions(t, "../../samples/tls-openssl.pcapng")
	want := []struct {
		cipher   string
		commands []string
	}{
		{"TLS_CHACHA20_POLY1305_SHA256", []string{"a LOGIN alumnoimap alumnoimappass → OK", "b SELECT INBOX → OK", "c LOGOUT → OK"}},
		{"TLS_AES_128_GCM_SHA256", []string{"AUTH PLAIN AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M= → 235", "quit → 221"}},
	}
	if len(ss) != len(want) {
		t.Fatalf("%d sessions, want %d", len(ss), len(want))
	}
	for i, s := range ss {
		e := s.Encrypted
		if e == nil || !e.Decrypted || e.Version != "TLS 1.3" || e.Cipher != want[i].cipher || len(s.Anomalies) > 0 {
			t.Errorf("session %d: %+v, anomalies %+v", s.ID, e, s.Anomalies)
		}
		if got := transcript(s); strings.Join(got, "\n") != strings.Join(want[i].commands, "\n") {
			t.Errorf("session %d: %q, want %q", s.ID, got, want[i].commands)
		}
	}
}

// TestTLSAgainstTshark: where tshark is installed, it decrypts the TLS
// sample with the same key log, and every command it reads in each TCP
// stream is the command mailtrace reads in that session, in order.
func TestTLSAgainstTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed: the reference is not run")
	}
	out, err := exec.Command("tshark", "-r", "../../samples/tls-keylog.pcapng", "-o", "tls.keylog_file:../../samples/tls-keylog.keys",
		"-d", "tcp.port==465,tls", "-Y", "smtp.req or pop.request or imap.request", "-T", "fields", "-E", "separator=/t",
		"-e", "tcp.stream", "-e", "smtp.command_line", "-e", "pop.request.command", "-e", "pop.request.parameter", "-e", "imap.request").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	theirs := map[int][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "\t")
		var stream int
		fmt.Sscan(f[0], &stream)
		line := strings.TrimSuffix(f[1], "\\r\\n") + strings.TrimSpace(f[2]+" "+f[3]) + f[4]
		theirs[stream+1] = append(theirs[stream+1], line)
	}
	for _, s := range readSessions(t, "--tls-keylog", "../../samples/tls-keylog.keys", "../../samples/tls-keylog.pcapng") {
		var ours []string
		for _, e := range s.Exchanges {
			if c := e.Command; c != nil && c.Kind == "command" {
				line := c.Line
				if line == "" {
					line = strings.TrimSpace(c.Tag + " " + c.Verb + " " + c.Args)
				}
				ours = append(ours, line)
			}
		}
		if strings.Join(ours, "\n") != strings.Join(theirs[s.ID], "\n") {
			t.Errorf("session %d: mailtrace %q, tshark %q", s.ID, ours, theirs[s.ID])
		}
	}
}

// TestCommunityIDAgainstTshark: where tshark is installed, the Community
// ID of every session of every sample is one Wireshark computes for the
// sample's TCP packets.
func TestCommunityIDAgainstTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed: the reference is not run")
	}
	for _, sample := range samples(t) {
		out, err := exec.Command("tshark", "-r", sample, "--enable-protocol", "communityid", "-Y", "tcp", "-T", "fields", "-e", "communityid").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		theirs := map[string]bool{}
		for _, id := range strings.Fields(string(out)) {
			theirs[id] = true
		}
		jsonl, _, err := runCLI(t, nil, "read", "--jsonl", sample)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(jsonl), "\n") {
			if !sessionLine(l) {
				continue
			}
			var s struct {
				ID          int    `json:"id"`
				CommunityID string `json:"community_id"`
			}
			if err := json.Unmarshal([]byte(l), &s); err != nil {
				t.Fatal(err)
			}
			if !theirs[s.CommunityID] {
				t.Errorf("%s session %d: community ID %q, tshark has %v", filepath.Base(sample), s.ID, s.CommunityID, theirs)
			}
		}
	}
}
