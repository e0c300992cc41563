// Package sasl decodes the credentials carried by SASL exchanges (RFC 4422)
// as SMTP AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP AUTHENTICATE
// (RFC 9051 §6.2.2) carry them: PLAIN (RFC 4616), LOGIN, CRAM-MD5
// (RFC 2195) and XOAUTH2.
package sasl

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Decoder follows one authentication exchange.
type Decoder struct {
	Mechanism string
	Username  string
	Password  string
	// Redact masks secrets (passwords, tokens, digests) in what Response
	// returns; Password still holds the secret for the caller to mask.
	Redact bool
	// Secret tells whether the last client response carried one.
	Secret bool
	// loginStep counts LOGIN client responses: user first, then password.
	loginStep     int
	challenges    int // challenges seen, to tell whether one prompted the response at hand
	lastChallenge string
}

// New starts decoding mechanism mech (case-insensitive).
func New(mech string, redact bool) *Decoder {
	return &Decoder{Mechanism: strings.ToUpper(mech), Redact: redact}
}

// Redacted stands for a secret in masked output.
const Redacted = "<redacted>"

func (d *Decoder) show(secret string) string {
	d.Secret = true
	if d.Redact {
		return Redacted
	}
	return secret
}

// Decode64 decodes base64 leniently (padding optional, spaces trimmed).
func Decode64(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if s == "=" {
		return nil, true
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

// Challenge records a server challenge (the text after 334 or "+ ") and
// returns a readable form of it: LOGIN's "Username:", CRAM-MD5's
// "<1896.697170952@postoffice.example.net>"; "" when it is empty or not
// readable.
func (d *Decoder) Challenge(b64 string) string {
	b, ok := Decode64(b64)
	if !ok {
		return ""
	}
	d.challenges++
	d.lastChallenge = string(b)
	return printable(b)
}

// Response takes one client response in base64 and returns a readable
// form of it ("" when it is not base64). "*" cancels the exchange.
func (d *Decoder) Response(b64 string) string {
	d.Secret = false
	if strings.TrimSpace(b64) == "*" {
		return "cancel"
	}
	raw, ok := Decode64(b64)
	if !ok {
		return ""
	}
	switch d.Mechanism {
	case "PLAIN":
		// authzid NUL authcid NUL passwd
		parts := bytes.SplitN(raw, []byte{0}, 3)
		if len(parts) == 3 {
			d.Username, d.Password = string(parts[1]), string(parts[2])
			pass := d.show(d.Password)
			if len(parts[0]) > 0 {
				return "authzid=" + string(parts[0]) + " user=" + d.Username + " password=" + pass
			}
			return "user=" + d.Username + " password=" + pass
		}
	case "LOGIN":
		// The order is user, then password; the server's prompt says
		// which is which when it came before this response (a client
		// that types ahead sends both before any prompt).
		isPass := d.loginStep == 1
		if d.challenges == d.loginStep+1 {
			if c := strings.ToLower(d.lastChallenge); strings.HasPrefix(c, "password") {
				isPass = true
			} else if strings.HasPrefix(c, "username") || strings.HasPrefix(c, "user name") {
				isPass = false
			}
		}
		d.loginStep++
		if isPass {
			d.Password = string(raw)
			return "password=" + d.show(d.Password)
		}
		d.Username = string(raw)
		return "user=" + d.Username
	case "CRAM-MD5":
		// user SP hex-digest: the password itself never crosses the wire.
		if i := bytes.LastIndexByte(raw, ' '); i > 0 {
			d.Username = string(raw[:i])
			return "user=" + d.Username + " digest=" + d.show(string(raw[i+1:]))
		}
	case "XOAUTH2":
		// "user=" U ^A "auth=Bearer " token ^A ^A
		for _, f := range bytes.Split(raw, []byte{1}) {
			if v, ok := bytes.CutPrefix(f, []byte("user=")); ok {
				d.Username = string(v)
			}
			if v, ok := bytes.CutPrefix(f, []byte("auth=")); ok {
				d.Password = string(v)
			}
		}
		if d.Username != "" {
			return "user=" + d.Username + " token=" + d.show(d.Password)
		}
		if strings.HasPrefix(string(raw), "{") {
			return "error=" + string(raw)
		}
	}
	// Undecodable data may still hold a secret.
	d.Secret = true
	if d.Redact {
		return Redacted
	}
	return printable(raw)
}

func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return ""
		}
	}
	return string(b)
}

// Responses is how many client responses mech takes after the command
// that names it, given whether that command carried an initial response
// (RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2). known is false for
// mechanisms whose count depends on the exchange (SCRAM, GSSAPI, NTLM,
// DIGEST-MD5): there only the server's challenges say. A server may ask
// once more than this, as XOAUTH2 and OAUTHBEARER do to report an error
// (RFC 7628 §3.2.3): the caller counts challenges too. For an unknown
// mechanism n is the least it can take: one unless the command carried
// it.
func Responses(mech string, initial bool) (n int, known bool) {
	one := 1
	if initial {
		one = 0
	}
	switch strings.ToUpper(mech) {
	case "PLAIN", "EXTERNAL", "ANONYMOUS", "XOAUTH2", "OAUTHBEARER":
		// RFC 4616, RFC 4422 App. A, RFC 4505, RFC 7628: one message,
		// sent as the initial response or after an empty challenge.
		return one, true
	case "LOGIN":
		// draft-murchison-sasl-login: user name, then password; an
		// initial response carries the user name.
		return one + 1, true
	case "CRAM-MD5":
		// RFC 2195: the server speaks first; one response to its
		// challenge. An initial response is refused by the server.
		return one, true
	}
	return one, false
}
