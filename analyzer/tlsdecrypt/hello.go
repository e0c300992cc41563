package tlsdecrypt

import "errors"

// Handshake message types this package acts on (RFC 8446 §4).
const (
	typeClientHello = 1
	typeServerHello = 2
	typeFinished    = 20
	typeKeyUpdate   = 24
)

// maxHandshake bounds a handshake message kept whole to be read: the
// hellos. Longer messages (certificates) are only passed over.
const maxHandshake = 64 << 10

// helloRetry is the random of a ServerHello that is a HelloRetryRequest
// (RFC 8446 §4.1.3): SHA-256 of "HelloRetryRequest".
var helloRetry = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

var errShort = errors.New("handshake message cut short")

// reader takes fields off a handshake message; a read past the end sets
// the sticky error and returns zeros.
type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() int {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16() int {
	v := r.bytes(2)
	if v == nil {
		return 0
	}
	return int(v[0])<<8 | int(v[1])
}

// vec reads a vector with an n-byte length (RFC 8446 §3.4).
func (r *reader) vec(n int) *reader {
	l := 0
	if n == 1 {
		l = r.u8()
	} else {
		l = r.u16()
	}
	return &reader{b: r.bytes(l), err: r.err}
}

// extensions calls each for every extension of the block.
func (r *reader) extensions(each func(typ int, body *reader)) {
	if r.err != nil || len(r.b) == 0 {
		return // a hello without extensions (TLS 1.2 may send none)
	}
	exts := r.vec(2)
	for exts.err == nil && len(exts.b) > 0 {
		typ := exts.u16()
		body := exts.vec(2)
		if body.err == nil {
			each(typ, body)
		}
	}
	if exts.err != nil {
		r.err = exts.err
	}
}

// clientHello is what decryption needs of a ClientHello (RFC 8446
// §4.1.2): its random finds the keys; SNI is shown.
type clientHello struct {
	random [32]byte
	sni    string
	early  bool // offered 0-RTT data (RFC 8446 §4.2.10)
}

func parseClientHello(body []byte) (clientHello, error) {
	var h clientHello
	r := &reader{b: body}
	r.u16() // legacy_version
	copy(h.random[:], r.bytes(32))
	r.vec(1) // legacy_session_id
	r.vec(2) // cipher_suites
	r.vec(1) // legacy_compression_methods
	r.extensions(func(typ int, e *reader) {
		switch typ {
		case 0: // server_name (RFC 6066 §3)
			list := e.vec(2)
			for list.err == nil && len(list.b) > 0 {
				kind := list.u8()
				name := list.vec(2)
				if kind == 0 && name.err == nil && h.sni == "" {
					h.sni = string(name.b)
				}
			}
		case 42: // early_data
			h.early = true
		}
	})
	return h, r.err
}

// serverHello is what decryption needs of a ServerHello: the version
// and suite chosen, and its random for TLS 1.2's key block.
type serverHello struct {
	random  [32]byte
	version uint16 // supported_versions' choice, else legacy_version
	suite   uint16
	retry   bool // a HelloRetryRequest: the real ServerHello follows
}

func parseServerHello(body []byte) (serverHello, error) {
	var h serverHello
	r := &reader{b: body}
	h.version = uint16(r.u16())
	copy(h.random[:], r.bytes(32))
	r.vec(1) // legacy_session_id_echo
	h.suite = uint16(r.u16())
	r.u8() // legacy_compression_method
	r.extensions(func(typ int, e *reader) {
		if typ == 43 { // supported_versions (RFC 8446 §4.2.1)
			h.version = uint16(e.u16())
		}
	})
	h.retry = h.random == helloRetry
	return h, r.err
}

// framer cuts one direction's handshake bytes into messages across
// records (RFC 8446 §5.1 lets a message span records and a record carry
// several). Bodies are kept only of the messages wanted.
type framer struct {
	hdr  [4]byte
	have int // header bytes so far
	typ  uint8
	left int // body bytes still to come
	keep bool
	body []byte
}

// feed takes handshake bytes; done is called at the end of each message,
// with its body when keep wanted it.
func (f *framer) feed(b []byte, keep func(typ uint8) bool, done func(typ uint8, body []byte)) error {
	for len(b) > 0 {
		if f.have < 4 {
			n := copy(f.hdr[f.have:], b)
			f.have += n
			b = b[n:]
			if f.have < 4 {
				return nil
			}
			f.typ = f.hdr[0]
			f.left = int(f.hdr[1])<<16 | int(f.hdr[2])<<8 | int(f.hdr[3])
			f.keep = keep(f.typ)
			if f.keep && f.left > maxHandshake {
				return errors.New("handshake message longer than 64 KiB")
			}
			f.body = f.body[:0]
			if f.left == 0 {
				f.have = 0
				done(f.typ, nil)
				continue
			}
		}
		n := min(f.left, len(b))
		if f.keep {
			f.body = append(f.body, b[:n]...)
		}
		f.left -= n
		b = b[n:]
		if f.left == 0 {
			f.have = 0
			done(f.typ, f.body)
		}
	}
	return nil
}
