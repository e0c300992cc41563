package render

import (
	"fmt"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// tlsLines say where a session went encrypted, and how much crossed
// unread; the hint is for the lab, where a student who sees the timeline
// stop wants to know why and what to change.
func tlsLines(s *session.Session, p painter, l explain.Lang) []string {
	e := s.Encrypted
	if e.Decrypted {
		// What follows in the timeline is what the records carried.
		lines := []string{p.paint(colWarn, fmt.Sprintf(explain.Say("ui.tls.decrypted", l), tlsName(e)))}
		if e.NotDecrypted != "" {
			lines = append(lines, "   "+explain.Say("ui.tls.stopped", l)+TLSWhyNot(e.NotDecrypted, l))
		}
		return lines
	}
	lines := []string{p.paint(colWarn, fmt.Sprintf(explain.Say("ui.tls.from", l), e.BytesClient, e.BytesServer))}
	if e.NotDecrypted != "" {
		lines = append(lines, "   "+tlsName(e)+": "+explain.Say("ui.tls.not", l)+TLSWhyNot(e.NotDecrypted, l))
	}
	if v := handshakeSummary(e); v != "" {
		lines = append(lines, "   "+explain.Say("ui.tls.handshake", l)+v)
	}
	hint := "ui.tls.hint.implicit"
	if s.TLS == session.TLSStart {
		hint = "ui.tls.hint.start"
	}
	return append(lines, "   "+explain.Say(hint, l))
}

// tlsName is the version and suite agreed, as far as the handshake showed
// them ("TLS 1.3 TLS_AES_128_GCM_SHA256").
func tlsName(e *session.Encrypted) string {
	n := strings.TrimSpace(e.Version + " " + e.Cipher)
	if e.SNI != "" {
		n += " (SNI " + Escape(e.SNI) + ")"
	}
	if n == "" {
		return "TLS"
	}
	return n
}

// TLSWhyNot words why a session's TLS was not decrypted (or stopped
// being).
func TLSWhyNot(why string, l explain.Lang) string { return catalogWord("ui.tls.why.", why, l) }

// TLSStep is the ladder's and the report's line where TLS begins.
func TLSStep(e *session.Encrypted, l explain.Lang) string {
	if e.Decrypted {
		return fmt.Sprintf(explain.Say("ui.ladder.tls.decrypted", l), strings.TrimSpace(e.Version+" "+e.Cipher))
	}
	return fmt.Sprintf(explain.Say("ui.ladder.tls", l), e.BytesClient, e.BytesServer)
}

// handshakeSummary names the handshake messages seen, in order, and the
// record count: enough to tell a completed handshake from one refused.
func handshakeSummary(e *session.Encrypted) string {
	var names []string
	alerts := 0
	for _, r := range e.Records {
		switch {
		case r.Type == "handshake" && r.Handshake != "encrypted":
			names = append(names, r.Handshake)
		case r.Type == "alert":
			alerts++
		}
	}
	if len(names) == 0 {
		return ""
	}
	s := strings.Join(names, ", ")
	switch {
	case alerts == 1:
		s += "; 1 alert"
	case alerts > 1:
		s += fmt.Sprintf("; %d alerts", alerts)
	}
	// Kept within the 80 columns the timeline's indent leaves.
	const max = 53
	for len(s) > max && len(names) > 1 {
		names = names[:len(names)-1]
		s = strings.Join(names, ", ") + ", …"
	}
	return s
}

// tlsRecordLine shows one record's header in the follow view, instead of
// its bytes.
func tlsRecordLine(r session.TLSRecord) string {
	what := r.Type
	if r.Handshake != "" {
		what += " " + r.Handshake
	}
	return fmt.Sprintf("[TLS %s, %d B, record %s]", what, r.Length, r.Version)
}

// tlsCut follows each direction's offset through the raw chunks of the
// follow view, to show record headers where TLS records passed instead
// of their bytes. Bytes no kept record covers are shown as bytes: a
// server that answered in clear on an implicit-TLS port, or TLS past a
// gap where headers could no longer be found. Past the bound on kept
// records, bytes are counted and summarized at the end.
type tlsCut struct {
	from   [2]int64 // where TLS began in each direction, -1 never
	seen   [2]int64 // bytes of each direction so far
	recs   [2][]session.TLSRecord
	end    [2]int64 // where the last kept record of each direction ends
	more   int      // records past the bound
	hidden [2]int64 // bytes hidden past the bound
	// decrypted: application data is shown as the plaintext chunks that
	// follow its records, so its record lines are left out.
	decrypted bool
}

// piece is a run of bytes to show, or a record to show instead of its
// bytes.
type piece struct {
	data []byte
	rec  *session.TLSRecord
}

// newTLSCut cuts where s's TLS records are; nil s, or a session without
// TLS, cuts nothing.
func newTLSCut(s *session.Session) *tlsCut {
	t := &tlsCut{from: [2]int64{-1, -1}}
	if s == nil || s.Encrypted == nil {
		return t
	}
	e := s.Encrypted
	t.from = [2]int64{e.ClientFrom, e.ServerFrom}
	t.more = e.RecordsMore
	t.decrypted = e.Decrypted
	for _, r := range e.Records {
		d := session.FromClient
		if r.Dir == session.FromServer.String() {
			d = session.FromServer
		}
		t.recs[d] = append(t.recs[d], r)
		t.end[d] = r.Offset + 5 + int64(r.Length)
	}
	return t
}

// split cuts chunk c into what the follow view shows.
func (t *tlsCut) split(c session.Chunk) []piece {
	if c.Decrypted {
		return []piece{{data: c.Data}}
	}
	d := c.Dir
	start := t.seen[d]
	t.seen[d] += int64(len(c.Data))
	if t.from[d] < 0 || t.seen[d] <= t.from[d] {
		return []piece{{data: c.Data}}
	}
	var out []piece
	b := c.Data
	if start < t.from[d] {
		n := t.from[d] - start
		out = append(out, piece{data: b[:n]})
		b, start = b[n:], t.from[d]
	}
	off := start - t.from[d] // in the direction's TLS bytes
	for len(b) > 0 {
		if len(t.recs[d]) > 0 && t.recs[d][0].Offset <= off {
			r := t.recs[d][0]
			t.recs[d] = t.recs[d][1:]
			if !t.decrypted || r.Type != "application_data" {
				out = append(out, piece{rec: &r})
			}
			// The record's bytes, up to its end, are shown by its line.
			n := min(r.Offset+5+int64(r.Length)-off, int64(len(b)))
			b, off = b[n:], off+n
			continue
		}
		if off < t.end[d] {
			// The rest of a record begun in an earlier chunk.
			n := min(t.end[d]-off, int64(len(b)))
			if len(t.recs[d]) > 0 {
				n = min(n, t.recs[d][0].Offset-off)
			}
			b, off = b[n:], off+n
			continue
		}
		if t.more > 0 {
			t.hidden[d] += int64(len(b))
			break
		}
		n := int64(len(b))
		if len(t.recs[d]) > 0 {
			n = min(n, t.recs[d][0].Offset-off)
		}
		out = append(out, piece{data: b[:n]})
		b, off = b[n:], off+n
	}
	return out
}

// unshown summarizes what the bound on kept records left out.
func (t *tlsCut) unshown() string {
	if t.more == 0 {
		return ""
	}
	return fmt.Sprintf("[... %d more TLS records, %d B client, %d B server, headers not kept]", t.more, t.hidden[0], t.hidden[1])
}
