package view

import (
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// shownLines are the reply lines of one session that the live view showed
// as they came, left out when their exchange completes: how many of each
// line and time wait for it. A list looked through and cut at each
// completion took minutes where a command's data never ends (20 MB of
// literals or of held data: 11-21 s where read takes half a second).
//
// At most maxShown wait: a reply keeps its first session.MaxReplyLines
// lines, and the lines past those the view records are lines no
// completion can take. One not recorded is shown again at its
// completion, if it ever comes.
type shownLines struct {
	count   map[shownKey]int
	waiting int
}

type shownKey struct {
	line string
	t    int64
}

// maxShown bounds the lines a session's view waits to see completed.
const maxShown = 2 * session.MaxReplyLines

// add records line, shown at t.
func (s *shownLines) add(line string, t time.Time) {
	if s.waiting >= maxShown {
		return
	}
	if s.count == nil {
		s.count = map[shownKey]int{}
	}
	s.count[shownKey{line, t.UnixNano()}]++
	s.waiting++
}

// take reports whether line at t was shown, and forgets one showing.
func (s *shownLines) take(line string, t time.Time) bool {
	k := shownKey{line, t.UnixNano()}
	n := s.count[k]
	switch {
	case n == 0:
		return false
	case n == 1:
		delete(s.count, k)
	default:
		s.count[k] = n - 1
	}
	s.waiting--
	return true
}
