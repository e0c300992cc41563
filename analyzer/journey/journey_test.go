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
		{Via: "DATA", Time: t0, QueueID: "Q1", QueuedBy: "mx.a", Accepted: &ok},                                      // no Message-ID yet
		{Via: "DATA", Time: t0.Add(time.Second), MessageID: "<b@x>", QueueID: "Q2", QueuedBy: "mx.a", Accepted: &ok}, // relayed below
	}}
	relayed := &session.Session{ID: 2, Protocol: "smtp", Server: "10.0.0.3:25", Messages: []*session.Message{
		{Via: "DATA", Time: t0.Add(2 * time.Second), MessageID: "<B@x>", ReceivedIDs: []string{"Q2"}, ReceivedBy: []string{"mx.a"},
			QueueID: "R9", QueuedBy: "mx.b", Accepted: &ok}}}
	read := &session.Session{ID: 3, Protocol: "pop3", Auth: []*session.Auth{{Username: "ana", Success: &ok}}, Messages: []*session.Message{
		{Via: "RETR", Time: t0.Add(9 * time.Second), MessageID: "<a@mx>", ReceivedIDs: []string{"Q1"}, ReceivedBy: []string{"mx.a"}},
		{Via: "TOP", Content: session.ContentHeader, Time: t0.Add(10 * time.Second), ReceivedIDs: []string{"Q1"}, ReceivedBy: []string{"mx.a"}}, // a header only
		{Via: "RETR", Time: t0.Add(11 * time.Second), ReceivedIDs: []string{"R9", "Q2"}, ReceivedBy: []string{"mx.b", "mx.a"}},
		{Via: "RETR", Time: t0.Add(12 * time.Second), MessageID: "<alone@x>"},
		{Via: "TOP", Content: session.ContentPartial, Time: t0.Add(13 * time.Second), MessageID: "<b@x>"}, // TOP n m: read in part
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
	if len(b.Hops) != 4 || b.Hops[1].Session != 2 || b.Hops[2].Session != 3 || b.Hops[3].Action != "partial-read" || b.MessageID != "<b@x>" {
		t.Errorf("by Message-ID, then queue ids through a relay: %+v", b)
	}
}

// TestJourneysByIdentity: two messages are never one journey because
// they share a queue id (Exchange's build number, or two hosts' own ids
// that happen to match); each hop is named for what it did.
func TestJourneysByIdentity(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	ok := true
	smtp := func(id int, server, user, mid, qid, by string) *session.Session {
		s := &session.Session{ID: id, Protocol: "smtp", Client: "127.0.0.1:1", Server: server,
			Messages: []*session.Message{{Via: "DATA", Time: t0.Add(time.Duration(id) * time.Second), MessageID: mid, QueueID: qid, QueuedBy: by, Accepted: &ok}}}
		if user != "" {
			s.Auth = []*session.Auth{{Username: user, Success: &ok}}
		}
		return s
	}
	read := func(id int, mid string, rid, by string) *session.Session {
		return &session.Session{ID: id, Protocol: "imap", Messages: []*session.Message{{Via: "FETCH", Time: t0.Add(time.Duration(id) * time.Second),
			MessageID: mid, ReceivedIDs: []string{rid}, ReceivedBy: []string{by}}}}
	}
	c := New()
	for _, s := range []*session.Session{
		smtp(1, "127.0.0.1:587", "alice", "<alice@x>", "Q1", "mx.a"), // submitted
		read(2, "<bob@x>", "Q1", "mx.a"),                             // another message through the same queue id
		smtp(3, "127.0.0.1:25", "", "", "Q7", "mx.a"),                // sent
		read(4, "", "Q7", "mx.b"),                                    // Q7 of another host
		smtp(5, "[::1]:25", "carol", "<carol@x>", "", ""),            // submitted: after AUTH
		read(6, "<CAROL@x>", "", ""),
	} {
		c.SessionEnded(s)
	}
	js := c.Journeys()
	if len(js) != 1 || len(js[0].Hops) != 2 || js[0].Hops[0].Session != 5 || js[0].Hops[1].Session != 6 {
		t.Fatalf("want only carol's message, by its Message-ID: %+v", js)
	}
	if a := js[0].Hops[0].Action; a != "submitted" {
		t.Errorf("SMTP after AUTH: %q, want submitted", a)
	}
	c = New()
	c.SessionEnded(smtp(1, "127.0.0.1:587", "", "<d@x>", "", ""))
	relay := smtp(2, "127.0.0.1:25", "", "<d@x>", "", "")
	relay.Messages[0].Received = 1 // the first server's trace
	c.SessionEnded(relay)
	c.SessionEnded(smtp(3, "127.0.0.1:25", "", "<d@x>", "", "")) // a mail program's copy to 25
	if js := c.Journeys(); len(js) != 1 || js[0].Hops[0].Action != "submitted" || js[0].Hops[1].Action != "relayed" || js[0].Hops[2].Action != "sent" {
		t.Errorf("587, then 25 from a server, then 25 from a client: %+v", js)
	}
}

// TestSessionHop: a session is named by what its messages say of it, and
// by nothing else.
func TestSessionHop(t *testing.T) {
	ok := true
	msg := func(m session.Message) []*session.Message { return []*session.Message{&m} }
	for _, tc := range []struct {
		name string
		s    session.Session
		want string
	}{
		{"no message", session.Session{Protocol: "smtp", Server: "127.0.0.1:587"}, ""},
		{"to 587", session.Session{Protocol: "smtp", Server: "127.0.0.1:587", Messages: msg(session.Message{Via: "DATA"})}, HopSubmission},
		{"after AUTH", session.Session{Protocol: "smtp", Server: "127.0.0.1:25", Auth: []*session.Auth{{Username: "u", Success: &ok}},
			Messages: msg(session.Message{Via: "DATA"})}, HopSubmission},
		{"after an MX answer", session.Session{Protocol: "smtp", Server: "127.0.0.3:25", MXLookup: &session.MXLookup{Domain: "x"},
			Messages: msg(session.Message{Via: "DATA"})}, HopRelay},
		{"with a Received field", session.Session{Protocol: "smtp", Server: "127.0.0.3:25", Messages: msg(session.Message{Via: "BDAT", Received: 1})}, HopRelay},
		{"to 25, the bytes say no more", session.Session{Protocol: "smtp", Server: "127.0.0.1:25", Messages: msg(session.Message{Via: "DATA"})}, ""},
		{"LMTP", session.Session{Protocol: "lmtp", Server: "127.0.0.1:24", Messages: msg(session.Message{Via: "DATA", Final: true})}, HopDelivery},
		{"POP3", session.Session{Protocol: "pop3", Messages: msg(session.Message{Via: "RETR"})}, HopReading},
		{"IMAP APPEND", session.Session{Protocol: "imap", Messages: msg(session.Message{Via: "APPEND"})}, ""},
	} {
		if got := SessionHop(&tc.s); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
