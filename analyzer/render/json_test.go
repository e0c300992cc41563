package render

import (
	"bytes"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/compare"
	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// TestDocumentWriterIsTheWholeDocument: written piece by piece (sessions
// as they end, the comparison's rows through the spill, the journeys a
// journey at a time) the document is the bytes the whole Document
// encodes to; a field added to the statistics or to the comparison and
// not to the piecewise writer fails here.
func TestDocumentWriterIsTheWholeDocument(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ms := 1.5
	sessions := []*session.Session{
		{ID: 1, Protocol: "pop3", Client: "127.0.0.1:40000", Server: "127.0.0.1:110", Start: at, End: at.Add(time.Second)},
		{ID: 2, Protocol: "imap", Client: "127.0.0.1:40002", Server: "127.0.0.1:143", Start: at, End: at.Add(2 * time.Second),
			Exchanges: []*session.Exchange{{Command: &session.Command{Kind: session.KindCommand, Verb: "STORE", Args: "1 +FLAGS (\\Flagged)", Line: "a1 STORE 1 +FLAGS (\\Flagged)", Time: at},
				Response: &session.Response{Status: "OK", Lines: []string{"a1 OK done"}, Time: at}}}},
	}
	c := compare.New(false)
	var rows []compare.Session
	for _, s := range sessions {
		if r, ok := c.Add(s); ok {
			rows = append(rows, r)
		}
	}
	st := StatsDoc{Capture: stats.Capture{Files: 1, Packets: 42}, Protocols: stats.New(nil).Report()}
	rep := c.Report()
	st.Compare = &rep
	journeys := []journey.Journey{{MessageID: "<a@b>", Subject: "hola", Hops: []journey.Hop{
		{Time: at, Session: 1, Protocol: "smtp", Via: "DATA", Action: "sent"},
		{Time: at.Add(time.Second), Session: 2, Protocol: "imap", Via: "FETCH", Action: "read", DelayMS: &ms}}}}
	lookups := []*dns.Lookup{{Time: at, Name: "redes.unlp.edu.ar", Type: "MX", LatencyMS: &ms}}

	var piecewise bytes.Buffer
	d := NewDocumentWriter(&piecewise)
	for _, s := range sessions {
		if err := d.Session(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if err := d.CompareRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Finish(journeys, lookups, st); err != nil {
		t.Fatal(err)
	}

	whole := rep
	whole.Sessions = rows
	wst := st
	wst.Compare = &whole
	var want bytes.Buffer
	if err := JSON(&want, Document{Version: JSONVersion, Sessions: sessions, Journeys: journeys, DNS: lookups, Stats: wst}); err != nil {
		t.Fatal(err)
	}
	if piecewise.String() != want.String() {
		t.Errorf("piece by piece:\n%s\nwhole:\n%s", piecewise.String(), want.String())
	}
	if len(rows) != 2 || !bytes.Contains(piecewise.Bytes(), []byte(`"STORE (flags)": 1`)) {
		t.Errorf("the rows are not in the document: %d rows", len(rows))
	}
}

// TestSessionWrittenAnItemAtATime: a session whose exchanges and messages
// are written one at a time is the bytes encoding it whole gives, in the
// document and on a line, with those lists nil, empty or full, and with
// text that looks like the members the writer looks for.
func TestSessionWrittenAnItemAtATime(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	trick := `x","exchanges":null,"messages": null` + "\n      \"exchanges\": null"
	full := func() *session.Session {
		return &session.Session{ID: 3, Protocol: "imap", Client: "127.0.0.1:40000", Server: "127.0.0.1:143", Start: at, End: at,
			Notes: []string{trick}, Capabilities: []string{trick},
			MXLookup: &session.MXLookup{Domain: trick},
			Exchanges: []*session.Exchange{
				{Command: &session.Command{Kind: session.KindCommand, Verb: "FETCH", Args: trick, Line: "a1 FETCH 1:* BODY[]", Time: at},
					Response: &session.Response{Status: "OK", Lines: []string{trick}, Time: at}},
				{Command: &session.Command{Kind: session.KindCommand, Verb: "LOGOUT", Time: at}},
			},
			Messages: []*session.Message{{Via: "FETCH", Time: at, Subject: trick, Size: 1}, {Via: "FETCH", Time: at, Size: 2}},
		}
	}
	none, empty := full(), full()
	none.Exchanges, none.Messages = nil, nil
	empty.Exchanges, empty.Messages = []*session.Exchange{}, []*session.Message{}
	for name, s := range map[string]*session.Session{"full": full(), "nil": none, "empty": empty} {
		for _, mode := range []struct{ prefix, indent string }{{"", ""}, {"    ", "  "}} {
			var whole, pieces bytes.Buffer
			if err := encode(&whole, SessionLine{JSONVersion, LineSession, s}, mode.prefix, mode.indent); err != nil {
				t.Fatal(err)
			}
			if err := encodeSessionInPieces(&pieces, s, func(c *session.Session) any { return SessionLine{JSONVersion, LineSession, c} }, mode.prefix, mode.indent); err != nil {
				t.Fatal(err)
			}
			if whole.String() != pieces.String() {
				t.Errorf("%s, indent %q: an item at a time\n%s\nwhole\n%s", name, mode.indent, pieces.String(), whole.String())
			}
		}
	}
}
