package capturetest

import (
	"net/netip"
	"time"
)

// Said is what one side sent in one segment.
type Said struct {
	Client bool
	Data   string
}

// Converse builds the segments of a whole TCP connection from client to
// server: the handshake, one segment per Said, each acknowledging all the
// other side sent before it, 1 ms apart from t0, then both FINs.
func Converse(client, server netip.AddrPort, t0 time.Time, said ...Said) []Segment {
	const cISN, sISN = 1000, 5000
	cseq, sseq := uint32(cISN+1), uint32(sISN+1)
	t := t0
	next := func() time.Time { t = t.Add(time.Millisecond); return t }
	segs := []Segment{
		{Time: t0, Src: client, Dst: server, Seq: cISN, SYN: true},
		{Time: next(), Src: server, Dst: client, Seq: sISN, Ack: cseq, SYN: true, ACK: true},
		{Time: next(), Src: client, Dst: server, Seq: cseq, Ack: sseq, ACK: true},
	}
	for _, s := range said {
		seg := Segment{Time: next(), Src: server, Dst: client, Seq: sseq, Ack: cseq, ACK: true, PSH: true, Payload: []byte(s.Data)}
		if s.Client {
			seg.Src, seg.Dst, seg.Seq, seg.Ack = client, server, cseq, sseq
			cseq += uint32(len(s.Data))
		} else {
			sseq += uint32(len(s.Data))
		}
		segs = append(segs, seg)
	}
	return append(segs,
		Segment{Time: next(), Src: client, Dst: server, Seq: cseq, Ack: sseq, ACK: true, FIN: true},
		Segment{Time: next(), Src: server, Dst: client, Seq: sseq, Ack: cseq + 1, ACK: true, FIN: true},
		Segment{Time: next(), Src: client, Dst: server, Seq: cseq + 1, Ack: sseq + 1, ACK: true},
	)
}
