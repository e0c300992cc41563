package analyzer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/analyzer/view"
	"github.com/mailtrace/mailtrace/reassembly"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// echoSpec is a toy protocol that lives only in this test: the server
// greets with "ECHO READY" and answers each client line with one line.
// Registering it is all it takes for the tracker, the statistics and
// JSON to know it.
func echoSpec() proto.Spec {
	return proto.Spec{
		Name:   "echo",
		Ports:  []uint16{7777},
		Detect: func(srv, _ []byte) bool { return bytes.HasPrefix(srv, []byte("ECHO READY")) },
		New:    newEcho,
	}
}

type echo struct{ *proto.Conn }

func newEcho(env proto.Env) proto.Parser {
	p := &echo{}
	p.Conn = proto.NewConn(env, "", proto.Handlers{
		ClientLine: func(l *lines.Line) {
			p.Push(session.Command{Kind: session.KindCommand, Verb: "SAY", Args: string(l.B), Time: l.Time})
		},
		ServerLine: func(l *lines.Line) {
			r := &session.Response{Status: "said", Lines: []string{string(l.B)}, Time: l.Time}
			if e, ok := p.Next(); ok {
				p.Answer(e, r)
				return
			}
			p.Reply(r)
		},
	})
	return p
}

// TestRegisteredProtocol: a protocol registered in a test, by port and by
// content, reaches JSON and the statistics without any other change.
func TestRegisteredProtocol(t *testing.T) {
	client := netip.MustParseAddrPort("127.0.0.1:40000")
	said := []capturetest.Said{{Data: "ECHO READY\r\n"}, {Client: true, Data: "hola\r\n"}, {Data: "hola\r\n"},
		{Client: true, Data: "chau\r\n"}, {Data: "chau\r\n"}}
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	segs := capturetest.Converse(client, netip.MustParseAddrPort("127.0.0.1:7777"), t0, said...)
	segs = append(segs, capturetest.Converse(netip.MustParseAddrPort("127.0.0.1:40001"),
		netip.MustParseAddrPort("127.0.0.1:9999"), t0.Add(time.Second), said...)...)
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}

	opts := analyzer.DefaultOptions()
	opts.Protocols.Register(echoSpec())
	var doc, tables bytes.Buffer
	names := opts.Protocols.Names()
	out := sink.Multi(view.JSON(&doc, names, nil), view.Stats(&tables, names, 0, ""))
	rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(opts, out), nil)
	st, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "-", Reader: bytes.NewReader(data)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.CaptureFinished(stats.Capture{Packets: st.Packets}); err != nil {
		t.Fatal(err)
	}

	var got struct {
		Sessions []struct {
			Protocol   string
			DetectedBy string `json:"detected_by"`
			Exchanges  []struct {
				Command  *struct{ Args string }
				Response *struct{ Lines []string }
			}
		}
		Stats struct {
			Protocols []struct {
				Protocol string
				Sessions int
				Commands map[string]int
			}
		}
	}
	if err := json.Unmarshal(doc.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, doc.String())
	}
	if len(got.Sessions) != 2 {
		t.Fatalf("got %d sessions, want 2:\n%s", len(got.Sessions), doc.String())
	}
	for i, how := range []string{"port", "content"} {
		s := got.Sessions[i]
		if s.Protocol != "echo" || s.DetectedBy != how || len(s.Exchanges) != 3 ||
			s.Exchanges[2].Command == nil || s.Exchanges[2].Command.Args != "chau" || s.Exchanges[2].Response.Lines[0] != "chau" {
			t.Errorf("session %d: got %+v, want echo found by %s with greeting, hola and chau", i+1, s, how)
		}
	}
	if p := got.Stats.Protocols; len(p) != 1 || p[0].Protocol != "echo" || p[0].Sessions != 2 || p[0].Commands["SAY"] != 4 {
		t.Errorf("JSON statistics: got %+v, want echo with 2 sessions and 4 SAY", p)
	}
	if !strings.Contains(tables.String(), "ECHO") || !strings.Contains(tables.String(), "SAY") {
		t.Errorf("statistics tables do not list the protocol:\n%s", tables.String())
	}

	// Without the registration the same capture has no mail session.
	var none bytes.Buffer
	plain := analyzer.DefaultOptions()
	noEcho := view.JSON(&none, plain.Protocols.Names(), nil)
	rd = reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(plain, noEcho), nil)
	if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
		t.Fatal(err)
	}
	if err := noEcho.CaptureFinished(stats.Capture{}); err != nil || !strings.Contains(none.String(), `"sessions": []`) {
		t.Errorf("without its registration: err %v, document %s", err, none.String())
	}
	if strings.Contains(none.String(), "echo") {
		t.Errorf("echo found without its registration: %s", none.String())
	}
}

// TestAnUnusedParserClosesOnNothing: a parser closed before it read a
// byte leaves its session as it found it, so that a connection that
// carried nothing (a flood of handshakes) needs no parser made to close
// (analyzer.conn.Close).
func TestAnUnusedParserClosesOnNothing(t *testing.T) {
	table := analyzer.Protocols()
	for _, name := range table.Names() {
		spec, err := table.Lookup(string(name))
		if err != nil {
			t.Fatal(err)
		}
		for _, midstream := range []bool{false, true} {
			s := &session.Session{ID: 1, Protocol: spec.Name, Midstream: midstream, Gaps: []session.Gap{}, Exchanges: []*session.Exchange{},
				Auth: []*session.Auth{}, Messages: []*session.Message{}, Anomalies: []session.Anomaly{}}
			before, _ := json.Marshal(s)
			var told recorder
			spec.New(proto.Env{Session: s, Events: &told}).Close(time.Unix(1700000000, 0))
			after, _ := json.Marshal(s)
			if !bytes.Equal(before, after) || told.n > 0 {
				t.Errorf("%s (midstream %v): closed unused, the session went from %s to %s, %d events told", name, midstream, before, after, told.n)
			}
		}
	}
}

// recorder counts the events a parser tells.
type recorder struct{ n int }

func (r *recorder) ReplyLine(*session.Session, string, time.Time)         { r.n++ }
func (r *recorder) ExchangeCompleted(*session.Session, *session.Exchange) { r.n++ }
func (r *recorder) MessageStarted(*session.Session, *session.Message) io.Writer {
	r.n++
	return nil
}
func (r *recorder) MessageEnded(*session.Session, *session.Message) { r.n++ }
