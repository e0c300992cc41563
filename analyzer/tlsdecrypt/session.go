package tlsdecrypt

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
)

// Directions, as the analyzer numbers them.
const (
	Client = 0
	Server = 1
)

// Why a session was not decrypted; the analyzer words them.
const (
	NoKey        = "no-key"              // the key log has no secrets for its client random
	AuthFailed   = "auth-failed"         // the first record did not authenticate: wrong secrets
	Unsupported  = "unsupported-suite"   // a cipher suite this package does not decrypt
	OldVersion   = "unsupported-version" // SSL 3.0 to TLS 1.1
	NoHandshake  = "no-handshake"        // the hellos were not captured
	Renegotiated = "renegotiation"       // TLS 1.2 renegotiation: new keys from encrypted hellos
	TooMuchHeld  = "held-too-long"       // protected records came and the hellos never did
	NotTLS       = "not-tls"             // bytes that are no TLS record
)

// maxFragment bounds a record's fragment: 2^14 plus TLS 1.2's largest
// expansion (RFC 5246 §6.2.3); TLS 1.3's is smaller (RFC 8446 §5.2).
const maxFragment = 1<<14 + 2048

// maxHeld bounds the protected records kept while the hellos that give
// their keys have not been read.
const maxHeld = 256 << 10

// Info is what a session's TLS showed, for the views.
type Info struct {
	Version   string // "TLS 1.3"
	Cipher    string // the suite's IANA name
	SNI       string // the server name the client asked for
	Decrypted bool   // a record was decrypted
	Reason    string // why not, or why decryption stopped: one of the constants above
}

// direction is one side's record layer.
type direction struct {
	rec    []byte // the record being assembled: header, then fragment
	hs     framer // handshake messages, in clear or decrypted
	aead   cipher.AEAD
	iv     []byte
	nonce  []byte
	seq    uint64
	secret []byte // TLS 1.3: the traffic secret in use
	on     bool   // records are protected
	ccs    bool   // TLS 1.2: change_cipher_spec seen before the keys were known
	app    bool   // TLS 1.3: past this side's Finished
	ok     int    // records that authenticated
	held   [][]byte
	out    []byte // plaintext not yet taken
	bad    int    // records that failed to authenticate, not yet taken
	done   bool   // bytes lost or not TLS: this side is no longer read
}

// Session decrypts both directions of one connection's TLS, as their
// bytes come.
type Session struct {
	keys      *Keys
	ch        clientHello
	sh        serverHello
	haveCH    bool
	haveSH    bool
	ready     bool
	retried   bool // the server sent a HelloRetryRequest: TLS 1.3
	waiting   bool // for secrets a key log being written has not given yet
	suite     *suite
	secrets   Secrets
	d         [2]direction
	heldBytes int
	info      Info
	failed    bool
}

// New returns a Session that finds its keys in keys.
func New(keys *Keys) *Session { return &Session{keys: keys} }

// Info says what the session's TLS showed so far.
func (s *Session) Info() Info {
	i := s.info
	if s.waiting && i.Reason == "" {
		i.Reason = NoKey // so far
	}
	return i
}

// Failed reports that nothing more will be decrypted.
func (s *Session) Failed() bool { return s.failed }

// Plain returns the application data decrypted in direction d since the
// last call, and how many records failed to authenticate there; the bytes
// are valid until the next Feed.
func (s *Session) Plain(d int) (plain []byte, bad int) {
	dr := &s.d[d]
	plain, bad = dr.out, dr.bad
	dr.out, dr.bad = dr.out[:0], 0
	return plain, bad
}

// Lost tells of bytes lost in direction d: record boundaries can no
// longer be found there.
func (s *Session) Lost(d int) { s.d[d].done = true }

// Feed takes the TLS bytes of direction d, whatever TCP's cuts.
func (s *Session) Feed(d int, b []byte) {
	s.retry()
	dr := &s.d[d]
	for len(b) > 0 && !dr.done && !s.failed {
		if len(dr.rec) < 5 {
			n := min(5-len(dr.rec), len(b))
			dr.rec = append(dr.rec, b[:n]...)
			b = b[n:]
			if len(dr.rec) < 5 {
				return
			}
			if typ := dr.rec[0]; typ < 20 || typ > 24 || dr.rec[1] != 3 || fragLen(dr.rec) > maxFragment {
				dr.done = true
				s.stop(NotTLS)
				return
			}
		}
		want := 5 + fragLen(dr.rec)
		n := min(want-len(dr.rec), len(b))
		dr.rec = append(dr.rec, b[:n]...)
		b = b[n:]
		if len(dr.rec) == want {
			s.record(d, dr.rec)
			dr.rec = dr.rec[:0]
		}
	}
}

// retry looks again for the secrets a session waits for, reading what
// the followed key logs have grown by.
func (s *Session) retry() {
	if !s.waiting {
		return
	}
	s.keys.Refresh()
	if sec, ok := s.keys.Lookup(s.ch.random); ok && s.complete(sec) {
		s.waiting = false
		s.keysIn()
	}
}

// Finish is told the connection ended: a session still waiting for its
// secrets looks a last time, and reads what it held if they came.
func (s *Session) Finish() { s.retry() }

func fragLen(rec []byte) int { return int(rec[3])<<8 | int(rec[4]) }

// stop gives up on the session, keeping the first reason.
func (s *Session) stop(why string) {
	if s.info.Reason == "" {
		s.info.Reason = why
	}
	if why != NotTLS {
		s.failed = true
	}
}

// record handles one whole record of direction d.
func (s *Session) record(d int, rec []byte) {
	dr := &s.d[d]
	typ := rec[0]
	if dr.on {
		s.open(d, rec)
		return
	}
	if !s.ready && (typ == 23 || dr.ccs) {
		// Protected before the hellos were read (each direction's bytes
		// may come in their own order): kept until the keys are known.
		if s.heldBytes += len(rec); s.heldBytes > maxHeld {
			if s.waiting {
				s.stop(NoKey) // waited as long as the bound lets
			} else {
				s.stop(TooMuchHeld)
			}
			return
		}
		dr.held = append(dr.held, append([]byte(nil), rec...))
		return
	}
	switch typ {
	case 22:
		err := dr.hs.feed(rec[5:], func(t uint8) bool { return t == typeClientHello || t == typeServerHello },
			func(t uint8, body []byte) { s.hello(d, t, body) })
		if err != nil {
			s.stop(NoHandshake)
		}
	case 20: // change_cipher_spec: TLS 1.2's records are protected from here
		switch {
		case s.retried:
			// TLS 1.3's compatibility record (RFC 8446 §D.4): the
			// hellos that follow a HelloRetryRequest are in clear.
		case s.ready:
			dr.on = true
		default:
			dr.ccs = true
		}
	case 23:
		// Application data in clear where keys were wanted: the reason
		// is already said.
		s.stop(NoKey)
	}
}

// hello reads the hellos, and once both are in, the keys.
func (s *Session) hello(d int, typ uint8, body []byte) {
	switch {
	case typ == typeClientHello && d == Client:
		h, err := parseClientHello(body)
		if err != nil {
			s.stop(NoHandshake)
			return
		}
		s.ch, s.haveCH = h, true
		s.info.SNI = h.sni
	case typ == typeServerHello && d == Server:
		h, err := parseServerHello(body)
		if err != nil {
			s.stop(NoHandshake)
			return
		}
		if h.retry {
			s.retried = true
			return // the client says hello again, with the same random
		}
		s.sh, s.haveSH = h, true
		s.info.Version = versionName(h.version)
		s.info.Cipher = SuiteName(h.suite)
	default:
		return
	}
	if s.haveCH && s.haveSH && !s.ready {
		s.keysIn()
	}
}

func versionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301, 0x0302, 0x0303, 0x0304:
		return fmt.Sprintf("TLS 1.%d", v-0x0301)
	}
	return fmt.Sprintf("0x%04x", v)
}

// keysIn finds the session's secrets and sets each direction's
// protection, then reads what was held for them.
func (s *Session) keysIn() {
	v := s.sh.version
	if v != 0x0303 && v != 0x0304 {
		s.stop(OldVersion)
		return
	}
	su := suites[s.sh.suite]
	if su == nil || su.tls13 != (v == 0x0304) {
		s.stop(Unsupported)
		return
	}
	sec, ok := s.keys.Lookup(s.ch.random)
	s.suite, s.secrets = su, sec
	if !ok || !s.complete(sec) {
		if s.keys.Following() {
			// The client may not have written them yet: records are held
			// until they come.
			s.waiting = true
			return
		}
		s.stop(NoKey)
		return
	}
	c, sv := &s.d[Client], &s.d[Server]
	if su.tls13 {
		// Both sides protect every record after the ServerHello (RFC 8446
		// §2), with the handshake secrets until their Finished.
		if s.rekey(Client, sec.ClientHandshake) != nil || s.rekey(Server, sec.ServerHandshake) != nil {
			s.stop(NoKey)
			return
		}
		c.on, sv.on = true, true
	} else {
		ca, sa, civ, siv, err := keys12(su, sec.Master, s.ch.random, s.sh.random)
		if err != nil {
			s.stop(NoKey)
			return
		}
		c.aead, c.iv, sv.aead, sv.iv = ca, civ, sa, siv
		c.on, sv.on = c.ccs, sv.ccs
	}
	s.ready = true
	for d := range s.d {
		held := s.d[d].held
		s.d[d].held = nil
		for _, rec := range held {
			s.record(d, rec)
		}
	}
	s.heldBytes = 0
}

// complete reports whether sec holds what the session's version needs.
func (s *Session) complete(sec Secrets) bool {
	if s.suite.tls13 {
		return sec.ClientHandshake != nil && sec.ServerHandshake != nil && sec.ClientTraffic != nil && sec.ServerTraffic != nil
	}
	return sec.Master != nil
}

// rekey sets direction d's protection from a TLS 1.3 traffic secret.
func (s *Session) rekey(d int, secret []byte) error {
	a, iv, err := keys13(s.suite, secret)
	if err != nil {
		return err
	}
	dr := &s.d[d]
	dr.aead, dr.iv, dr.secret, dr.seq = a, iv, secret, 0
	return nil
}

// open decrypts one protected record.
func (s *Session) open(d int, rec []byte) {
	dr := &s.d[d]
	typ := rec[0]
	su := s.suite
	if su.tls13 && typ != 23 {
		return // the compatibility change_cipher_spec (RFC 8446 §D.4), or an alert in clear
	}
	if !su.tls13 && typ == 20 {
		return
	}
	frag := rec[5:]
	var nonce, aad, ct []byte
	if cap(dr.nonce) < 12 {
		dr.nonce = make([]byte, 12)
	}
	nonce = dr.nonce[:12]
	switch {
	case su.tls13:
		aad, ct = rec[:5], frag
		xorSeq(nonce, dr.iv, dr.seq)
	default:
		if su.explicitNonce() {
			// RFC 5288 §3: the fixed IV, then 8 bytes the record carries.
			if len(frag) < 8 {
				s.bad(d)
				return
			}
			copy(nonce, dr.iv)
			copy(nonce[4:], frag[:8])
			ct = frag[8:]
		} else {
			xorSeq(nonce, dr.iv, dr.seq) // RFC 7905 §2
			ct = frag
		}
		// RFC 5246 §6.2.3.3: the sequence number and the plaintext's header.
		plen := len(ct) - dr.aead.Overhead()
		if plen < 0 {
			s.bad(d)
			return
		}
		var a [13]byte
		binary.BigEndian.PutUint64(a[:], dr.seq)
		a[8], a[9], a[10] = typ, rec[1], rec[2]
		binary.BigEndian.PutUint16(a[11:], uint16(plen))
		aad = a[:]
	}
	pt, err := dr.aead.Open(ct[:0], nonce, ct, aad)
	if err != nil && dr.ok == 0 && d == Client && su.tls13 && s.ch.early {
		return // 0-RTT data, under the early secret: it takes no sequence number of these keys
	}
	dr.seq++
	if err != nil {
		s.bad(d)
		return
	}
	dr.ok++
	s.info.Decrypted = true
	inner := typ
	if su.tls13 {
		// RFC 8446 §5.4: the content type is the last byte not zero.
		i := len(pt) - 1
		for i >= 0 && pt[i] == 0 {
			i--
		}
		if i < 0 {
			s.bad(d)
			return
		}
		inner, pt = pt[i], pt[:i]
	}
	switch inner {
	case 23:
		dr.out = append(dr.out, pt...)
	case 22:
		s.protectedHandshake(d, pt)
	}
}

// protectedHandshake follows the handshake messages sent under
// protection: TLS 1.3 changes keys after a side's Finished and at each
// KeyUpdate (RFC 8446 §4.6.3), both at a record's end (§5.1). TLS 1.2
// sends its Finished here and nothing else unless it renegotiates.
func (s *Session) protectedHandshake(d int, pt []byte) {
	dr := &s.d[d]
	var next []byte
	err := dr.hs.feed(pt, func(uint8) bool { return false }, func(t uint8, _ []byte) {
		switch {
		case !s.suite.tls13 && (t == typeClientHello || t == typeServerHello || t == 0):
			s.stop(Renegotiated)
		case s.suite.tls13 && t == typeFinished && !dr.app:
			next = s.secrets.ClientTraffic
			if d == Server {
				next = s.secrets.ServerTraffic
			}
			dr.app = true
		case s.suite.tls13 && t == typeKeyUpdate && dr.app:
			next, _ = nextSecret(s.suite, dr.secret)
		}
	})
	if err != nil {
		dr.done = true
		return
	}
	if next != nil && s.rekey(d, next) != nil {
		s.stop(NoKey)
	}
}

// bad counts a record that did not authenticate. A side's first record
// failing means the secrets are wrong; later ones are corrupt records,
// said and passed over.
func (s *Session) bad(d int) {
	dr := &s.d[d]
	if dr.ok == 0 {
		s.stop(AuthFailed)
		return
	}
	dr.bad++
}

// xorSeq writes the per-record nonce: the IV with the sequence number
// XORed into its last 8 bytes (RFC 8446 §5.3, RFC 7905 §2).
func xorSeq(nonce, iv []byte, seq uint64) {
	copy(nonce, iv)
	for i := 0; i < 8; i++ {
		nonce[len(nonce)-1-i] ^= byte(seq >> (8 * i))
	}
}
