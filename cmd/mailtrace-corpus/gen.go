package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// generator writes pcapng blocks (RFC draft-ietf-opsawg-pcapng: section
// header, one Ethernet interface with nanosecond timestamps, enhanced
// packet blocks) of hand-built Ethernet/IPv4/TCP frames.
type generator struct {
	w       io.Writer
	rng     uint64
	now     int64 // capture time, ns
	written int64
	packets int64
	conns   int
	err     error
	buf     []byte
	msgs    []string // messages submitted so far, fetched back later
}

func newGenerator(w io.Writer, seed uint64) *generator {
	return &generator{w: w, rng: seed*0x9e3779b97f4a7c15 + 1, now: 1767225600e9}
}

func (g *generator) rand() uint64 {
	// xorshift64*: deterministic, fast, good enough for traffic shapes.
	g.rng ^= g.rng >> 12
	g.rng ^= g.rng << 25
	g.rng ^= g.rng >> 27
	return g.rng * 2685821657736338717
}

func (g *generator) intn(n int) int { return int(g.rand() % uint64(n)) }

func (g *generator) write(b []byte) {
	if g.err != nil {
		return
	}
	n, err := g.w.Write(b)
	g.written += int64(n)
	g.err = err
}

func (g *generator) header() error {
	shb := make([]byte, 28)
	binary.LittleEndian.PutUint32(shb[0:], 0x0a0d0d0a)
	binary.LittleEndian.PutUint32(shb[4:], 28)
	binary.LittleEndian.PutUint32(shb[8:], 0x1a2b3c4d)
	binary.LittleEndian.PutUint16(shb[12:], 1)
	binary.LittleEndian.PutUint64(shb[16:], ^uint64(0)) // section length unknown
	binary.LittleEndian.PutUint32(shb[24:], 28)
	g.write(shb)
	// Interface: Ethernet, snaplen 0, if_tsresol = 9 (nanoseconds).
	idb := make([]byte, 32)
	binary.LittleEndian.PutUint32(idb[0:], 1)
	binary.LittleEndian.PutUint32(idb[4:], 32)
	binary.LittleEndian.PutUint16(idb[8:], 1)
	binary.LittleEndian.PutUint16(idb[16:], 9) // option if_tsresol
	binary.LittleEndian.PutUint16(idb[18:], 1)
	idb[20] = 9
	binary.LittleEndian.PutUint32(idb[28:], 32)
	g.write(idb)
	return g.err
}

// conn is one TCP connection being written.
type conn struct {
	g                  *generator
	cip, sip           [4]byte
	cport, sport       uint16
	cseq, sseq         uint32
	unackedC, unackedS int
}

const mss = 1448

func (g *generator) dial(port uint16) *conn {
	g.conns++
	n := g.conns
	c := &conn{g: g, cip: [4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}, sip: [4]byte{10, 255, 0, 25},
		cport: uint16(20000 + n%40000), sport: port, cseq: uint32(g.rand()), sseq: uint32(g.rand())}
	c.frame(true, 0x02, nil) // SYN
	c.cseq++
	c.frame(false, 0x12, nil) // SYN-ACK
	c.sseq++
	c.frame(true, 0x10, nil) // ACK
	return c
}

// send writes data from one side in MSS-sized segments; the other side
// acknowledges every second segment, as delayed ACKs do.
func (c *conn) send(fromClient bool, data string) {
	for len(data) > 0 {
		n := min(len(data), mss)
		c.frame(fromClient, 0x18, []byte(data[:n]))
		if fromClient {
			c.cseq += uint32(n)
			c.unackedC++
			if c.unackedC >= 2 {
				c.frame(false, 0x10, nil)
				c.unackedC = 0
			}
		} else {
			c.sseq += uint32(n)
			c.unackedS++
			if c.unackedS >= 2 {
				c.frame(true, 0x10, nil)
				c.unackedS = 0
			}
		}
		data = data[n:]
	}
	c.g.now += 200e3 // the other side thinks for 0.2 ms
}

func (c *conn) close() {
	c.frame(true, 0x11, nil)
	c.cseq++
	c.frame(false, 0x11, nil)
	c.sseq++
	c.frame(true, 0x10, nil)
}

// frame writes one Ethernet/IPv4/TCP frame in an enhanced packet block.
func (c *conn) frame(fromClient bool, flags byte, payload []byte) {
	g := c.g
	g.now += 5e3
	g.packets++
	flen := 14 + 20 + 20 + len(payload)
	pad := (4 - flen%4) % 4
	blen := 28 + flen + pad + 4
	b := g.buf[:0]
	b = binary.LittleEndian.AppendUint32(b, 6)
	b = binary.LittleEndian.AppendUint32(b, uint32(blen))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(uint64(g.now)>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(g.now))
	b = binary.LittleEndian.AppendUint32(b, uint32(flen))
	b = binary.LittleEndian.AppendUint32(b, uint32(flen))
	src, dst, sport, dport, seq, ack := c.cip, c.sip, c.cport, c.sport, c.cseq, c.sseq
	if !fromClient {
		src, dst, sport, dport, seq, ack = c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq
	}
	b = append(b, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00)
	ip := len(b)
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(20+20+len(payload)))
	b = append(b, 0, 0, 0x40, 0, 64, 6, 0, 0)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[ip+10:], checksum(b[ip:ip+20]))
	b = binary.BigEndian.AppendUint16(b, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = binary.BigEndian.AppendUint32(b, seq)
	if flags&0x10 == 0 {
		ack = 0
	}
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0)
	b = append(b, payload...)
	b = append(b, make([]byte, pad)...)
	b = binary.LittleEndian.AppendUint32(b, uint32(blen))
	g.buf = b
	g.write(b)
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// mailCycle submits a message over SMTP, then reads one back over IMAP
// and one over POP3.
func (g *generator) mailCycle() {
	msg := g.message()
	g.msgs = append(g.msgs, msg)
	if len(g.msgs) > 16 {
		g.msgs = g.msgs[1:]
	}
	g.smtp(msg)
	g.imap(g.msgs[g.intn(len(g.msgs))])
	g.pop3(g.msgs[g.intn(len(g.msgs))])
}

var words = strings.Fields("informe practica correo red paquete captura servidor cliente adjunto mensaje protocolo prueba laboratorio")

func (g *generator) message() string {
	n := g.conns
	var b strings.Builder
	fmt.Fprintf(&b, "From: alumno%d@redes.unlp.edu.ar\r\nTo: alumnopop@redes.unlp.edu.ar\r\nSubject: %s %s %d\r\n", n%50, words[g.intn(len(words))], words[g.intn(len(words))], n)
	fmt.Fprintf(&b, "Date: Thu, 1 Jan 2026 00:00:00 +0000\r\nMessage-ID: <%d.%d@redes.unlp.edu.ar>\r\nMIME-Version: 1.0\r\n", n, g.rand()%1e9)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n")
	for i := 0; i < 5+g.intn(20); i++ {
		b.WriteString(words[g.intn(len(words))] + " ")
	}
	// An attachment of 10 KB to 1.2 MB, in base64 lines of 76.
	att := make([]byte, 10<<10+g.intn(1200<<10))
	for i := range att {
		att[i] = byte(g.rand())
	}
	enc := base64.StdEncoding.EncodeToString(att)
	b.WriteString("\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return b.String()
}

func (g *generator) smtp(msg string) {
	c := g.dial(587)
	c.send(false, "220 mail.redes.unlp.edu.ar ESMTP Postfix\r\n")
	c.send(true, "EHLO cliente\r\n")
	c.send(false, "250-mail.redes.unlp.edu.ar\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
	if g.intn(2) == 0 {
		c.send(true, "AUTH PLAIN AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M=\r\n")
		c.send(false, "235 2.7.0 Authentication successful\r\n")
	}
	if g.intn(2) == 0 { // pipelined
		c.send(true, "MAIL FROM:<alumnoimap@redes.unlp.edu.ar>\r\nRCPT TO:<alumnopop@redes.unlp.edu.ar>\r\nDATA\r\n")
		c.send(false, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
	} else {
		c.send(true, "MAIL FROM:<alumnoimap@redes.unlp.edu.ar>\r\n")
		c.send(false, "250 2.1.0 Ok\r\n")
		c.send(true, "RCPT TO:<alumnopop@redes.unlp.edu.ar>\r\n")
		c.send(false, "250 2.1.5 Ok\r\n")
		c.send(true, "DATA\r\n")
		c.send(false, "354 End data with <CR><LF>.<CR><LF>\r\n")
	}
	c.send(true, msg+".\r\n")
	c.send(false, fmt.Sprintf("250 2.0.0 Ok: queued as %X\r\n", g.rand()%0xffffffff))
	c.send(true, "QUIT\r\n")
	c.send(false, "221 2.0.0 Bye\r\n")
	c.close()
}

func (g *generator) imap(msg string) {
	c := g.dial(143)
	c.send(false, "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] Dovecot ready.\r\n")
	c.send(true, "a1 LOGIN alumnoimap alumnoimappass\r\n")
	c.send(false, "a1 OK Logged in\r\n")
	c.send(true, "a2 SELECT INBOX\r\n")
	c.send(false, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 16 EXISTS\r\n* 0 RECENT\r\na2 OK [READ-WRITE] Select completed.\r\n")
	c.send(true, "a3 UID FETCH 1:* (FLAGS)\r\n")
	var b strings.Builder
	for i := 1; i <= 16; i++ {
		fmt.Fprintf(&b, "* %d FETCH (UID %d FLAGS (\\Seen))\r\n", i, i)
	}
	c.send(false, b.String()+"a3 OK Fetch completed.\r\n")
	c.send(true, "a4 FETCH 7 BODY[]\r\n")
	c.send(false, fmt.Sprintf("* 7 FETCH (BODY[] {%d}\r\n%s)\r\na4 OK Fetch completed.\r\n", len(msg), msg))
	c.send(true, "a5 LOGOUT\r\n")
	c.send(false, "* BYE Logging out\r\na5 OK Logout completed.\r\n")
	c.close()
}

func (g *generator) pop3(msg string) {
	c := g.dial(110)
	c.send(false, "+OK Dovecot ready.\r\n")
	c.send(true, "USER alumnopop\r\n")
	c.send(false, "+OK\r\n")
	c.send(true, "PASS alumnopoppass\r\n")
	c.send(false, "+OK Logged in.\r\n")
	c.send(true, "LIST\r\n")
	c.send(false, fmt.Sprintf("+OK 1 messages:\r\n1 %d\r\n.\r\n", len(msg)))
	c.send(true, "RETR 1\r\n")
	// RFC 1939 §3: a body line starting with "." is dot-stuffed.
	c.send(false, fmt.Sprintf("+OK %d octets\r\n%s.\r\n", len(msg), strings.ReplaceAll(msg, "\r\n.", "\r\n..")))
	c.send(true, "QUIT\r\n")
	c.send(false, "+OK Logging out.\r\n")
	c.close()
}

// openConns starts SMTP sessions that never end (no QUIT, no FIN) until
// the file reaches size: what reassembly and the tracker must hold.
func (g *generator) openConns(size int64) {
	for g.written < size && g.err == nil {
		c := g.dial(25)
		c.send(false, "220 mail.redes.unlp.edu.ar ESMTP Postfix\r\n")
		c.send(true, "EHLO cliente\r\n")
		c.send(false, "250-mail.redes.unlp.edu.ar\r\n250 PIPELINING\r\n")
		c.send(true, "MAIL FROM:<a@redes.unlp.edu.ar>\r\n")
	}
}

// bigMessage submits one message of about size bytes.
func (g *generator) bigMessage(size int64) {
	c := g.dial(25)
	c.send(false, "220 mail.redes.unlp.edu.ar ESMTP Postfix\r\n")
	c.send(true, "EHLO cliente\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
	c.send(false, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	c.send(true, "From: a@b\r\nSubject: big\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	chunk := strings.Repeat(line, 1<<14) // 1.2 MB
	for g.written < size && g.err == nil {
		c.send(true, chunk)
	}
	c.send(true, ".\r\n")
	c.send(false, "250 queued\r\n")
	c.close()
}
