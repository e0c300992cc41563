package main

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// The shapes users bring that cost most per byte, and those an attacker
// can pick (make bench-hostile): each fills about size bytes, so that a
// view's MB/s on it compares with the mail corpus's.

// mailbox: POP3 sessions that RETR every message of a mailbox and IMAP
// sessions that FETCH 1:* BODY[], messages up to 1 MB, as the lab's
// exercise 3f and a mail program's first sync do.
func (g *generator) mailbox(size int64) {
	for g.written < size && g.err == nil {
		var msgs []string
		for range 40 {
			msgs = append(msgs, g.message())
		}
		c := g.dial(110)
		c.send(false, "+OK Dovecot ready.\r\n")
		c.send(true, "USER alumnopop\r\n")
		c.send(false, "+OK\r\n")
		c.send(true, "PASS alumnopoppass\r\n")
		c.send(false, "+OK Logged in.\r\n")
		for i, m := range msgs {
			c.send(true, fmt.Sprintf("RETR %d\r\n", i+1))
			c.send(false, fmt.Sprintf("+OK %d octets\r\n%s.\r\n", len(m), strings.ReplaceAll(m, "\r\n.", "\r\n..")))
		}
		c.send(true, "QUIT\r\n")
		c.send(false, "+OK Logging out.\r\n")
		c.close()
		c = g.dial(143)
		c.send(false, "* OK Dovecot ready.\r\n")
		c.send(true, "a1 LOGIN alumnoimap alumnoimappass\r\n")
		c.send(false, "a1 OK Logged in\r\n")
		c.send(true, "a2 SELECT INBOX\r\n")
		c.send(false, fmt.Sprintf("* %d EXISTS\r\na2 OK Select completed.\r\n", len(msgs)))
		c.send(true, "a3 FETCH 1:* BODY[]\r\n")
		for i, m := range msgs {
			c.send(false, fmt.Sprintf("* %d FETCH (BODY[] {%d}\r\n%s)\r\n", i+1, len(m), m))
		}
		c.send(false, "a3 OK Fetch completed.\r\n")
		c.send(true, "a4 LOGOUT\r\n")
		c.send(false, "* BYE\r\na4 OK Logout completed.\r\n")
		c.close()
	}
}

// fill sends data from one side, again and again, until the file has
// grown by size.
func (c *conn) fill(fromClient bool, data string, size int64) {
	for start := c.g.written; c.g.written-start < size && c.g.err == nil; {
		c.send(fromClient, data)
	}
}

// turns sends cli from the client and srv from the server, in turns,
// until about size bytes are written.
func (c *conn) turns(cli, srv string, size int64) {
	for start := c.g.written; c.g.written-start < size && c.g.err == nil; {
		c.send(true, cli)
		c.send(false, srv)
	}
}

// bigHeader sends an SMTP message of first, then repeated up to size
// bytes, then last (its end), and the reply that takes it.
func (g *generator) bigHeader(first, repeated, last string, size int64) {
	c := g.toData()
	if first != "" {
		c.send(true, first) // an empty send would still take 0.2 ms
	}
	c.fill(true, repeated, size)
	c.send(true, last)
	c.send(false, "250 queued\r\n")
	c.close()
}

// toData opens an SMTP session and gets it to its data, pipelined.
func (g *generator) toData() *conn {
	c := g.dial(25)
	c.send(false, "220 mx ESMTP\r\n")
	c.send(true, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
	c.send(false, "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	return c
}

// hostile writes one adversarial shape of about size bytes.
func (g *generator) hostile(shape string, size int64) error {
	switch shape {
	case "barelf-imap": // untagged "* " lines ended by bare LFs
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		c.send(true, "a1 NOOP\r\n")
		c.fill(false, strings.Repeat("* \n", 1<<14), size)
		c.close()
	case "barelf-smtp": // a message of bare-LF lines and lone dots beside them
		c := g.toData()
		c.fill(true, strings.Repeat("x\n.\nMAIL FROM:<a@b>\n", 1<<12), size)
		c.close()
	case "barelf-pop3": // a RETR body of bare LFs and dots
		c := g.dial(110)
		c.send(false, "+OK ready\r\n")
		c.send(true, "RETR 1\r\n")
		c.send(false, "+OK\r\n")
		c.fill(false, strings.Repeat("x\n.\n", 1<<14), size)
		c.close()
	case "replies": // an SMTP reply of millions of lines
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		c.send(true, "EHLO x\r\n")
		c.fill(false, strings.Repeat("250-X\r\n", 1<<14), size)
		c.send(false, "250 end\r\n")
		c.close()
	case "tiny-segments": // a whole session one byte a segment
		c := g.toData()
		line := "Subject: tiny\r\n"
		for start := g.written; g.written-start < size && g.err == nil; {
			for i := 0; i < len(line); i++ {
				c.send(true, line[i:i+1])
			}
		}
		c.send(true, ".\r\n")
		c.close()
	case "fields": // a header of millions of short fields
		g.bigHeader("", strings.Repeat("a:b\r\n", 1<<14), "\r\nbody\r\n.\r\n", size)
	case "mime-deep", "mime-wide": // nested multiparts, or thousands of parts
		c := g.toData()
		c.send(true, "Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
		if shape == "mime-deep" {
			var b strings.Builder
			for i := range 5000 {
				fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
			}
			for start := g.written; g.written-start < size && g.err == nil; {
				c.send(true, b.String())
			}
		} else {
			c.fill(true, strings.Repeat("--b0\r\nContent-Type: text/plain\r\n\r\nx\r\n", 1<<10), size)
		}
		c.send(true, "\r\n.\r\n")
		c.send(false, "250 queued\r\n")
		c.close()
	case "literals": // a FETCH answered by hundreds of thousands of small literals
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		c.send(true, "a1 FETCH 1:* BODY[]\r\n")
		c.fill(false, strings.Repeat("* 1 FETCH (BODY[] {1}\r\nx)\r\n", 1<<10), size)
		c.send(false, "a1 OK done\r\n")
		c.close()
	case "literal-line": // one FETCH line of hundreds of thousands of literals
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		c.send(true, "a1 FETCH 1 (UID BODY[1])\r\n")
		c.send(false, "* 1 FETCH (UID 7 ")
		c.fill(false, strings.Repeat("BODY[1] {1}\r\nx ", 1<<10), size)
		c.send(false, "FLAGS ())\r\na1 OK done\r\n")
		c.close()
	case "held": // NOOPs completed behind data held for another command
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		c.send(true, "a1 LIST \"\" *\r\n")
		c.send(false, strings.Repeat("* LIST () \"/\" box\r\n", 5000))
		var cli, srv strings.Builder
		for i := range 100 {
			fmt.Fprintf(&cli, "b%d NOOP\r\n", i)
			fmt.Fprintf(&srv, "* %d EXISTS\r\nb%d OK done\r\n", i, i)
		}
		c.turns(cli.String(), srv.String(), size)
		c.send(false, "a1 OK listed\r\n")
		c.close()
	case "unanswered": // pipelined commands no reply answers
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		c.fill(true, strings.Repeat("NOOP\r\n", 1<<10), size)
		c.close()
	case "long-lines": // commands and replies at the line bound, one after another
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		long := strings.Repeat("x", 60000)
		for start := g.written; g.written-start < size && g.err == nil; {
			c.send(true, "NOOP "+long+"\r\n")
			c.send(false, "250 "+long+"\r\n")
		}
		c.close()
	case "sync-literals": // one command of synchronizing literals, each asked for
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		c.send(true, "a1 SEARCH TEXT {1}\r\n")
		for start := g.written; g.written-start < size && g.err == nil; {
			c.send(false, "+ go\r\n")
			c.send(true, "x TEXT {1}\r\n")
		}
		c.send(false, "+ go\r\n")
		c.send(true, "x\r\n")
		c.send(false, "a1 OK done\r\n")
		c.close()
	case "long-line": // one command line of the whole size
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		c.fill(true, strings.Repeat("x", 1<<16), size)
		c.send(true, "\r\n")
		c.close()
	case "folded": // one header field folded over millions of lines
		g.bigHeader("Subject: x\r\n", strings.Repeat(" y\r\n", 1<<14), "\r\nbody\r\n.\r\n", size)
	case "received": // a header of millions of Received fields
		g.bigHeader("", strings.Repeat("Received: from a (b [127.0.0.1]) by c; Mon, 1 Jan 2024 00:00:00 +0000\r\n", 1<<8), "\r\nbody\r\n.\r\n", size)
	case "words": // a Subject of millions of encoded words
		g.bigHeader("Subject: ", strings.Repeat("=?utf-8?q?a?= ", 1<<12), "\r\n\r\nbody\r\n.\r\n", size)
	case "near-boundary": // body lines that begin as a boundary does
		c := g.toData()
		c.send(true, "Content-Type: multipart/mixed; boundary=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n\r\n--bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n\r\n")
		c.fill(true, strings.Repeat("--bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbx\r\n", 1<<10), size)
		c.send(true, "--bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb--\r\n.\r\n")
		c.send(false, "250 queued\r\n")
		c.close()
	case "rcpt": // one transaction of millions of recipients
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		c.send(true, "EHLO x\r\nMAIL FROM:<a@b>\r\n")
		c.send(false, "250 mx\r\n250 ok\r\n")
		c.turns(strings.Repeat("RCPT TO:<c@d>\r\n", 256), strings.Repeat("250 ok\r\n", 256), size)
		c.send(true, "DATA\r\n")
		c.send(false, "354 go\r\n")
		c.send(true, "Subject: x\r\n\r\nbody\r\n.\r\n")
		c.send(false, "250 queued\r\n")
		c.close()
	case "uidl": // a UIDL listing of millions of lines
		c := g.dial(110)
		c.send(false, "+OK ready\r\n")
		c.send(true, "UIDL\r\n")
		c.send(false, "+OK\r\n")
		c.fill(false, strings.Repeat("1 abcdefgh\r\n", 1<<12), size)
		c.send(false, ".\r\n")
		c.close()
	case "nested": // a FETCH of deeply nested parentheses
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		c.send(true, "a1 FETCH 1 BODYSTRUCTURE\r\n")
		c.send(false, "* 1 FETCH (BODYSTRUCTURE ")
		half := size / 2
		c.fill(false, strings.Repeat("(", 1<<12), half)
		c.fill(false, strings.Repeat(")", 1<<12), half)
		c.send(false, ")\r\na1 OK done\r\n")
		c.close()
	case "auths": // floods of failed logins: IMAP LOGIN, SMTP AUTH PLAIN, POP3 USER/PASS
		for _, l := range []struct {
			port     uint16
			greeting string
			cli, srv func(i int) string
		}{
			{143, "* OK ready\r\n",
				func(i int) string { return fmt.Sprintf("l%d LOGIN user%d secret%d\r\n", i, i, i) },
				func(i int) string { return fmt.Sprintf("l%d NO bad\r\n", i) }},
			{25, "220 mx ESMTP\r\n",
				func(i int) string {
					return "AUTH PLAIN " + base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "\x00user%d\x00secret%d", i, i)) + "\r\n"
				},
				func(int) string { return "535 5.7.8 failed\r\n" }},
			{110, "+OK ready\r\n",
				func(i int) string { return fmt.Sprintf("USER user%d\r\nPASS secret%d\r\n", i, i) },
				func(int) string { return "+OK\r\n-ERR bad\r\n" }},
		} {
			c := g.dial(l.port)
			c.send(false, l.greeting)
			var cli, srv strings.Builder
			for i := range 100 {
				cli.WriteString(l.cli(i))
				srv.WriteString(l.srv(i))
			}
			c.turns(cli.String(), srv.String(), size/3)
			c.close()
		}
	case "gaps": // a byte lost before every segment of a download
		c := g.dial(110)
		c.send(false, "+OK ready\r\n")
		c.send(true, "RETR 1\r\n")
		c.send(false, "+OK\r\nSubject: s\r\n\r\n")
		for start := g.written; g.written-start < size && g.err == nil; {
			c.sseq++ // the byte the capture lost
			c.send(false, "body line\r\n")
		}
		c.close()
	case "messages": // one session of tens of thousands of tiny messages
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		c.send(true, "EHLO x\r\n")
		c.send(false, "250 mx\r\n")
		var cli, srv strings.Builder
		for i := range 50 {
			fmt.Fprintf(&cli, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: %d\r\n\r\nx\r\n.\r\n", i)
			srv.WriteString("250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n")
		}
		c.turns(cli.String(), srv.String(), size)
		c.close()
	case "appends": // IMAP APPENDs of tiny messages, one after another
		c := g.dial(143)
		c.send(false, "* OK ready\r\n")
		var cli, srv strings.Builder
		for i := range 50 {
			fmt.Fprintf(&cli, "a%d APPEND INBOX {12+}\r\nSubject: x\r\n\r\n", i)
			fmt.Fprintf(&srv, "a%d OK done\r\n", i)
		}
		c.turns(cli.String(), srv.String(), size)
		c.close()
	case "retrans": // every segment sent again with other bytes
		c := g.dial(25)
		c.send(false, "220 mx ESMTP\r\n")
		for start := g.written; g.written-start < size && g.err == nil; {
			seq := c.cseq
			c.send(true, "NOOP\r\n")
			c.cseq = seq
			c.send(true, "QUIT\r\n")
			c.send(false, "250 ok\r\n")
		}
		c.close()
	case "syns": // connections begun and never used
		for start := g.written; g.written-start < size && g.err == nil; {
			g.dial(25)
		}
	case "connections": // a flood of tiny connections
		for start := g.written; g.written-start < size && g.err == nil; {
			c := g.dial(25)
			c.send(false, "220 mx ESMTP\r\n")
			c.send(true, "QUIT\r\n")
			c.send(false, "221 bye\r\n")
			c.close()
		}
	default:
		return fmt.Errorf("unknown hostile shape %q", shape)
	}
	return nil
}

// hostileShapes are the shapes of make bench-hostile, in its order.
var hostileShapes = []string{"barelf-imap", "barelf-smtp", "barelf-pop3", "replies", "tiny-segments", "fields", "mime-deep",
	"mime-wide", "literals", "literal-line", "held", "unanswered", "long-lines", "sync-literals", "long-line", "connections",
	"auths", "gaps", "folded", "received", "words", "near-boundary", "rcpt", "uidl", "nested", "messages", "appends", "retrans", "syns"}
