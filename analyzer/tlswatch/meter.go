package tlswatch

import (
	"bytes"
	"fmt"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/tlsdecrypt"
)

// Meter records into a session what crosses once TLS began: the bytes
// each way and the headers of the first records, which is all a capture
// without the keys shows. Given a key log, it also decrypts them.
type Meter struct {
	s    *session.Session
	recs [2]Records
	dec  *tlsdecrypt.Session // nil without a key log
}

// NewMeter returns a Meter for s, that decrypts with keys when they are
// wanted; nothing is recorded until bytes come.
func NewMeter(s *session.Session, keys *tlsdecrypt.Keys) *Meter {
	m := &Meter{s: s}
	if keys.Wanted() {
		m.dec = tlsdecrypt.New(keys)
	}
	return m
}

// Finish is told the connection ended: records held for secrets a key log
// had yet to give are read if they came (Plain hands them over).
func (m *Meter) Finish() {
	if m.dec != nil {
		m.dec.Finish()
		m.update()
	}
}

// update copies what the decryption learned into the session.
func (m *Meter) update() {
	if e := m.s.Encrypted; e != nil {
		i := m.dec.Info()
		e.Version, e.Cipher, e.SNI, e.Decrypted, e.NotDecrypted = i.Version, i.Cipher, i.SNI, i.Decrypted, i.Reason
	}
}

// Decrypting reports whether the meter may still hand over plaintext.
func (m *Meter) Decrypting() bool { return m.dec != nil && !m.dec.Failed() }

// Drain hands each what was decrypted since the last call, client's
// first, as a copy of its own (the chunk the views show), and says as an
// anomaly at t the records that did not authenticate (changed on the
// wire).
func (m *Meter) Drain(t time.Time, each func(d session.Dir, plain []byte)) {
	if m.dec == nil {
		return
	}
	for _, d := range []session.Dir{session.FromClient, session.FromServer} {
		p, bad := m.dec.Plain(int(d))
		if bad > 0 {
			explain.Anomaly(m.s, t, d, "tls.corrupt", bad)
		}
		if len(p) > 0 {
			each(d, bytes.Clone(p))
		}
	}
}

// Feed takes TLS bytes b of direction d, at t; from is how many bytes of
// that direction came before them, for the first bytes to say where TLS
// began.
func (m *Meter) Feed(d session.Dir, t time.Time, b []byte, from int64) {
	e := m.s.Encrypted
	if e == nil {
		e = &session.Encrypted{Since: t, ClientFrom: -1, ServerFrom: -1, Records: []session.TLSRecord{}}
		m.s.Encrypted = e
	}
	if d == session.FromClient {
		if e.ClientFrom < 0 {
			e.ClientFrom = from
		}
		e.BytesClient += int64(len(b))
	} else {
		if e.ServerFrom < 0 {
			e.ServerFrom = from
		}
		e.BytesServer += int64(len(b))
	}
	if m.dec != nil {
		m.dec.Feed(int(d), b)
		m.update()
	}
	for _, r := range m.recs[d].Feed(b) {
		if len(e.Records) >= session.MaxTLSRecords {
			e.RecordsMore++
			continue
		}
		e.Records = append(e.Records, session.TLSRecord{Time: t, Dir: d.String(), Offset: r.Offset,
			Type: TypeName(r.Type), Handshake: HandshakeName(r.Handshake), Version: VersionName(r.Version), Length: r.Length})
	}
}

// Lost tells of bytes lost in direction d: its record headers can no
// longer be found, only counted bytes.
func (m *Meter) Lost(d session.Dir) {
	m.recs[d].Lost()
	if m.dec != nil {
		m.dec.Lost(int(d))
	}
}

// TypeName names a record's content type (RFC 8446 §5.1, RFC 6520).
func TypeName(t uint8) string {
	switch t {
	case 20:
		return "change_cipher_spec"
	case 21:
		return "alert"
	case 22:
		return "handshake"
	case 23:
		return "application_data"
	case 24:
		return "heartbeat"
	}
	return fmt.Sprintf("type %d", t)
}

// HandshakeName names a handshake message type (RFC 8446 §4, RFC 5246
// §7.4); "" for -1, no handshake message, and "encrypted" for a
// handshake record sent after change_cipher_spec (TLS 1.2's Finished).
func HandshakeName(t int) string {
	switch t {
	case -1:
		return ""
	case Encrypted:
		return "encrypted"
	case 0:
		return "HelloRequest"
	case 1:
		return "ClientHello"
	case 2:
		return "ServerHello"
	case 4:
		return "NewSessionTicket"
	case 8:
		return "EncryptedExtensions"
	case 11:
		return "Certificate"
	case 12:
		return "ServerKeyExchange"
	case 13:
		return "CertificateRequest"
	case 14:
		return "ServerHelloDone"
	case 15:
		return "CertificateVerify"
	case 16:
		return "ClientKeyExchange"
	case 20:
		return "Finished"
	}
	return fmt.Sprintf("type %d", t)
}

// VersionName names a record layer version.
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}
