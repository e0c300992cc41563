package journey

import (
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestJourneys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	ok := true
	sent := &session.Session{ID: 1, Protocol: "smtp", Client: "10.0.0.1:1", Server: "10.0.0.2:25", Messages: []*session.Message{
		{Via: "DATA", Time: t0, QueueID: "Q1", Accepted: &ok},                                      // no Message-ID yet
		{Via: "DATA", Time: t0.Add(time.Second), MessageID: "<b@x>", QueueID: "Q2", Accepted: &ok}, // relayed below
	}}
	relayed := &session.Session{ID: 2, Protocol: "smtp", Messages: []*session.Message{
		{Via: "DATA", Time: t0.Add(2 * time.Second), MessageID: "<B@x>", ReceivedIDs: []string{"Q2"}, QueueID: "R9", Accepted: &ok}}}
	read := &session.Session{ID: 3, Protocol: "pop3", Auth: []*session.Auth{{Username: "ana", Success: &ok}}, Messages: []*session.Message{
		{Via: "RETR", Time: t0.Add(9 * time.Second), MessageID: "<a@mx>", ReceivedIDs: []string{"Q1"}},
		{Via: "TOP", Content: session.ContentHeader, Time: t0.Add(10 * time.Second), ReceivedIDs: []string{"Q1"}}, // a header only
		{Via: "RETR", Time: t0.Add(11 * time.Second), ReceivedIDs: []string{"R9", "Q2"}},
		{Via: "RETR", Time: t0.Add(12 * time.Second), MessageID: "<alone@x>"},
	}}
	c := New()
	for _, s := range []*session.Session{sent, relayed, read} {
		c.SessionEnded(s)
	}
	js := c.Journeys()
	if len(js) != 2 {
		t.Fatalf("got %d journeys, want 2: %+v", len(js), js)
	}
	a, b := js[0], js[1]
	if len(a.Hops) != 2 || a.Hops[0].Session != 1 || a.Hops[1].Session != 3 || a.Hops[1].User != "ana" ||
		a.Hops[1].Action != "read" || *a.Hops[1].DelayMS != 9000 {
		t.Errorf("by queue id: %+v", a)
	}
	if len(b.Hops) != 3 || b.Hops[1].Session != 2 || b.Hops[2].Session != 3 || b.MessageID != "<b@x>" {
		t.Errorf("by Message-ID, then queue ids through a relay: %+v", b)
	}
}
