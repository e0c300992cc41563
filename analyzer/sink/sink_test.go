package sink

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// log writes down each event it is told, as "event id".
type log struct {
	events *[]string
	name   string
	err    error
}

func (l log) add(ev string, s *session.Session) {
	*l.events = append(*l.events, fmt.Sprintf("%s %s %d", l.name, ev, s.ID))
}
func (l log) SessionStarted(s *session.Session)                         { l.add("start", s) }
func (l log) Raw(s *session.Session, c session.Chunk)                   { l.add("raw", s) }
func (l log) ExchangeCompleted(s *session.Session, e *session.Exchange) { l.add("exchange", s) }
func (l log) ReplyLine(s *session.Session, line string, t time.Time)    { l.add("line", s) }
func (l log) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	l.add("message", s)
	return &strings.Builder{}
}
func (l log) MessageEnded(s *session.Session, m *session.Message) { l.add("message-end", s) }
func (l log) SessionEnded(s *session.Session)                     { l.add("end", s) }
func (l log) Lookup(*dns.Lookup)                                  {}
func (l log) CaptureFinished(stats.Capture) error {
	*l.events = append(*l.events, l.name+" finished")
	return l.err
}

func TestCombinators(t *testing.T) {
	var got []string
	s1, s2 := &session.Session{ID: 1, Protocol: "smtp"}, &session.Session{ID: 2, Protocol: "pop3"}
	fail := errors.New("disk full")
	out := Multi(
		ByID(log{&got, "a", nil}),
		Filter(log{&got, "b", fail}, func(s *session.Session) bool { return s.Protocol == "pop3" }),
	)
	out.SessionStarted(s1)
	out.SessionStarted(s2)
	out.ReplyLine(s1, "* 1 EXISTS", time.Time{})
	out.ExchangeCompleted(s2, &session.Exchange{})
	if w := out.MessageStarted(s1, &session.Message{}); w == nil {
		t.Error("a subscriber's writer was lost")
	}
	out.SessionEnded(s2)
	out.SessionEnded(s1)
	if err := out.CaptureFinished(stats.Capture{}); err != fail {
		t.Errorf("CaptureFinished: got %v, want the first error", err)
	}
	want := []string{
		"a start 1", "a start 2", "b start 2", "a line 1", "a exchange 2", "b exchange 2", "a message 1",
		"b end 2", // b is told at once; a waits for the end
		"a end 1", "a end 2", "a finished", "b finished",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWhatSinksRead: reply lines, completed exchanges and messages are
// told where some sink reads them, through every wrapper, and not where
// none does.
func TestWhatSinksRead(t *testing.T) {
	var events []string
	reads, quiet := log{events: &events}, Ended(func(*session.Session) {})
	keep := func(*session.Session) bool { return true }
	for _, tc := range []struct {
		s    Sink
		want bool
	}{
		{quiet, false},
		{reads, true},
		{Multi(quiet, Finished(func() error { return nil })), false},
		{Multi(quiet, reads), true},
		{Filter(Flushing(ByID(Locked(Multi(quiet, reads))), func() error { return nil }), keep), true},
		{Filter(Flushing(ByID(Locked(Multi(quiet, quiet))), func() error { return nil }), keep), false},
	} {
		for name, reads := range map[string]func(Sink) bool{"reply lines": ReadsReplyLines, "exchanges": ReadsExchanges, "messages": ReadsMessages} {
			if got := reads(tc.s); got != tc.want {
				t.Errorf("%T reads %s: %v, want %v", tc.s, name, got, tc.want)
			}
		}
	}
}
