package analyzer_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// TestMessagesBound: past --max-messages a session's messages are read
// and counted, not kept; the exchanges that carried them stay, without
// one, and the bound is said once.
func TestMessagesBound(t *testing.T) {
	said := []capturetest.Said{{Data: "+OK ready\r\n"}}
	for i := 1; i <= 5; i++ {
		said = append(said, capturetest.Said{Client: true, Data: fmt.Sprintf("RETR %d\r\n", i)},
			capturetest.Said{Data: "+OK\r\nSubject: m\r\n\r\nbody\r\n.\r\n"})
	}
	segs := capturetest.Converse(netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:110"), time.Unix(1700000000, 0), said...)
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	o := analyzer.DefaultOptions()
	o.Limits.Messages = 2
	sessions, _ := analyze(t, data, o)
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	s := sessions[0]
	carried, bounds := 0, 0
	for _, e := range s.Exchanges {
		if e.Response != nil && e.Response.Message != nil {
			carried++
		}
	}
	for _, a := range s.Anomalies {
		if a.Key == "ui.anomaly.bound.messages" {
			bounds++
		}
	}
	if len(s.Messages) != 2 || s.MessagesDropped != 3 || carried != 2 || len(s.Exchanges) != 6 || bounds != 1 {
		t.Errorf("%d messages kept, %d dropped, %d exchanges carrying one of %d, %d anomalies of the bound; want 2, 3, 2, 6, 1",
			len(s.Messages), s.MessagesDropped, carried, len(s.Exchanges), bounds)
	}
}
