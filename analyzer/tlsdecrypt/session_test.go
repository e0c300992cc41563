package tlsdecrypt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// chunk is one write of one side, in the order the sides wrote.
type chunk struct {
	dir  int
	data []byte
}

// wire records what each side of a connection writes.
type wire struct {
	mu     sync.Mutex
	chunks []chunk
}

type tapped struct {
	net.Conn
	w   *wire
	dir int
}

func (t tapped) Write(b []byte) (int, error) {
	t.w.mu.Lock()
	t.w.chunks = append(t.w.chunks, chunk{t.dir, bytes.Clone(b)})
	t.w.mu.Unlock()
	return t.Conn.Write(b)
}

func certificate(t testing.TB, rsaKey bool) tls.Certificate {
	t.Helper()
	var pub, priv any
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		DNSNames: []string{"mail.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
}

// converse runs a TLS client and server over a pipe: the client sends
// ask, the server answers answer, each in the writes given. It returns
// the wire and the key log the client wrote.
func converse(t testing.TB, client, server *tls.Config, ask, answer []string) (*wire, string) {
	t.Helper()
	var keylog bytes.Buffer
	client.KeyLogWriter = &keylog
	client.InsecureSkipVerify = true
	client.ServerName = "mail.test"
	a, b := loopback(t)
	w := &wire{}
	errs := make(chan error, 1)
	go func() {
		sc := tls.Server(tapped{b, w, Server}, server)
		serve := func() error {
			if _, err := io.ReadFull(sc, make([]byte, len(strings.Join(ask, "")))); err != nil {
				return err
			}
			for _, s := range answer {
				if _, err := sc.Write([]byte(s)); err != nil {
					return err
				}
			}
			return nil
		}
		err := serve()
		sc.Close() // its close_notify is written before the wire is read
		errs <- err
	}()
	cc := tls.Client(tapped{a, w, Client}, client)
	for _, s := range ask {
		if _, err := cc.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.ReadFull(cc, make([]byte, len(strings.Join(answer, "")))); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	cc.Close()
	a.Close()
	return w, keylog.String()
}

// loopback returns both ends of a TCP connection on 127.0.0.1, whose
// buffers let both sides write at once (a net.Pipe deadlocks when the
// server sends its tickets as the client sends data).
func loopback(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-accepted
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// replay feeds the wire into a Session, cut into pieces of at most cut
// bytes, and returns each direction's plaintext.
func replay(t *testing.T, w *wire, keylog string, cut int) (*Session, [2]string) {
	t.Helper()
	keys := NewKeys()
	if _, bad, err := keys.Read(strings.NewReader(keylog)); err != nil || bad > 0 {
		t.Fatalf("key log: %d bad lines, %v", bad, err)
	}
	s := New(keys)
	var got [2]string
	for _, c := range w.chunks {
		for b := c.data; len(b) > 0; {
			n := min(cut, len(b))
			s.Feed(c.dir, b[:n])
			b = b[n:]
			for d := range got {
				p, bad := s.Plain(d)
				if bad > 0 {
					t.Errorf("%d records failed in direction %d", bad, d)
				}
				got[d] += string(p)
			}
		}
	}
	return s, got
}

func TestDecryptsGoTLS(t *testing.T) {
	ec, rs := certificate(t, false), certificate(t, true)
	ask := []string{"EHLO client.test\r\n", "MAIL FROM:<a@test>\r\n", strings.Repeat("x", 40000) + "\r\n"}
	answer := []string{"250-mail.test\r\n250 PIPELINING\r\n", "250 2.1.0 Ok\r\n"}
	tls12 := func(suite uint16, cert tls.Certificate) (*tls.Config, *tls.Config) {
		return &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite}},
			&tls.Config{Certificates: []tls.Certificate{cert}, CipherSuites: []uint16{suite}}
	}
	for _, tc := range []struct {
		name           string
		client, server *tls.Config
		version        string
		cipher         string
	}{
		{"tls13", &tls.Config{}, &tls.Config{Certificates: []tls.Certificate{ec}}, "TLS 1.3", ""},
		{"tls13-hello-retry", &tls.Config{CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}},
			&tls.Config{Certificates: []tls.Certificate{ec}, CurvePreferences: []tls.CurveID{tls.CurveP256}}, "TLS 1.3", ""},
		{"tls12-ecdhe-ecdsa-aes128gcm", nil, nil, "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
		{"tls12-ecdhe-ecdsa-aes256gcm", nil, nil, "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
		{"tls12-ecdhe-ecdsa-chacha20", nil, nil, "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
		{"tls12-ecdhe-rsa-aes128gcm", nil, nil, "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		{"tls12-ecdhe-rsa-aes256gcm", nil, nil, "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
		{"tls12-ecdhe-rsa-chacha20", nil, nil, "TLS 1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := tc.client, tc.server
			if client == nil {
				id := suiteID(t, tc.cipher)
				cert := ec
				if strings.Contains(tc.cipher, "_RSA_") {
					cert = rs
				}
				client, server = tls12(id, cert)
			}
			w, keylog := converse(t, client, server, ask, answer)
			for _, cut := range []int{1 << 20, 7, 1} {
				s, got := replay(t, w, keylog, cut)
				info := s.Info()
				if got[Client] != strings.Join(ask, "") || got[Server] != strings.Join(answer, "") {
					t.Fatalf("cut %d: plaintext %q / %q, reason %q", cut, trim(got[Client]), trim(got[Server]), info.Reason)
				}
				if s.retried != strings.Contains(tc.name, "retry") {
					t.Errorf("cut %d: HelloRetryRequest seen: %v", cut, s.retried)
				}
				if !info.Decrypted || info.Reason != "" || info.Version != tc.version || info.SNI != "mail.test" ||
					(tc.cipher != "" && info.Cipher != tc.cipher) {
					t.Errorf("cut %d: info %+v", cut, info)
				}
			}
		})
	}
}

func trim(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func suiteID(t *testing.T, name string) uint16 {
	for _, s := range tls.CipherSuites() {
		if s.Name == name {
			return s.ID
		}
	}
	t.Fatalf("Go has no suite %s", name)
	return 0
}

// A resumed TLS 1.3 session (a PSK from the first one's ticket) has its
// own secrets in the key log, found by its own random.
func TestDecryptsResumption(t *testing.T) {
	cache := tls.NewLRUClientSessionCache(4)
	server := &tls.Config{Certificates: []tls.Certificate{certificate(t, false)}}
	for i := range 2 {
		resumed := false
		client := &tls.Config{ClientSessionCache: cache, VerifyConnection: func(cs tls.ConnectionState) error {
			resumed = cs.DidResume
			return nil
		}}
		w, keylog := converse(t, client, server, []string{"NOOP\r\n"}, []string{"250 Ok\r\n"})
		if resumed != (i == 1) {
			t.Fatalf("connection %d: resumed %v", i, resumed)
		}
		_, got := replay(t, w, keylog, 1<<20)
		if got[Client] != "NOOP\r\n" || got[Server] != "250 Ok\r\n" {
			t.Fatalf("connection %d: %q / %q", i, got[Client], got[Server])
		}
	}
}

// Without the right secrets nothing is handed on, and the session says
// why: no key, or keys that do not authenticate.
func TestSaysWhyNot(t *testing.T) {
	server := &tls.Config{Certificates: []tls.Certificate{certificate(t, false)}}
	for _, tc := range []struct {
		name   string
		max    uint16
		keylog func(string) string
		want   string
	}{
		{"tls13-no-key", tls.VersionTLS13, func(string) string { return "" }, NoKey},
		{"tls12-no-key", tls.VersionTLS12, func(string) string { return "" }, NoKey},
		{"tls13-wrong-key", tls.VersionTLS13, flipSecrets, AuthFailed},
		{"tls12-wrong-key", tls.VersionTLS12, flipSecrets, AuthFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, keylog := converse(t, &tls.Config{MaxVersion: tc.max}, server, []string{"NOOP\r\n"}, []string{"250 Ok\r\n"})
			s, got := replay(t, w, tc.keylog(keylog), 1<<20)
			if got[Client] != "" || got[Server] != "" {
				t.Errorf("plaintext handed on: %q / %q", got[Client], got[Server])
			}
			if info := s.Info(); info.Reason != tc.want || info.Decrypted {
				t.Errorf("info %+v, want reason %s", info, tc.want)
			}
		})
	}
}

// flipSecrets changes one bit of every secret of a key log.
func flipSecrets(keylog string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(keylog), "\n") {
		f := strings.Fields(l)
		last := f[2][len(f[2])-1]
		flip := map[byte]byte{'0': '1', '1': '0'}[last]
		if flip == 0 {
			flip = '0'
		}
		f[2] = f[2][:len(f[2])-1] + string(flip)
		out = append(out, strings.Join(f, " "))
	}
	return strings.Join(out, "\n")
}

// A record changed on the wire is passed over and counted; the next
// records still decrypt.
func TestCorruptRecordPassedOver(t *testing.T) {
	server := &tls.Config{Certificates: []tls.Certificate{certificate(t, false)}}
	w, keylog := converse(t, &tls.Config{}, server, []string{"A\r\n", "B\r\n", "C\r\n"}, []string{"250 Ok\r\n"})
	// The client's three writes after the handshake: a record each, of 3
	// bytes, their type and a 16-byte tag.
	var app []int
	for i, c := range w.chunks {
		if c.dir == Client && c.data[0] == 23 && len(c.data) == 5+3+1+16 {
			app = append(app, i)
		}
	}
	if len(app) != 3 {
		t.Fatalf("found %d records of one line", len(app))
	}
	rec := w.chunks[app[1]].data
	rec[len(rec)-1] ^= 1
	keys := NewKeys()
	keys.Read(strings.NewReader(keylog))
	s := New(keys)
	var got string
	bad := 0
	for _, c := range w.chunks {
		s.Feed(c.dir, c.data)
		p, n := s.Plain(Client)
		got += string(p)
		bad += n
	}
	if got != "A\r\nC\r\n" || bad != 1 {
		t.Errorf("got %q with %d bad records, want A and C with 1", got, bad)
	}
}

func TestKeyLogLines(t *testing.T) {
	random := strings.Repeat("ab", 32)
	secret := strings.Repeat("cd", 48)
	for _, tc := range []struct {
		line    string
		ok, err bool
	}{
		{"CLIENT_RANDOM " + random + " " + secret, true, false},
		{"SERVER_TRAFFIC_SECRET_0 " + random + " " + secret[:64], true, false},
		{"# a comment", false, false},
		{"", false, false},
		{"EXPORTER_SECRET " + random + " " + secret, false, false}, // nothing to decrypt with
		{"CLIENT_RANDOM " + random[:62] + " " + secret, false, true},
		{"CLIENT_RANDOM " + random + " zz" + secret[2:], false, true},
		{"CLIENT_RANDOM " + random, false, true},
		{"CLIENT_RANDOM " + random + " " + secret[:10], false, true},
	} {
		ok, err := NewKeys().Add([]byte(tc.line))
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%.40q: ok %v err %v", tc.line, ok, err)
		}
	}
}

// A key log still being written (live): records wait for secrets that
// come after them, and are read when they do; secrets that never come
// leave the session "no key".
func TestWaitsForFollowedKeyLog(t *testing.T) {
	server := &tls.Config{Certificates: []tls.Certificate{certificate(t, false)}}
	for _, max := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		w, keylog := converse(t, &tls.Config{MaxVersion: max}, server, []string{"NOOP\r\n", "QUIT\r\n"}, []string{"250 Ok\r\n"})
		// When the secrets come: before the last records, after the
		// connection's last bytes (read when it ends), never.
		for _, when := range []string{"late", "at the end", "never"} {
			keys := NewKeys()
			keys.Follow()
			s := New(keys)
			var got [2]string
			take := func() {
				for d := range got {
					p, _ := s.Plain(d)
					got[d] += string(p)
				}
			}
			for i, c := range w.chunks {
				if when == "late" && i == len(w.chunks)-2 {
					keys.Read(strings.NewReader(keylog))
				}
				s.Feed(c.dir, c.data)
				take()
			}
			if when == "at the end" {
				keys.Read(strings.NewReader(keylog))
			}
			s.Finish()
			take()
			info := s.Info()
			switch {
			case when != "never" && (got[Client] != "NOOP\r\nQUIT\r\n" || got[Server] != "250 Ok\r\n" || info.Reason != ""):
				t.Errorf("version %x, keys %s: %q / %q, %+v", max, when, got[Client], got[Server], info)
			case when == "never" && (got[Client] != "" || info.Reason != NoKey):
				t.Errorf("version %x, no keys: %q, %+v", max, got[Client], info)
			}
		}
	}
}
