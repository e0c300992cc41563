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
