// Package tlswatch follows an in-band upgrade to TLS (SMTP STARTTLS, RFC
// 3207; POP3 STLS, RFC 2595; IMAP STARTTLS, RFC 9051 §6.2.1): once the
// server accepts it, the first bytes of each direction show whether TLS
// really followed, since a capture exported with TLS already decrypted goes
// on in clear.
package tlswatch

// LooksLikeTLS reports whether b starts like a TLS record, as the bytes
// after a successful STARTTLS should: its first byte is a content type,
// 20 to 23 (RFC 8446 §5.1), a control character no command or reply line
// starts with. One byte decides, so the answer is the same however TCP
// cut the stream.
func LooksLikeTLS(b []byte) bool {
	return len(b) == 0 || (b[0] >= 20 && b[0] <= 23)
}

// Watch is the state of one connection's upgrade; the zero value is in
// clear.
type Watch struct {
	on      bool
	checked [2]bool
	opaque  bool
}

// Start marks the upgrade as accepted by the server.
func (w *Watch) Start() { w.on = true }

// Opaque marks the rest of the stream as unreadable (IMAP COMPRESS,
// RFC 4978): it is counted, not parsed.
func (w *Watch) Opaque() { w.opaque = true }

// Encrypted reports whether the bytes skipped are TLS, not opaque.
func (w *Watch) Encrypted() bool { return w.on && !w.opaque }

// Hidden reports whether bytes are no longer parsed: after an upgrade that
// TLS followed, or once opaque.
func (w *Watch) Hidden() bool { return w.on || w.opaque }

// Skip reports whether bytes b in direction dir (0 client, 1 server) are
// TLS or opaque and so not to be parsed; plain reports a direction found
// in clear after an accepted upgrade, which is then parsed.
func (w *Watch) Skip(dir int, b []byte) (skip, plain bool) {
	if w.opaque {
		return true, false
	}
	if !w.on {
		return false, false
	}
	if w.checked[dir] {
		return true, false
	}
	w.checked[dir] = true
	if LooksLikeTLS(b) {
		return true, false
	}
	w.on = false
	return false, true
}

// Record is the header of one TLS record (RFC 8446 §5.1), and the type of
// the handshake message it starts with, when it is a handshake record.
type Record struct {
	Offset    int64  // where the record starts in its direction's TLS bytes
	Type      uint8  // 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat
	Version   uint16 // the record layer's: 0x0301 TLS 1.0 ... 0x0303 TLS 1.2, and TLS 1.3's records too
	Length    int
	Handshake int // the handshake message type (1 ClientHello, 2 ServerHello, ...), -1 if none, Encrypted
}

// Encrypted is the Handshake of a handshake record sent after
// change_cipher_spec: its payload is ciphertext.
const Encrypted = -2

// Records reads the record headers of one direction's TLS bytes as they
// pass, whatever TCP's cuts. It stops for good at bytes that are no TLS
// record, or at a gap: lengths can no longer be trusted to find the next
// header.
type Records struct {
	off     int64 // bytes read so far
	hdr     [5]byte
	have    int // header bytes read
	skip    int // payload bytes of the current record still to pass
	pending *Record
	ccs     bool // change_cipher_spec was sent: later handshakes are encrypted
	broken  bool
}

// Feed takes more bytes and returns the records they start. A handshake
// record is returned once the first byte of its payload, its message
// type, has arrived.
func (r *Records) Feed(b []byte) []Record {
	var out []Record
	for len(b) > 0 && !r.broken {
		if r.skip > 0 {
			if r.pending != nil {
				r.pending.Handshake = int(b[0])
				out = append(out, *r.pending)
				r.pending = nil
			}
			n := min(r.skip, len(b))
			r.skip -= n
			r.off += int64(n)
			b = b[n:]
			continue
		}
		n := copy(r.hdr[r.have:], b)
		r.have += n
		b = b[n:]
		if r.have < len(r.hdr) {
			break
		}
		rec := Record{Offset: r.off, Type: r.hdr[0], Version: uint16(r.hdr[1])<<8 | uint16(r.hdr[2]),
			Length: int(r.hdr[3])<<8 | int(r.hdr[4]), Handshake: -1}
		r.have = 0
		r.off += int64(len(r.hdr))
		if rec.Type < 20 || rec.Type > 24 || r.hdr[1] != 3 {
			r.broken = true
			break
		}
		r.skip = rec.Length
		switch {
		case rec.Type == 20:
			r.ccs = true
		case rec.Type == 22 && r.ccs:
			rec.Handshake = Encrypted
		case rec.Type == 22 && rec.Length > 0:
			r.pending = &rec
			continue
		}
		out = append(out, rec)
	}
	return out
}

// Lost tells of bytes lost: no more records can be read.
func (r *Records) Lost() { r.broken = true }
