package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// labSecrets are the lab's passwords as they cross: typed, and in the
// base64 of SASL PLAIN and LOGIN.
func labSecrets() []string {
	secrets := []string{"alumnopoppass", "alumnoimappass"}
	for _, s := range []string{"\x00alumnopop\x00alumnopoppass", "\x00alumnoimap\x00alumnoimappass", "alumnoimappass"} {
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(s)))
	}
	return secrets
}

// TestJSONLinesWithoutSecrets: JSON lines, what is sent elsewhere, carry
// no password of any sample by default, with the user names and the
// mask in their place; --keep-secrets keeps them.
func TestJSONLinesWithoutSecrets(t *testing.T) {
	kept := 0
	for _, path := range samples(t) {
		args := []string{"read", "--jsonl", "--tls-keylog", "../../samples/tls-keylog.keys", path}
		out, _, err := runCLI(t, nil, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		clear, _, err := runCLI(t, nil, append([]string{"read", "--jsonl", "--keep-secrets"}, args[2:]...)...)
		if err != nil {
			t.Fatal(err)
		}
		leaks := false
		for _, s := range labSecrets() {
			if strings.Contains(out, s) {
				t.Errorf("%v shows %q", args, s)
			}
			leaks = leaks || strings.Contains(clear, s)
		}
		if leaks {
			kept++
			if !strings.Contains(out, "<redacted>") || !strings.Contains(out, `"username":"alumno`) {
				t.Errorf("%v: the secrets must be marked, the user names stay", args)
			}
		}
	}
	if kept < 10 {
		t.Errorf("--keep-secrets kept the passwords of %d samples; the lab's carry them in more", kept)
	}
}

// TestRedact: with --redact no view of any sample shows a password, or
// the base64 that carried one, while the user names stay visible.
func TestRedact(t *testing.T) {
	secrets := labSecrets()
	for _, path := range samples(t) {
		for _, view := range [][]string{nil, {"--json"}, {"--jsonl", "--keep-secrets"}, {"--summary"}, {"--full"}} {
			args := append(append([]string{"read", "--redact", "--color=never"}, view...), path)
			out, _, err := runCLI(t, nil, args...)
			if err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%v shows %q", args, s)
				}
			}
			plain, _, _ := runCLI(t, nil, append([]string{"read", "--color=never"}, append(view, path)...)...)
			leaks := false
			for _, s := range secrets {
				leaks = leaks || strings.Contains(plain, s)
			}
			if leaks && !strings.Contains(out, "<redacted>") {
				t.Errorf("%v: secrets were removed but not marked", args)
			}
			if strings.Contains(plain, "alumnopop") && !strings.Contains(out, "alumnopop") {
				t.Errorf("%v: user names must stay visible", args)
			}
		}
	}
	if _, _, err := runCLI(t, nil, "read", "--redact", "--follow", "../../samples/pop3.pcapng"); exitCode(err) != 2 {
		t.Errorf("--redact --follow: got %v, want a usage error", err)
	}
}
