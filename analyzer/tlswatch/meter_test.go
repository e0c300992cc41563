package tlswatch

import (
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestMeter(t *testing.T) {
	s := &session.Session{}
	m := NewMeter(s, nil)
	at := time.Unix(100, 0)
	b, want := tlsStream()
	m.Feed(session.FromClient, at, b[:9], 40)
	m.Feed(session.FromClient, at.Add(time.Second), b[9:], 49)
	m.Feed(session.FromServer, at.Add(2*time.Second), []byte{22, 3, 3, 0, 1, 2}, 120)
	e := s.Encrypted
	if e == nil || !e.Since.Equal(at) || e.ClientFrom != 40 || e.ServerFrom != 120 ||
		e.BytesClient != int64(len(b)) || e.BytesServer != 6 {
		t.Fatalf("got %+v", e)
	}
	if len(e.Records) != len(want)+1 {
		t.Fatalf("got %d records, want %d", len(e.Records), len(want)+1)
	}
	first, last := e.Records[0], e.Records[len(e.Records)-1]
	if first.Type != "handshake" || first.Handshake != "ClientHello" || first.Version != "TLS 1.0" || first.Dir != "client->server" {
		t.Errorf("first record %+v", first)
	}
	if e.Records[2].Handshake != "encrypted" || e.Records[3].Offset != want[3].Offset || !e.Records[3].Time.Equal(at.Add(time.Second)) {
		t.Errorf("records %+v", e.Records[2:4])
	}
	if last.Dir != "server->client" || last.Handshake != "ServerHello" || last.Offset != 0 {
		t.Errorf("last record %+v", last)
	}
}

func TestMeterBound(t *testing.T) {
	s := &session.Session{}
	m := NewMeter(s, nil)
	rec := []byte{23, 3, 3, 0, 2, 0, 0}
	for range session.MaxTLSRecords + 6 {
		m.Feed(session.FromServer, time.Time{}, rec, 0)
	}
	if e := s.Encrypted; len(e.Records) != session.MaxTLSRecords || e.RecordsMore != 6 ||
		e.BytesServer != int64(len(rec)*(session.MaxTLSRecords+6)) {
		t.Errorf("kept %d, more %d, bytes %d", len(e.Records), e.RecordsMore, e.BytesServer)
	}
}
