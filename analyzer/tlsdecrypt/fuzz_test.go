package tlsdecrypt

import (
	"bytes"
	"crypto/tls"
	"strings"
	"testing"
)

// FuzzSession feeds both directions of a connection, cut at any size,
// with the key log of a real session (Go's crypto/tls, TLS 1.3 and 1.2)
// as the seed: no input panics, and what is handed on is never more than
// what came in.
func FuzzSession(f *testing.F) {
	cert := certificate(f, false)
	for _, max := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		w, keylog := converse(f, &tls.Config{MaxVersion: max}, &tls.Config{Certificates: []tls.Certificate{cert}},
			[]string{"EHLO x\r\n"}, []string{"250 ok\r\n"})
		var dirs [2][]byte
		for _, c := range w.chunks {
			dirs[c.dir] = append(dirs[c.dir], c.data...)
		}
		f.Add(keylog, dirs[Client], dirs[Server], uint16(7))
	}
	f.Add("", []byte{22, 3, 1, 0, 4, 1, 0, 0, 0}, []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint16(1)) // empty hellos
	f.Add("", []byte{23, 3, 3, 0xff, 0xff}, []byte{20, 3, 3, 0, 1, 1}, uint16(3))                // data before hellos
	f.Fuzz(func(t *testing.T, keylog string, client, server []byte, cut uint16) {
		keys := NewKeys()
		keys.Read(strings.NewReader(keylog))
		s := New(keys)
		n := int(cut%4096) + 1
		in, out := 0, 0
		for len(client) > 0 || len(server) > 0 {
			for d, b := range []*[]byte{&client, &server} {
				k := min(n, len(*b))
				s.Feed(d, (*b)[:k])
				in += k
				*b = (*b)[k:]
				p, _ := s.Plain(d)
				out += len(p)
			}
			if out > in {
				t.Fatalf("%d bytes of plaintext from %d bytes", out, in)
			}
		}
	})
}

// FuzzKeyLog reads any bytes as a key log: lines it cannot read are
// counted, none panics, and no more connections are kept than lines.
func FuzzKeyLog(f *testing.F) {
	f.Add([]byte("CLIENT_RANDOM " + strings.Repeat("ab", 32) + " " + strings.Repeat("cd", 48) + "\n# comment\n"))
	f.Add([]byte("SERVER_TRAFFIC_SECRET_0 zz 00\n\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys := NewKeys()
		added, bad, _ := keys.Read(bytes.NewReader(data))
		lines := bytes.Count(data, []byte("\n")) + 1
		if added+bad > lines || keys.Len() > added {
			t.Fatalf("%d added, %d bad, %d kept from %d lines", added, bad, keys.Len(), lines)
		}
	})
}
