package analyzer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/tlsdecrypt"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// TestTLSCorruptRecord: a TLS record changed on the wire is said as an
// anomaly, what it carried is missing, and the records after it are
// still read. The IMAP session over 993 of the TLS sample has one byte of
// a client's record flipped.
func TestTLSCorruptRecord(t *testing.T) {
	segs, err := capturetest.ReadFile("../samples/tls-keylog.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	keylog, err := os.ReadFile("../samples/tls-keylog.keys")
	if err != nil {
		t.Fatal(err)
	}
	opts := func() analyzer.Options {
		o := analyzer.DefaultOptions()
		o.Parse.TLSKeys = tlsdecrypt.NewKeys()
		o.Parse.TLSKeys.Read(strings.NewReader(string(keylog)))
		return o
	}
	imaps := func(data []byte) []string {
		sessions, _ := analyze(t, data, opts())
		for _, s := range sessions {
			if strings.HasSuffix(s.Server, ":993") {
				out := st.Pairs(s)
				for _, a := range s.Anomalies {
					out = append(out, "anomaly "+a.Text)
				}
				return out
			}
		}
		t.Fatal("no session to 993")
		return nil
	}
	// The client's records after its handshake, one command each: LOGIN,
	// SELECT, FETCH, LOGOUT.
	var app []int
	for i, s := range segs {
		if s.Dst.Port() == 993 && len(s.Payload) > 0 && s.Payload[0] == 23 {
			app = append(app, i)
		}
	}
	whole, _ := capturetest.Write(segs)
	clear := imaps(whole)
	if len(app) != 4 || !strings.Contains(strings.Join(clear, "\n"), "c FETCH") {
		t.Fatalf("%d client records; session %q", len(app), clear)
	}
	hit := app[2] // the FETCH's
	segs[hit].Payload = append([]byte(nil), segs[hit].Payload...)
	segs[hit].Payload[len(segs[hit].Payload)-1] ^= 1
	data, _ := capturetest.Write(segs)
	got := strings.Join(imaps(data), "\n")
	if strings.Contains(got, "c FETCH") || !strings.Contains(got, "d LOGOUT") || !strings.Contains(got, "b SELECT") ||
		!strings.Contains(got, "1 TLS record(s) did not authenticate") {
		t.Errorf("with the FETCH's record changed:\n%s\nwhole:\n%s", got, strings.Join(clear, "\n"))
	}
}
