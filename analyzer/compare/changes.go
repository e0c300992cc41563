package compare

import (
	"strconv"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// What a session changed on the server, by the names the comparison
// shows.
const (
	popDeleted  = "DELE (deleted)"
	popMarked   = "DELE (marked, not deleted)"
	seenSet     = "\\Seen (set)"
	seenCleared = "\\Seen (cleared)"
	deletedSet  = "\\Deleted (set)"
	flagsOther  = "STORE (flags)"
	expunged    = "EXPUNGE (deleted)"
)

// popChanges counts what a POP3 session deleted (RFC 1939 §6): DELE only
// marks a message; the marks are undone by RSET and carried out when the
// server answers QUIT with +OK, in the UPDATE state. A session that ends
// otherwise deleted nothing: its marks are counted as such.
func popChanges(s *session.Session, changes map[string]int) {
	marked := map[string]bool{}
	for _, e := range s.Exchanges {
		c := e.Command
		if c == nil || c.Kind != session.KindCommand || e.Response == nil || !ok(e.Response) {
			continue
		}
		switch c.Verb {
		case "DELE":
			if len(marked) < maxTracked {
				marked[strings.TrimSpace(c.Args)] = true
			}
		case "RSET":
			clear(marked)
		case "QUIT":
			if len(marked) > 0 {
				changes[popDeleted] += len(marked)
			}
			return
		}
	}
	if len(marked) > 0 {
		changes[popMarked] += len(marked)
	}
}

// maxTracked bounds the messages a session's changes are followed for.
const maxTracked = 1 << 16

// flags is what the server last said of one message's flags.
type flags struct {
	seen, deleted bool
	other         string // the rest, sorted as the server listed them
}

// imapChanges counts the messages whose flags an IMAP session changed,
// each once, and those it expunged: from the server's word where it gives
// one (FETCH responses with FLAGS, EXPUNGE responses), else from the
// command (RFC 9051 §6.4.5: a body fetched without PEEK sets \Seen;
// §6.4.6: STORE .SILENT is answered without FLAGS). Flags reported in
// answer to other commands (another client's changes, told by NOOP or
// IDLE) are noted, not counted.
func imapChanges(s *session.Session, changes map[string]int) {
	known := map[int]flags{}
	changed := map[string]map[int]bool{}
	note := func(what string, n int) {
		if changed[what] == nil {
			changed[what] = map[int]bool{}
		}
		if len(changed[what]) < maxTracked {
			changed[what][n] = true
		}
	}
	for _, e := range s.Exchanges {
		c := e.Command
		if c == nil || c.Kind != session.KindCommand || e.Response == nil {
			continue
		}
		verb := strings.TrimPrefix(c.Verb, "UID ")
		mine := ok(e.Response) && (verb == "FETCH" || verb == "STORE" || verb == "EXPUNGE")
		setsSeen := verb == "FETCH" && fetchSetsSeen(c.Args)
		var st store
		if verb == "STORE" {
			st = parseStore(c.Args)
		}
		answered := map[int]bool{}
		for _, l := range e.Response.Lines {
			n, what, rest := untagged(l)
			switch {
			case what == "EXPUNGE" && mine:
				changes[expunged]++
				delete(known, n)
			case what == "FETCH":
				answered[n] = true
				f, has := fetchFlags(rest)
				before, wasKnown := known[n]
				if !has {
					if setsSeen && mine && !before.seen {
						note(seenSet, n)
						before.seen = true
						known[n] = before
					}
					continue
				}
				if mine {
					// Where the flags before are unknown, the command
					// says what it changed: a body fetch sets \Seen, a
					// STORE what it names.
					switch {
					case f.seen && !before.seen && (wasKnown || setsSeen || st.add && st.seen):
						note(seenSet, n)
					case !f.seen && (wasKnown && before.seen || !wasKnown && st.remove && st.seen):
						note(seenCleared, n)
					}
					if f.deleted && !before.deleted && (wasKnown || st.add && st.deleted) {
						note(deletedSet, n)
					}
					if wasKnown && f.other != before.other || !wasKnown && st.other {
						note(flagsOther, n)
					}
				}
				if len(known) < maxTracked || wasKnown {
					known[n] = f
				}
			}
		}
		if verb == "STORE" && mine && len(answered) == 0 {
			st.silent(known, note)
		}
	}
	for what, ns := range changed {
		changes[what] += len(ns)
	}
}

// store is what a STORE command asks (RFC 9051 §6.4.6): "1:3,5
// +FLAGS.SILENT (\Seen)" adds \Seen to messages 1, 2, 3 and 5.
type store struct {
	set                  string
	add, remove          bool
	seen, deleted, other bool // the flags it names
}

func parseStore(args string) store {
	set, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	item, list, _ := strings.Cut(strings.TrimSpace(rest), " ")
	item = lines.Upper(item)
	st := store{set: set, add: strings.HasPrefix(item, "+"), remove: strings.HasPrefix(item, "-")}
	for _, flag := range strings.Fields(strings.Trim(lines.Upper(list), "()")) {
		switch flag {
		case `\SEEN`:
			st.seen = true
		case `\DELETED`:
			st.deleted = true
		default:
			st.other = true
		}
	}
	return st
}

// silent applies a STORE the server answered without FLAGS (.SILENT).
func (st store) silent(known map[int]flags, note func(string, int)) {
	for _, n := range sequenceSet(st.set) {
		f := known[n]
		switch {
		case st.seen && st.add && !f.seen:
			note(seenSet, n)
			f.seen = true
		case st.seen && st.remove && f.seen:
			note(seenCleared, n)
			f.seen = false
		}
		if st.deleted && st.add && !f.deleted {
			note(deletedSet, n)
			f.deleted = true
		}
		if st.other {
			note(flagsOther, n)
		}
		known[n] = f
	}
}

// sequenceSet lists the numbers of an IMAP sequence set ("1:3,5"),
// without "*" (which only the server can resolve), at most maxTracked.
func sequenceSet(set string) []int {
	var out []int
	for _, r := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(r, ":")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a <= 0 || b <= 0 {
			continue
		}
		if a > b {
			a, b = b, a
		}
		for n := a; n <= b && len(out) < maxTracked; n++ {
			out = append(out, n)
		}
	}
	return out
}

// untagged splits "* 3 FETCH (...)" into 3, "FETCH" and the rest.
func untagged(l string) (n int, what, rest string) {
	rest, ok := strings.CutPrefix(l, "* ")
	if !ok {
		return 0, "", ""
	}
	num, rest, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", ""
	}
	what, rest, _ = strings.Cut(rest, " ")
	return n, lines.Upper(what), rest
}

// fetchFlags finds the FLAGS item of a FETCH response's data.
func fetchFlags(data string) (flags, bool) {
	up := lines.Upper(data)
	i := strings.Index(up, "FLAGS (")
	if i < 0 || i > 0 && up[i-1] != ' ' && up[i-1] != '(' {
		return flags{}, false
	}
	list, _, ok := strings.Cut(data[i+len("FLAGS ("):], ")")
	if !ok {
		return flags{}, false
	}
	var f flags
	var other []string
	for _, flag := range strings.Fields(list) {
		switch lines.Upper(flag) {
		case `\SEEN`:
			f.seen = true
		case `\DELETED`:
			f.deleted = true
		case `\RECENT`: // the server's, not a change
		default:
			other = append(other, flag)
		}
	}
	f.other = strings.Join(other, " ")
	return f, true
}

// fetchSetsSeen reports whether a FETCH's items read a body without PEEK
// (RFC 9051 §6.4.5): BODY[...], BINARY[...], RFC822 and RFC822.TEXT set
// \Seen; BODY.PEEK, BINARY.PEEK, RFC822.HEADER and RFC822.SIZE do not.
func fetchSetsSeen(args string) bool {
	_, items, _ := strings.Cut(strings.TrimSpace(args), " ")
	for _, tok := range strings.FieldsFunc(lines.Upper(items), func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
		switch {
		case strings.HasPrefix(tok, "BODY[") || strings.HasPrefix(tok, "BINARY["):
			return true
		case tok == "RFC822" || tok == "RFC822.TEXT":
			return true
		}
	}
	return false
}
