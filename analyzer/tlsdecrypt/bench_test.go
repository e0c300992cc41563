package tlsdecrypt

import (
	"crypto/tls"
	"strings"
	"testing"
)

// BenchmarkDecrypt reads a mailbox download's worth of application data
// (16 MiB from the server in full records) after a real handshake, per
// suite: the record layer's cost beside the AEAD's.
func BenchmarkDecrypt(b *testing.B) {
	ec, rs := certificate(b, false), certificate(b, true)
	big := strings.Repeat(strings.Repeat("x", 1022)+"\r\n", 16<<10) // 16 MiB
	for _, tc := range []struct {
		name           string
		client, server *tls.Config
	}{
		{"tls13-aes128gcm", &tls.Config{}, &tls.Config{Certificates: []tls.Certificate{ec}}},
		{"tls12-aes256gcm", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}},
			&tls.Config{Certificates: []tls.Certificate{rs}}},
		{"tls12-chacha20", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}},
			&tls.Config{Certificates: []tls.Certificate{rs}}},
	} {
		w, keylog := converse(b, tc.client, tc.server, []string{"RETR 1\r\n"}, []string{big})
		keys := NewKeys()
		keys.Read(strings.NewReader(keylog))
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(big)))
			for b.Loop() {
				s := New(keys)
				got := 0
				for _, c := range w.chunks {
					s.Feed(c.dir, c.data)
					p, _ := s.Plain(c.dir)
					if c.dir == Server {
						got += len(p)
					}
				}
				if got != len(big) {
					b.Fatalf("%d bytes decrypted, want %d", got, len(big))
				}
			}
		})
	}
}
