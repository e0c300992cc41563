package analyzer

import "testing"

func TestProxyHandshake(t *testing.T) {
	tests := []struct {
		name     string
		cli, srv string
		sc, ss   int
		via      string
		ok       bool
	}{
		{"SOCKS5 by name", "\x05\x01\x00\x05\x01\x00\x03\x07mx.test\x00\x19EHLO", "\x05\x00\x05\x00\x00\x01\x0a\x00\x00\x01\x04\x00220 ",
			3 + 14, 2 + 10, "socks5 to mx.test:25", true},
		{"SOCKS5 with user and password", "\x05\x01\x02\x01\x03bob\x02pw\x05\x01\x00\x01\x01\x02\x03\x04\x00\x19", "\x05\x02\x01\x00\x05\x00\x00\x01\x01\x02\x03\x04\x00\x19",
			3 + 8 + 10, 4 + 10, "socks5 to 1.2.3.4:25", true},
		{"SOCKS5 refused", "\x05\x01\x00\x05\x01\x00\x01\x01\x02\x03\x04\x00\x19", "\x05\x00\x05\x05\x00\x01\x01\x02\x03\x04\x00\x19", 0, 0, "", false},
		{"SOCKS5 cut short", "\x05\x01\x00\x05\x01\x00\x03\x07mx", "\x05\x00", 0, 0, "", false},
		{"HTTP CONNECT", "CONNECT mx:25 HTTP/1.1\r\nHost: mx\r\n\r\nHELO", "HTTP/1.1 200 OK\r\n\r\n220 ", 36, 19, "http-connect to mx:25", true},
		{"HTTP CONNECT refused", "CONNECT mx:25 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 Forbidden\r\n\r\n", 0, 0, "", false},
		{"not a proxy", "EHLO x\r\n", "220 mx\r\n", 0, 0, "", false},
	}
	for _, tc := range tests {
		sc, ss, via, ok := proxyHandshake([]byte(tc.cli), []byte(tc.srv))
		if ok != tc.ok || (ok && (sc != tc.sc || ss != tc.ss || via != tc.via)) {
			t.Errorf("%s: got %d %d %q %v, want %d %d %q %v", tc.name, sc, ss, via, ok, tc.sc, tc.ss, tc.via, tc.ok)
		}
	}
}

// FuzzProxyHandshake: no input makes it read out of bounds.
func FuzzProxyHandshake(f *testing.F) {
	f.Add([]byte("\x05\x01\x02\x01\x03bob\x02pw\x05\x01\x00\x03\x07mx.test\x00\x19"), []byte("\x05\x02\x01\x00\x05\x00\x00\x04"))
	f.Fuzz(func(t *testing.T, cli, srv []byte) {
		sc, ss, _, ok := proxyHandshake(cli, srv)
		if ok && (sc > len(cli) || ss > len(srv)) {
			t.Fatalf("skips %d %d beyond %d %d", sc, ss, len(cli), len(srv))
		}
	})
}
