package view

import (
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// TestShownLines: a line shown as it came is taken once for each time it
// was shown, in any order, by its text and time; past maxShown waiting,
// lines are not recorded (their completion shows them again).
func TestShownLines(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	var s shownLines
	s.add("* 1 EXISTS", t0)
	s.add("* 1 EXISTS", t0) // the same line twice at once
	s.add("* 2 EXISTS", t0.Add(time.Millisecond))
	for _, tc := range []struct {
		line string
		t    time.Time
		want bool
	}{
		{"* 2 EXISTS", t0, false}, // another time
		{"* 2 EXISTS", t0.Add(time.Millisecond), true},
		{"* 2 EXISTS", t0.Add(time.Millisecond), false}, // taken already
		{"* 1 EXISTS", t0, true},
		{"* 1 EXISTS", t0, true},
		{"* 1 EXISTS", t0, false},
	} {
		if got := s.take(tc.line, tc.t); got != tc.want {
			t.Errorf("take(%q, %v) = %v, want %v", tc.line, tc.t.Sub(t0), got, tc.want)
		}
	}
	if s.waiting != 0 || len(s.count) != 0 {
		t.Errorf("%d waiting, %d kept after all were taken", s.waiting, len(s.count))
	}
	for i := range maxShown + 10 {
		s.add("* LIST () \"/\" box", t0.Add(time.Duration(i)))
	}
	if s.waiting != maxShown || len(s.count) != maxShown {
		t.Errorf("%d waiting, %d kept; want the bound, %d", s.waiting, len(s.count), maxShown)
	}
	if !s.take("* LIST () \"/\" box", t0) || s.take("* LIST () \"/\" box", t0.Add(maxShown)) {
		t.Error("the first line is not taken, or one past the bound is")
	}
	if maxShown < session.MaxReplyLines {
		t.Errorf("the bound %d is under a reply's %d lines", maxShown, session.MaxReplyLines)
	}
}
