package render

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

func TestFollowShowsTLSRecords(t *testing.T) {
	cli := session.FromClient.String()
	tests := []struct {
		name string
		enc  session.Encrypted
		raw  []session.Chunk
		want []string
	}{
		{
			name: "after STARTTLS, records cut across chunks, past the bound",
			enc: session.Encrypted{ClientFrom: 10, ServerFrom: -1, RecordsMore: 1, Records: []session.TLSRecord{
				{Dir: cli, Offset: 0, Type: "handshake", Handshake: "ClientHello", Version: "TLS 1.0", Length: 5},
				{Dir: cli, Offset: 10, Type: "application_data", Version: "TLS 1.2", Length: 3},
			}},
			raw: []session.Chunk{
				{Dir: session.FromClient, Data: []byte("STARTTLS\r\n\x16\x03\x01\x00")},
				{Dir: session.FromClient, Data: []byte("\x05\x01\x00\x00\x00\x00\x17\x03\x03\x00\x03\xff\xff\xff\x17\x03\x03\x00\x02\xee\xee")},
			},
			want: []string{
				"STARTTLS",
				"[TLS handshake ClientHello, 5 B, record TLS 1.0]",
				"[TLS application_data, 3 B, record TLS 1.2]",
				"[... 1 more TLS records, 7 B client, 0 B server, headers not kept]",
			},
		},
		{
			name: "bytes no record covers are shown",
			enc: session.Encrypted{ClientFrom: 0, ServerFrom: 0, Records: []session.TLSRecord{
				{Dir: cli, Offset: 0, Type: "alert", Version: "TLS 1.2", Length: 2},
			}},
			raw: []session.Chunk{
				{Dir: session.FromClient, Data: []byte("\x15\x03\x03\x00\x02\x01\x00")},
				{Dir: session.FromServer, Data: []byte("220 in clear\r\n")},
			},
			want: []string{"[TLS alert, 2 B, record TLS 1.2]", "    220 in clear"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session.Session{Start: time.Unix(0, 0), End: time.Unix(0, 0), Encrypted: &tt.enc}
			var out bytes.Buffer
			Follow(&out, s, slices.Values(tt.raw), 0, TextOptions{})
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")[2:]
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestTLSLines(t *testing.T) {
	s := &session.Session{TLS: session.TLSStart, Encrypted: &session.Encrypted{BytesClient: 2313, BytesServer: 4100,
		Records: []session.TLSRecord{
			{Type: "handshake", Handshake: "ClientHello"}, {Type: "handshake", Handshake: "ServerHello"},
			{Type: "handshake", Handshake: "encrypted"}, {Type: "alert"},
		}}}
	got := strings.Join(tlsLines(s, painter{}, ""), "\n")
	want := "── TLS from here: 2313 B client, 4100 B server, not readable ──\n" +
		"   handshake: ClientHello, ServerHello; 1 alert\n" +
		"   (to see the rest: --tls-keylog with the key log the client wrote, as SSLKEYLOGFILE; or STARTTLS off in the mail client)"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestFindingsAndAnomaliesInEitherLanguage: what the catalog keys say is
// shown in the timeline's language; the recorded text stays English.
func TestFindingsAndAnomaliesInEitherLanguage(t *testing.T) {
	s := &session.Session{ID: 1, Protocol: "smtp", Start: time.Unix(0, 0), End: time.Unix(0, 0)}
	explain.Anomaly(s, time.Unix(0, 0), session.FromClient, "unknown.command", "HELO\x01")
	s.Findings = append(s.Findings, session.Finding{Kind: "tls-not-used", Severity: "low", Key: "ui.finding.tls-not-used.nothing",
		Text: explain.Say("ui.finding.tls-not-used.nothing", explain.English)})
	explain.Note(s, "client.missing")
	s.State = "closed"
	if s.Anomalies[0].Text != `unknown command "HELO\x01"` {
		t.Errorf("recorded %q", s.Anomalies[0].Text)
	}
	for lang, want := range map[explain.Lang][]string{
		explain.English: {`anomaly (client->server, +0.000s): unknown command "HELO\x01"`, "finding [low] tls-not-used: the server offered", "note: the client's direction was not captured", "0 B  closed"},
		explain.Spanish: {`anomalía (cliente->servidor, +0.000s): comando desconocido "HELO\x01"`, "hallazgo [bajo] tls-not-used: el servidor ofreció", "nota: la dirección del cliente no fue capturada", "0 B  cerrada"},
	} {
		var out bytes.Buffer
		Timeline(&out, s, TextOptions{Lang: lang})
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: %q not in:\n%s", lang, w, out.String())
			}
		}
	}
}
