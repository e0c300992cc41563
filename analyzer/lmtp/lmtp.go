// Package lmtp registers LMTP (RFC 2033), the dialect of SMTP a mail
// server speaks to hand a message to the store its mailboxes are read
// from (Postfix to Dovecot, in the lab): the client says LHLO, and after
// the data the server answers once for each recipient it accepted, in
// RCPT order. The parsing is SMTP's (analyzer/smtp); what LMTP says is
// explained as SMTP where it has no words of its own ("lmtp.like" in
// the catalog).
package lmtp

import (
	"bytes"

	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/smtp"
)

// Name is the protocol's name in the table, the model and the output.
const Name session.Protocol = "lmtp"

// Spec registers LMTP on port 24, the one RFC 2033 §5 gives it on TCP.
func Spec() proto.Spec {
	return proto.Spec{Name: Name, Ports: []uint16{24}, Detect: Detect, New: smtp.NewLMTP}
}

// Detect recognizes a server's 220 greeting answered by LHLO (RFC 2033
// §4.1), a command no SMTP client sends.
func Detect(srv, cli []byte) bool {
	if !bytes.HasPrefix(srv, []byte("220 ")) && !bytes.HasPrefix(srv, []byte("220-")) || len(cli) < 5 {
		return false
	}
	return bytes.EqualFold(cli[:5], []byte("LHLO "))
}
