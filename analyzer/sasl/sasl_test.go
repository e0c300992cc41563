package sasl

import (
	"encoding/base64"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		mech       string
		challenges []string // before each response; "" for none
		responses  []string
		user, pass string
		lastShown  string
	}{
		{"PLAIN", "plain", []string{""}, []string{b64("\x00alumnopop\x00alumnopoppass")}, "alumnopop", "alumnopoppass", "user=alumnopop password=alumnopoppass"},
		{"PLAIN with authzid", "PLAIN", []string{""}, []string{b64("admin\x00bob\x00pw")}, "bob", "pw", "authzid=admin user=bob password=pw"},
		{"PLAIN unpadded", "PLAIN", []string{""}, []string{"AGEAYg"}, "a", "b", "user=a password=b"},
		{"LOGIN with prompts", "LOGIN", []string{b64("Username:"), b64("Password:")}, []string{b64("u"), b64("p")}, "u", "p", "password=p"},
		{"LOGIN without prompts", "LOGIN", []string{"", ""}, []string{b64("u"), b64("p")}, "u", "p", "password=p"},
		{"CRAM-MD5", "CRAM-MD5", []string{b64("<1.2@host>")}, []string{b64("tim b913a602c7eda7a495b4e6e7334d3890")}, "tim", "", "user=tim digest=b913a602c7eda7a495b4e6e7334d3890"},
		{"XOAUTH2", "XOAUTH2", []string{""}, []string{b64("user=a@b\x01auth=Bearer ya29\x01\x01")}, "a@b", "Bearer ya29", "user=a@b token=Bearer ya29"},
		{"cancel", "PLAIN", []string{""}, []string{"*"}, "", "", "cancel"},
		{"not base64", "PLAIN", []string{""}, []string{"!!!"}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(tc.mech, false)
			var shown string
			for i, r := range tc.responses {
				if tc.challenges[i] != "" {
					d.Challenge(tc.challenges[i])
				}
				shown = d.Response(r)
			}
			if d.Username != tc.user || d.Password != tc.pass || shown != tc.lastShown {
				t.Errorf("got user %q pass %q shown %q, want %q %q %q", d.Username, d.Password, shown, tc.user, tc.pass, tc.lastShown)
			}
		})
	}
}

func TestResponseCount(t *testing.T) {
	for _, tc := range []struct {
		mech    string
		initial bool
		n       int
		known   bool
	}{
		{"PLAIN", true, 0, true},
		{"plain", false, 1, true},
		{"LOGIN", false, 2, true},
		{"LOGIN", true, 1, true},
		{"CRAM-MD5", false, 1, true},
		{"XOAUTH2", true, 0, true},
		{"OAUTHBEARER", false, 1, true},
		{"EXTERNAL", false, 1, true},
		{"SCRAM-SHA-256", true, 0, false},
		{"GSSAPI", false, 1, false},
	} {
		n, known := Responses(tc.mech, tc.initial)
		if n != tc.n || known != tc.known {
			t.Errorf("Responses(%q, %v) = %d, %v; want %d, %v", tc.mech, tc.initial, n, known, tc.n, tc.known)
		}
	}
}
