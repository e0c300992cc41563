package lmtp

import "testing"

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		srv, cli string
		want     bool
	}{
		{"220 vm Dovecot ready.\r\n", "LHLO mx\r\n", true},
		{"220-vm\r\n", "lhlo mx\r\n", true},
		{"220 mx ESMTP\r\n", "EHLO x\r\n", false}, // SMTP's
		{"220 vm\r\n", "LHL", false},              // too few bytes yet
		{"+OK ready\r\n", "LHLO mx\r\n", false},
	} {
		if got := Detect([]byte(tc.srv), []byte(tc.cli)); got != tc.want {
			t.Errorf("Detect(%q, %q) = %v", tc.srv, tc.cli, got)
		}
	}
}
