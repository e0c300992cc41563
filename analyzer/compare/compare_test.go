package compare

import (
	"reflect"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestCompare(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	ex := func(kind, verb, args, status string, when float64) *session.Exchange {
		e := &session.Exchange{Command: &session.Command{Kind: kind, Verb: verb, Args: args, Time: at(when)}}
		if status != "" {
			e.Response = &session.Response{Status: status, Time: at(when + 0.1)}
		}
		return e
	}
	msg := func(via, id, content string) *session.Message {
		return &session.Message{Via: via, MessageID: id, Content: content, Size: 100}
	}
	pop := &session.Session{ID: 1, Protocol: "pop3", Start: at(0), End: at(5), BytesClient: 50, BytesServer: 500,
		Exchanges: []*session.Exchange{
			{Response: &session.Response{Status: "+OK"}}, // the greeting: no round trip
			ex(session.KindCommand, "RETR", "1", "+OK", 1),
			ex(session.KindCommand, "TOP", "2 0", "+OK", 2),
			ex(session.KindCommand, "DELE", "1", "+OK", 3),
			ex(session.KindCommand, "DELE", "9", "-ERR", 4),
			ex(session.KindCommand, "QUIT", "", "", 4.5), // no reply: no round trip
		},
		Messages: []*session.Message{msg("RETR", "<a@x>", ""), msg("TOP", "<b@x>", session.ContentHeader)}}
	imap := &session.Session{ID: 2, Protocol: "imap", Start: at(10), End: at(20), Exchanges: []*session.Exchange{
		ex(session.KindCommand, "FETCH", "1 (BODY.PEEK[])", "OK", 11),
		ex(session.KindCommand, "FETCH", "1 body[]", "OK", 12),
		ex(session.KindCommand, "UID STORE", "4 +FLAGS (\\Deleted)", "OK", 13),
		ex(session.KindCommand, "STORE", "5 +FLAGS (\\Seen)", "NO", 13.5),
		ex(session.KindCommand, "CREATE", "Trabajos", "OK", 14),
		ex(session.KindCommand, "IDLE", "", "+", 15),
		ex(session.KindContinuation, "IDLE", "DONE", "OK", 18),
	}, Messages: []*session.Message{msg("FETCH", "<a@x>", ""), msg("FETCH", "<c@x>", ""), msg("FETCH", "<c@x>", "")}}
	// <a@x> was read by the POP3 session before: downloaded again; <c@x>
	// twice in one session is not "in another session".
	smtp := &session.Session{ID: 3, Protocol: "smtp", Exchanges: []*session.Exchange{ex(session.KindCommand, "DATA", "", "354", 1)}}

	c := New(true)
	for _, s := range []*session.Session{pop, smtp, imap} {
		c.Add(s)
	}
	r := c.Report()
	if len(r.Sessions) != 2 {
		t.Fatalf("got %d sessions, want the POP3 and the IMAP one", len(r.Sessions))
	}
	p, i := r.Sessions[0], r.Sessions[1]
	if p.RoundTrips != 4 || p.Open != 5*time.Second || p.Downloaded != 1 || p.Again != 0 ||
		!reflect.DeepEqual(p.Changes, map[string]int{"DELE (deleted)": 1}) {
		t.Errorf("POP3: %+v", p)
	}
	wantChanges := map[string]int{"FETCH (\\Seen set)": 1, "STORE (flags)": 1, "CREATE (folders)": 1}
	if i.RoundTrips != 6 || i.Idle != 3*time.Second || i.Downloaded != 3 || i.Again != 1 || !reflect.DeepEqual(i.Changes, wantChanges) {
		t.Errorf("IMAP: %+v", i)
	}
	if len(r.Protocols) != 2 || r.Protocols[0].Sessions != 1 || r.Protocols[1].Idle != 3*time.Second {
		t.Errorf("protocols: %+v", r.Protocols)
	}
	// POP3's missing commands, and IDLE's hold, are said; nothing was
	// downloaded again by POP3.
	if len(r.Notes) != 3 {
		t.Errorf("notes: %q", r.Notes)
	}
}
