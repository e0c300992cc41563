//go:build e2e

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestE2ELive runs "mailtrace live" on lo while real clients send a mail
// with AUTH through Postfix and read it back from Dovecot over POP3 and
// IMAP, then checks the live JSON and that "read" of the written capture
// yields the same sessions. It needs root (it installs and starts the
// servers, and captures): make e2e.
func TestE2ELive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it installs Postfix and Dovecot and captures on lo")
	}
	samples, _ := filepath.Abs("../../samples")
	sh := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = samples
		cmd.WaitDelay = 10 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	sh("./servers.sh", "install")
	sh("./servers.sh", "start")
	t.Cleanup(func() { exec.Command(filepath.Join(samples, "servers.sh"), "stop").Run() })
	sh("./servers.sh", "reset")

	dir := t.TempDir()
	bin := mailtraceBinary(t)
	pcap, jsonl := filepath.Join(dir, "live.pcapng"), filepath.Join(dir, "live.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	live, said := startLive(t, ctx, bin, "-w", pcap, "--jsonl", "--keep-secrets", "-o", jsonl)

	subject := fmt.Sprintf("e2e %d", time.Now().UnixNano())
	sh("swaks", "--silent", "2", "--server", "127.0.0.1:587", "--auth", "PLAIN",
		"--auth-user", "alumnoimap", "--auth-password", "alumnoimappass",
		"--from", "alumnoimap@redes.unlp.edu.ar", "--to", "alumnopop@redes.unlp.edu.ar,alumnoimap@redes.unlp.edu.ar",
		"--header", "Subject: "+subject)
	waitForDelivery(t, subject, "/var/mail/alumnopop", "/var/mail/alumnoimap")
	sh("python3", "clients.py", "pop3-poplib")
	sh("python3", "clients.py", "imap-imaplib")
	time.Sleep(500 * time.Millisecond)
	live.Process.Signal(syscall.SIGINT)
	// All it said, to the end of its standard error, before Wait closes
	// the pipe (os/exec: reads must be done before Wait).
	liveErr := said()
	if err := live.Wait(); err != nil {
		t.Fatalf("live: %v\n%s", err, liveErr)
	}
	if !strings.Contains(liveErr, "packets captured") || !strings.Contains(liveErr, "0 packets dropped by kernel") {
		t.Errorf("capture statistics: %q", liveErr)
	}

	sessions := readJSONL(t, mustRead(t, jsonl))
	byProto := map[string][]e2eSession{}
	for _, s := range sessions {
		byProto[s.Protocol] = append(byProto[s.Protocol], s)
	}
	smtp := find(t, byProto["smtp"], func(s e2eSession) bool { return strings.HasSuffix(s.Server, ":587") })
	if got := strings.Join(smtp.verbs(), " "); got != "- EHLO AUTH MAIL RCPT RCPT DATA DATA QUIT" {
		t.Errorf("SMTP exchanges: got %s", got)
	}
	if len(smtp.Auth) != 1 || smtp.Auth[0].Username != "alumnoimap" || smtp.Auth[0].Password != "alumnoimappass" || smtp.Auth[0].Success == nil || !*smtp.Auth[0].Success {
		t.Errorf("SMTP auth: got %+v", smtp.Auth)
	}
	if !smtp.hasSubject(subject) {
		t.Errorf("SMTP: no message with subject %q in %+v", subject, smtp.Messages)
	}
	pop := find(t, byProto["pop3"], func(s e2eSession) bool { return s.hasSubject(subject) })
	if len(pop.Auth) != 1 || pop.Auth[0].Username != "alumnopop" {
		t.Errorf("POP3 auth: got %+v", pop.Auth)
	}
	imap := find(t, byProto["imap"], func(s e2eSession) bool { return s.hasSubject(subject) })
	if len(imap.Auth) != 1 || imap.Auth[0].Username != "alumnoimap" {
		t.Errorf("IMAP auth: got %+v", imap.Auth)
	}
	for _, s := range []e2eSession{smtp, pop, imap} {
		for _, e := range s.Exchanges {
			if e.Command != nil && e.Response == nil {
				t.Errorf("%s session %d: %s unanswered", s.Protocol, s.ID, e.Command.Verb)
			}
		}
	}

	// read of the written capture gives the same sessions.
	out, err := exec.Command(bin, "read", "--jsonl", "--keep-secrets", pcap).Output()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	reread := readJSONL(t, out)
	if len(reread) != len(sessions) {
		t.Fatalf("read found %d sessions, live %d", len(reread), len(sessions))
	}
	for i := range sessions {
		if a, b := sessions[i].transcript(), reread[i].transcript(); a != b {
			t.Errorf("session %d differs between live and read:\nlive: %s\nread: %s", sessions[i].ID, a, b)
		}
	}
}

type e2eSession struct {
	ID        int
	Protocol  string
	Client    string
	Server    string
	Exchanges []struct {
		Command *struct {
			Kind, Tag, Verb, Args string
		}
		Response *struct {
			Status string
			Lines  []string
		}
	}
	Auth []struct {
		Mechanism, Username, Password string
		Success                       *bool
	}
	Messages []struct{ Subject string }
}

func (s e2eSession) verbs() []string {
	var v []string
	for _, e := range s.Exchanges {
		if e.Command == nil {
			v = append(v, "-")
		} else {
			v = append(v, e.Command.Verb)
		}
	}
	return v
}

func (s e2eSession) hasSubject(subject string) bool {
	for _, m := range s.Messages {
		if m.Subject == subject {
			return true
		}
	}
	return false
}

// transcript is what both runs must agree on: endpoints, every command
// and every reply line, in order.
func (s e2eSession) transcript() string {
	b, _ := json.Marshal([]any{s.Protocol, s.Client, s.Server, s.Exchanges, s.Auth, s.Messages})
	return string(b)
}

func readJSONL(t *testing.T, data []byte) []e2eSession {
	t.Helper()
	var out []e2eSession
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if !sessionLine(string(line)) {
			continue
		}
		var s e2eSession
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		out = append(out, s)
	}
	return out
}

func find(t *testing.T, ss []e2eSession, ok func(e2eSession) bool) e2eSession {
	t.Helper()
	for _, s := range ss {
		if ok(s) {
			return s
		}
	}
	for _, s := range ss {
		t.Logf("session %d %s %s -> %s: %v, messages %+v", s.ID, s.Protocol, s.Client, s.Server, s.verbs(), s.Messages)
	}
	t.Fatalf("no matching session among %d", len(ss))
	return e2eSession{}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func waitForDelivery(t *testing.T, subject string, mailboxes ...string) {
	t.Helper()
	for _, mb := range mailboxes {
		deadline := time.Now().Add(30 * time.Second)
		for {
			if b, _ := os.ReadFile(mb); bytes.Contains(b, []byte(subject)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: mail %q not delivered", mb, subject)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestE2ELiveKeyLog: "mailtrace live --tls-keylog FILE" decrypts sessions
// whose secrets a client writes to FILE while the capture runs: Python's
// imaplib over 993 and smtplib with STARTTLS on 587, keylog_filename set,
// the file created after live started. Needs root: make e2e.
func TestE2ELiveKeyLog(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it installs Postfix and Dovecot and captures on lo")
	}
	samples, _ := filepath.Abs("../../samples")
	for _, args := range [][]string{{"install"}, {"start"}} {
		if out, err := exec.Command(filepath.Join(samples, "servers.sh"), args...).CombinedOutput(); err != nil {
			t.Fatalf("servers.sh %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command(filepath.Join(samples, "servers.sh"), "stop").Run() })
	dir := t.TempDir()
	bin := mailtraceBinary(t)
	keylog, jsonl := filepath.Join(dir, "keys.log"), filepath.Join(dir, "live.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	live, _ := startLive(t, ctx, bin, "--tls-keylog", keylog, "--jsonl", "-o", jsonl)
	client := `
import imaplib, os, smtplib, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
ctx.keylog_filename = os.environ["SSLKEYLOGFILE"]
m = imaplib.IMAP4_SSL("127.0.0.1", 993, ssl_context=ctx)
m.login("alumnoimap", "alumnoimappass")
m.select("INBOX")
m.logout()
s = smtplib.SMTP("127.0.0.1", 587)
s.starttls(context=ctx)
s.login("alumnoimap", "alumnoimappass")
s.quit()
`
	py := exec.Command("python3", "-c", client)
	py.Env = append(os.Environ(), "SSLKEYLOGFILE="+keylog)
	if out, err := py.CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	time.Sleep(500 * time.Millisecond) // the last packets through the ring
	live.Process.Signal(syscall.SIGINT)
	live.Wait()
	type liveTLS struct {
		Protocol  string
		Server    string
		Encrypted *struct {
			Decrypted    bool
			NotDecrypted string `json:"not_decrypted"`
		}
		Auth []struct{ Username string }
	}
	var ss []liveTLS
	for _, line := range bytes.Split(bytes.TrimSpace(mustRead(t, jsonl)), []byte("\n")) {
		if !sessionLine(string(line)) {
			continue
		}
		var s liveTLS
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	found := 0
	for _, s := range ss {
		if !strings.HasSuffix(s.Server, ":993") && !strings.HasSuffix(s.Server, ":587") {
			continue
		}
		found++
		if s.Encrypted == nil || !s.Encrypted.Decrypted || len(s.Auth) != 1 || s.Auth[0].Username != "alumnoimap" {
			t.Errorf("%s session to %s: %+v, auth %+v", s.Protocol, s.Server, s.Encrypted, s.Auth)
		}
	}
	if found != 2 {
		t.Errorf("%d sessions to 993 and 587, want 2: %+v", found, ss)
	}
}

// startLive starts "mailtrace live -i lo" with args and waits until it
// says it captures; said waits for its standard error to end and returns
// what it said but that line (warnings before it too).
func startLive(t *testing.T, ctx context.Context, bin string, args ...string) (live *exec.Cmd, said func() string) {
	t.Helper()
	live = exec.CommandContext(ctx, bin, append([]string{"live", "-i", "lo"}, args...)...)
	stderr, _ := live.StderrPipe()
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	var rest strings.Builder
	for lines.Scan() && strings.HasPrefix(lines.Text(), "mailtrace: warning:") {
		rest.WriteString(lines.Text() + "\n")
	}
	if !strings.Contains(lines.Text(), "capturing on lo") {
		t.Fatalf("live did not start: %q", lines.Text())
	}
	done := make(chan struct{})
	go func() {
		for lines.Scan() {
			rest.WriteString(lines.Text() + "\n")
		}
		close(done)
	}()
	return live, func() string { <-done; return rest.String() }
}
