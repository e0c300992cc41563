package dns

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func message(t *testing.T, id uint16, response bool, q string, typ dnsmessage.Type, add func(b *dnsmessage.Builder)) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, Response: response})
	b.EnableCompression()
	b.StartQuestions()
	b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(q), Type: typ, Class: dnsmessage.ClassINET})
	if add != nil {
		b.StartAnswers()
		add(&b)
	}
	out, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMXThenConnection: an MX lookup and the A lookup of its exchange
// lead to an address; a connection there soon after is tied to it.
func TestMXThenConnection(t *testing.T) {
	var got []*Lookup
	tr := NewTracker(func(l *Lookup) { got = append(got, l) })
	client, resolver := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:53")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hdr := func(name string, typ dnsmessage.Type) dnsmessage.ResourceHeader {
		return dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET, TTL: 3600}
	}
	tr.Message(client, resolver, t0, message(t, 7, false, "redes.unlp.edu.ar.", dnsmessage.TypeMX, nil), "udp")
	tr.Message(resolver, client, t0.Add(2*time.Millisecond), message(t, 7, true, "redes.unlp.edu.ar.", dnsmessage.TypeMX, func(b *dnsmessage.Builder) {
		b.MXResource(hdr("redes.unlp.edu.ar.", dnsmessage.TypeMX), dnsmessage.MXResource{Pref: 10, MX: dnsmessage.MustNewName("mail.redes.unlp.edu.ar.")})
	}), "udp")
	tr.Message(client, resolver, t0.Add(3*time.Millisecond), message(t, 8, false, "mail.redes.unlp.edu.ar.", dnsmessage.TypeA, nil), "udp")
	tr.Message(resolver, client, t0.Add(4*time.Millisecond), message(t, 8, true, "mail.redes.unlp.edu.ar.", dnsmessage.TypeA, func(b *dnsmessage.Builder) {
		b.AResource(hdr("mail.redes.unlp.edu.ar.", dnsmessage.TypeA), dnsmessage.AResource{A: [4]byte{192, 0, 2, 25}})
	}), "udp")
	tr.Message(client, resolver, t0.Add(5*time.Millisecond), message(t, 9, false, "lost.example.", dnsmessage.TypeAAAA, nil), "udp")
	tr.Flush()
	if len(got) != 3 {
		t.Fatalf("got %d lookups", len(got))
	}
	mx := got[0]
	if mx.Type != "MX" || mx.RCode != "Success" || *mx.LatencyMS != 2 || len(mx.Answers) != 1 ||
		mx.Answers[0].Preference != 10 || mx.Answers[0].Value != "mail.redes.unlp.edu.ar" || mx.Answers[0].TTL != 3600 {
		t.Errorf("MX lookup: %+v", mx)
	}
	if got[2].Name != "lost.example" || got[2].LatencyMS != nil {
		t.Errorf("unanswered: %+v", got[2])
	}
	mta, other := netip.MustParseAddrPort("127.0.0.1:50000"), netip.MustParseAddrPort("127.0.0.2:50000")
	mx25, mx587 := netip.MustParseAddrPort("192.0.2.25:25"), netip.MustParseAddrPort("192.0.2.25:587")
	route, ok := tr.Route(mta, mx25, t0.Add(time.Second))
	if !ok || route.Domain != "redes.unlp.edu.ar" || route.Exchange != "mail.redes.unlp.edu.ar" || route.Address != "192.0.2.25" || route.Preference != 10 {
		t.Errorf("route: %+v %v", route, ok)
	}
	for _, c := range []struct {
		why            string
		client, server netip.AddrPort
		at             time.Time
	}{
		{"past the answer's TTL (3600 s)", mta, mx25, t0.Add(time.Hour + time.Second)},
		{"before the answer", mta, mx25, t0.Add(-time.Second)},
		{"to another address", mta, netip.MustParseAddrPort("192.0.2.99:25"), t0.Add(time.Second)},
		{"a submission to 587, where MX does not lead", mta, mx587, t0.Add(time.Second)},
		{"from a host that did not ask", other, mx25, t0.Add(time.Second)},
	} {
		if _, ok := tr.Route(c.client, c.server, c.at); ok {
			t.Errorf("tied %s", c.why)
		}
	}
}

// TestStreamFraming: DNS over TCP, cut anywhere, gives whole messages.
func TestStreamFraming(t *testing.T) {
	m := message(t, 1, false, "redes.unlp.edu.ar.", dnsmessage.TypeMX, nil)
	wire := append([]byte{0, byte(len(m))}, m...)
	wire = append(wire, wire...)
	var s Stream
	var got [][]byte
	for i := 0; i < len(wire); i += 5 {
		got = append(got, s.Feed(wire[i:min(i+5, len(wire))])...)
	}
	if len(got) != 2 || string(got[0]) != string(m) {
		t.Errorf("got %d messages", len(got))
	}
}

// FuzzMessage: any bytes as a query and as a response, over UDP and TCP,
// neither panic nor leave lookups behind at Flush.
func FuzzMessage(f *testing.F) {
	f.Add([]byte{0, 7, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		tr := NewTracker(func(*Lookup) { n++ })
		c, s := netip.MustParseAddrPort("127.0.0.1:1"), netip.MustParseAddrPort("127.0.0.1:53")
		tr.Message(c, s, time.Time{}, b, "udp")
		tr.Message(s, c, time.Time{}, b, "udp")
		var st Stream
		for _, m := range st.Feed(b) {
			tr.Message(c, s, time.Time{}, m, "tcp")
		}
		tr.Flush()
		if len(tr.pending) != 0 {
			t.Fatal("lookups left after Flush")
		}
	})
}

// TestUnansweredInOrder: unanswered lookups come out in the order they
// were asked, and past the bound only the oldest goes, once: an answer
// to a query still pending pairs with it, never with a second report.
func TestUnansweredInOrder(t *testing.T) {
	var got []*Lookup
	tr := NewTracker(func(l *Lookup) { got = append(got, l) })
	resolver := netip.MustParseAddrPort("127.0.0.1:53")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	client := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(1024+i%60000))
	}
	n := maxPending + 5
	for i := 0; i < n; i++ {
		tr.Message(client(i), resolver, t0.Add(time.Duration(i)*time.Millisecond), message(t, uint16(i), false, "a.example.", dnsmessage.TypeA, nil), "udp")
	}
	if len(got) != 5 {
		t.Fatalf("past the bound %d lookups went out, want the 5 oldest", len(got))
	}
	// The last query's answer pairs with its query.
	last := n - 1
	tr.Message(resolver, client(last), t0.Add(time.Hour), message(t, uint16(last), true, "a.example.", dnsmessage.TypeA, nil), "udp")
	tr.Flush()
	if len(got) != n {
		t.Fatalf("got %d lookups, want %d, each once", len(got), n)
	}
	if got[5].LatencyMS == nil || got[5].ID != uint16(last) {
		t.Errorf("the answered query is not the first after the evicted: %+v", got[5])
	}
	for i, l := range got[6:] {
		if l.LatencyMS != nil || l.ID != uint16(i+5) {
			t.Fatalf("unanswered lookup %d: got id %d answered=%v, want id %d in order", i, l.ID, l.LatencyMS != nil, i+5)
		}
	}
	for i, l := range got[:5] {
		if l.ID != uint16(i) {
			t.Errorf("evicted %d: got id %d, want %d (the oldest first)", i, l.ID, i)
		}
	}
}
