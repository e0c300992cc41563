package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The live views show sessions while they happen: a line when a session
// is recognized, each exchange once its reply is complete, and a closing
// line; every line starts with the session's number.

func livePrefix(s *session.Session) string {
	return fmt.Sprintf("#%d %-4s", s.ID, strings.ToUpper(string(s.Protocol)))
}

// LiveStart announces a session.
func LiveStart(w io.Writer, s *session.Session, color bool) {
	p := painter{color}
	extra := ""
	if s.TLS == session.TLSImplicit {
		extra = " (TLS)"
	}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf("%s %s -> %s  started %s%s", livePrefix(s), s.Client, s.Server,
		s.Start.Local().Format("15:04:05.000"), extra)))
}

// LiveExchange shows exchange e of s, whose reply just completed.
func LiveExchange(w io.Writer, s *session.Session, e *session.Exchange, o TextOptions) {
	prefix := livePrefix(s)
	for _, l := range ExchangeLines(s, e, o) {
		fmt.Fprintf(w, "%s %s\n", prefix, l)
	}
}

// ExchangeLines are the lines the timeline shows for e: its command's,
// then its reply's.
func ExchangeLines(s *session.Session, e *session.Exchange, o TextOptions) []string {
	p := painter{o.Color}
	var lines []string
	if e.Command != nil {
		lines = append(lines, commandLines(s, e.Command, o, p)...)
	}
	if e.Response != nil {
		lines = append(lines, responseLines(s, e.Response, o, p)...)
	}
	return lines
}

// LiveEnd closes a session: how it ended, and its authentications and
// anomalies.
func LiveEnd(w io.Writer, s *session.Session, color bool) {
	p := painter{color}
	prefix := livePrefix(s)
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Response == nil {
			for _, l := range commandLines(s, e.Command, TextOptions{}, p) {
				fmt.Fprintf(w, "%s %s   (no reply)\n", prefix, l)
			}
		}
	}
	for _, a := range s.Auth {
		fmt.Fprintf(w, "%s %s\n", prefix, authLine(a))
	}
	for _, a := range s.Anomalies {
		fmt.Fprintf(w, "%s %s\n", prefix, p.paint(colWarn, "anomaly: "+Escape(a.Text)))
	}
	for _, g := range s.Gaps {
		fmt.Fprintf(w, "%s %s\n", prefix, p.paint(colWarn, fmt.Sprintf("gap: %d bytes lost %s", g.Bytes, g.Dir)))
	}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf("%s ended: %s after %s, client %d B, server %d B", prefix, s.State,
		duration(s.End.Sub(s.Start)), s.BytesClient, s.BytesServer)))
}
