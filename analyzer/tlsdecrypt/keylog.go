// Package tlsdecrypt reads the TLS of a captured connection with the
// secrets its client wrote to a key log (the NSS key log format that
// curl, Thunderbird, OpenSSL's -keylogfile and Python's keylog_filename
// write), so that STARTTLS (RFC 3207, RFC 2595, RFC 9051 §6.2.1) and
// implicit TLS (RFC 8314) sessions are read as mail. It follows the
// record layer and the key schedules of TLS 1.3 (RFC 8446) and TLS 1.2
// (RFC 5246, AEAD suites of RFC 5288, RFC 5289 and RFC 7905); the
// ciphers are Go's.
package tlsdecrypt

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
)

// MaxKeys bounds the client randoms a key log may hold: a million
// connections' secrets, about 300 MB.
const MaxKeys = 1 << 20

// maxLine bounds one key log line: a label, a random and a 64-byte
// secret take under 250 bytes.
const maxLine = 1024

// Secrets are what a key log told of one connection, found by its
// ClientHello's random.
type Secrets struct {
	Master []byte // CLIENT_RANDOM: TLS 1.2's master secret (RFC 5246 §8.1)
	// TLS 1.3's traffic secrets (RFC 8446 §7.1).
	ClientHandshake, ServerHandshake []byte
	ClientTraffic, ServerTraffic     []byte
}

// Keys are the secrets of a key log, by client random. They may grow
// while connections are read (live follows a key log as it is written),
// so they are safe for concurrent use.
type Keys struct {
	mu      sync.Mutex
	by      map[[32]byte]*Secrets
	expect  bool
	follow  bool
	refresh func() // reads what the followed key logs have grown by
}

// OnRefresh sets what reads the followed key logs at once, for a session
// waiting for its secrets (Refresh).
func (k *Keys) OnRefresh(f func()) {
	k.mu.Lock()
	k.refresh = f
	k.mu.Unlock()
}

// Refresh reads at once what the followed key logs have grown by, if
// anything follows them: a session waiting for its secrets need not wait
// for the next poll, nor end without them because it ended first.
func (k *Keys) Refresh() {
	if k == nil {
		return
	}
	k.mu.Lock()
	f := k.refresh
	k.mu.Unlock()
	if f != nil {
		f()
	}
}

// Follow says the key log is still being written (live follows the file
// a client appends to): a session whose secrets are not in yet waits for
// them, within a bound, instead of giving up.
func (k *Keys) Follow() {
	k.mu.Lock()
	k.expect, k.follow = true, true
	k.mu.Unlock()
}

// Following reports whether secrets may still come.
func (k *Keys) Following() bool {
	if k == nil {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.follow
}

// Expect says secrets were asked for (a key log named), so that a session
// without them says so even when none came.
func (k *Keys) Expect() {
	k.mu.Lock()
	k.expect = true
	k.mu.Unlock()
}

// Wanted reports whether TLS is to be decrypted: secrets were asked for
// or came with the capture. Without, sessions are left as they are.
func (k *Keys) Wanted() bool {
	if k == nil {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.expect || len(k.by) > 0
}

// NewKeys returns an empty key log.
func NewKeys() *Keys { return &Keys{by: map[[32]byte]*Secrets{}} }

// Len is how many connections the key log has secrets for.
func (k *Keys) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.by)
}

// Lookup returns the secrets for a client random.
func (k *Keys) Lookup(random [32]byte) (Secrets, bool) {
	if k == nil {
		return Secrets{}, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.by[random]
	if !ok {
		return Secrets{}, false
	}
	return *s, true
}

// Read adds every line of a key log. Lines it cannot read are counted in
// bad and skipped: one mangled line must not lose the others' keys. err
// is only the reader's.
func (k *Keys) Read(r io.Reader) (added, bad int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxLine), maxLine)
	for sc.Scan() {
		ok, lerr := k.Add(sc.Bytes())
		switch {
		case lerr != nil:
			bad++
		case ok:
			added++
		}
	}
	if err := sc.Err(); err == bufio.ErrTooLong {
		return added, bad + 1, fmt.Errorf("key log line longer than %d bytes", maxLine)
	} else if err != nil {
		return added, bad, err
	}
	return added, bad, nil
}

// Add reads one key log line: "LABEL <client random> <secret>", both in
// hex. Comments, blank lines and labels that carry nothing this package
// uses (EXPORTER_SECRET, early data's secrets) are skipped with ok false
// and no error.
func (k *Keys) Add(line []byte) (ok bool, err error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return false, nil
	}
	f := bytes.Fields(line)
	if len(f) != 3 {
		return false, fmt.Errorf("key log line has %d fields, want 3", len(f))
	}
	var slot func(*Secrets) *[]byte
	switch string(f[0]) {
	case "CLIENT_RANDOM":
		slot = func(s *Secrets) *[]byte { return &s.Master }
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
		slot = func(s *Secrets) *[]byte { return &s.ClientHandshake }
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		slot = func(s *Secrets) *[]byte { return &s.ServerHandshake }
	case "CLIENT_TRAFFIC_SECRET_0":
		slot = func(s *Secrets) *[]byte { return &s.ClientTraffic }
	case "SERVER_TRAFFIC_SECRET_0":
		slot = func(s *Secrets) *[]byte { return &s.ServerTraffic }
	default:
		return false, nil
	}
	var random [32]byte
	if len(f[1]) != 64 {
		return false, fmt.Errorf("key log client random is not 32 bytes of hex")
	}
	if _, err := hex.Decode(random[:], f[1]); err != nil {
		return false, fmt.Errorf("key log client random is not 32 bytes of hex")
	}
	if len(f[2]) < 64 || len(f[2]) > 128 {
		return false, fmt.Errorf("key log secret is not 32 to 64 bytes of hex")
	}
	secret := make([]byte, hex.DecodedLen(len(f[2])))
	if _, err := hex.Decode(secret, f[2]); err != nil {
		return false, fmt.Errorf("key log secret is not 32 to 64 bytes of hex")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.by[random]
	if s == nil {
		if len(k.by) >= MaxKeys {
			return false, fmt.Errorf("key log holds more than %d connections", MaxKeys)
		}
		s = &Secrets{}
		k.by[random] = s
	}
	*slot(s) = secret
	return true, nil
}
