package compare

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestCompare(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	ex := func(kind, verb, args, status string, when float64, lines ...string) *session.Exchange {
		e := &session.Exchange{Command: &session.Command{Kind: kind, Verb: verb, Args: args, Time: at(when)}}
		if status != "" {
			e.Response = &session.Response{Status: status, Time: at(when + 0.1), Lines: lines}
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
			ex(session.KindCommand, "QUIT", "", "+OK", 4.5),
		},
		Messages: []*session.Message{msg("RETR", "<a@x>", ""), msg("TOP", "<b@x>", session.ContentHeader)}}
	imap := &session.Session{ID: 2, Protocol: "imap", Start: at(10), End: at(20), Exchanges: []*session.Exchange{
		ex(session.KindCommand, "FETCH", "1 (BODY.PEEK[])", "OK", 11, "* 1 FETCH (BODY[] <message 100 bytes>)"),
		ex(session.KindCommand, "FETCH", "1 body[]", "OK", 12, "* 1 FETCH (FLAGS (\\Seen) BODY[] <message 100 bytes>)"),
		ex(session.KindCommand, "UID STORE", "4 +FLAGS (\\Deleted)", "OK", 13, "* 2 FETCH (UID 4 FLAGS (\\Deleted))"),
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
	if p.RoundTrips != 5 || p.Open != 5*time.Second || p.Downloaded != 1 || p.Again != 0 ||
		!reflect.DeepEqual(p.Changes, map[string]int{"DELE (deleted)": 1}) {
		t.Errorf("POP3: %+v", p)
	}
	wantChanges := map[string]int{"\\Seen (set)": 1, "\\Deleted (set)": 1, "CREATE (folders)": 1}
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

// TestChangesByTheRules: POP3 deletes only in the UPDATE state, after
// QUIT's +OK (RFC 1939 §6), and RSET undoes; IMAP changes are counted per
// message, from the server's FLAGS where it gives them.
func TestChangesByTheRules(t *testing.T) {
	ex := func(verb, args, status string, lines ...string) *session.Exchange {
		return &session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: verb, Args: args},
			Response: &session.Response{Status: status, Lines: lines}}
	}
	tests := []struct {
		name  string
		proto session.Protocol
		ex    []*session.Exchange
		want  map[string]int
	}{
		{"DELE then QUIT: deleted", pop3, []*session.Exchange{ex("DELE", "1", "+OK"), ex("QUIT", "", "+OK")}, map[string]int{popDeleted: 1}},
		{"DELE then RSET (the handout's): nothing", pop3, []*session.Exchange{ex("DELE", "1", "+OK"), ex("RSET", "", "+OK"), ex("QUIT", "", "+OK")}, map[string]int{}},
		{"DELE, then the connection dropped: marked", pop3, []*session.Exchange{ex("DELE", "1", "+OK"), ex("DELE", "2", "+OK")}, map[string]int{popMarked: 2}},
		{"DELE refused, then QUIT", pop3, []*session.Exchange{ex("DELE", "9", "-ERR"), ex("QUIT", "", "+OK")}, map[string]int{}},
		{"the same message DELEd twice counts once", pop3, []*session.Exchange{ex("DELE", "1", "+OK"), ex("DELE", "1", "-ERR"), ex("QUIT", "", "+OK")}, map[string]int{popDeleted: 1}},
		{"\\Seen cleared, then set by a fetch with RFC822.SIZE", imap, []*session.Exchange{
			ex("STORE", `1 -FLAGS (\Seen)`, "OK", `* 1 FETCH (FLAGS ())`),
			ex("FETCH", "* (UID RFC822.SIZE BODY[])", "OK", `* 1 FETCH (UID 1 RFC822.SIZE 100 FLAGS (\Seen) BODY[] <message 100 bytes>)`),
		}, map[string]int{seenCleared: 1, seenSet: 1}},
		{"\\Seen by STORE", imap, []*session.Exchange{ex("STORE", `2 +FLAGS (\Seen)`, "OK", `* 2 FETCH (FLAGS (\Seen))`)}, map[string]int{seenSet: 1}},
		{"\\Seen by STORE .SILENT, three messages", imap, []*session.Exchange{ex("UID STORE", `1:2,5 +FLAGS.SILENT (\Seen)`, "OK")}, map[string]int{seenSet: 3}},
		{"PEEK sets nothing", imap, []*session.Exchange{ex("FETCH", "1 (BODY.PEEK[])", "OK", `* 1 FETCH (BODY[] <message 100 bytes>)`)}, map[string]int{}},
		{"one message read three times changes once", imap, []*session.Exchange{
			ex("FETCH", "1 (BODY[])", "OK", `* 1 FETCH (FLAGS (\Seen) BODY[] <message 100 bytes>)`),
			ex("FETCH", "1 (BODY[])", "OK", `* 1 FETCH (BODY[] <message 100 bytes>)`),
			ex("FETCH", "1 (RFC822)", "OK", `* 1 FETCH (RFC822 <message 100 bytes>)`),
		}, map[string]int{seenSet: 1}},
		{"a message already seen is not set again", imap, []*session.Exchange{
			ex("FETCH", "1 (FLAGS)", "OK", `* 1 FETCH (FLAGS (\Seen))`),
			ex("FETCH", "1 (BODY[])", "OK", `* 1 FETCH (BODY[] <message 100 bytes>)`),
		}, map[string]int{}},
		{"another client's change, told by NOOP, is not this session's", imap, []*session.Exchange{
			ex("FETCH", "1 (FLAGS)", "OK", `* 1 FETCH (FLAGS ())`),
			ex("NOOP", "", "OK", `* 1 FETCH (FLAGS (\Seen))`),
		}, map[string]int{}},
		{"\\Deleted then EXPUNGE, by the server's word", imap, []*session.Exchange{
			ex("STORE", `1:2 +FLAGS (\Deleted)`, "OK", `* 1 FETCH (FLAGS (\Deleted))`, `* 2 FETCH (FLAGS (\Seen \Deleted))`),
			ex("EXPUNGE", "", "OK", "* 2 EXPUNGE", "* 1 EXPUNGE"),
		}, map[string]int{deletedSet: 2, expunged: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &session.Session{ID: 1, Protocol: tc.proto, Exchanges: tc.ex}
			r, _ := New(false).Add(s)
			if !reflect.DeepEqual(r.Changes, tc.want) {
				t.Errorf("got %v, want %v", r.Changes, tc.want)
			}
		})
	}
}

// TestCompareCountsPastTheBound: a session past --max-exchanges counts
// every command the server answered among its round trips, those it
// kept no record of too, and its row and its protocol's say that the
// rest count what was kept.
func TestCompareCountsPastTheBound(t *testing.T) {
	s := &session.Session{ID: 1, Protocol: "pop3", Limits: session.Limits{Exchanges: 2}}
	for i := range 5 {
		e := s.AddExchange(session.NewExchange(session.Command{Kind: session.KindCommand, Verb: "NOOP"}))
		if i < 4 { // the last one is never answered
			s.Answer(e, &session.Response{Status: "+OK"})
		}
	}
	c := New(true)
	c.Add(s)
	r := c.Report()
	if len(r.Sessions) != 1 || r.Sessions[0].RoundTrips != 4 || !r.Sessions[0].Partial || !r.Protocols[0].Partial {
		t.Fatalf("rows %+v, protocols %+v; want 4 round trips, partial", r.Sessions, r.Protocols)
	}
	said := false
	for _, n := range r.Notes {
		said = said || strings.Contains(n, "past its bounds")
	}
	if !said {
		t.Errorf("no note of the bounds in %q", r.Notes)
	}
}

// TestCompareRemembersBoundedly: past the messages it remembers, a
// message read again is not counted so, and the protocol says how many
// it could not remember; those it remembers still count.
func TestCompareRemembersBoundedly(t *testing.T) {
	read := func(id int, ids ...string) *session.Session {
		s := &session.Session{ID: id, Protocol: "pop3"}
		for _, m := range ids {
			s.Messages = append(s.Messages, &session.Message{Via: "RETR", MessageID: m, Size: 10})
		}
		return s
	}
	c := New(true)
	c.max = 2
	c.Add(read(1, "<a@x>", "<b@x>"))
	c.Add(read(2, "<c@x>", "<d@x>")) // past the two remembered
	c.Add(read(3, "<a@x>", "<c@x>")) // <a@x> again, <c@x> unknown
	r := c.Report()
	if p := r.Protocols[0]; p.Again != 1 || p.Unremembered != 3 || len(c.read) != 2 {
		t.Errorf("again %d, unremembered %d, remembered %d; want 1, 3, 2", p.Again, p.Unremembered, len(c.read))
	}
	said := false
	for _, n := range r.Notes {
		said = said || strings.HasPrefix(n, "POP3: 3 messages were read after")
	}
	if !said {
		t.Errorf("no note of the messages not remembered in %q", r.Notes)
	}
}
