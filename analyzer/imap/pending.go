package imap

import (
	"math/bits"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// What awaits a tagged completion (RFC 9051 §2.2.2): the commands sent
// and not yet completed, and the untagged data that came meanwhile. Each
// completion costs what it takes: the data another open command asked
// for waits by response name, looked at once per name, not once per
// line (ten thousand held LIST lines made every later completion read
// them all again: a flood of NOOPs took minutes).

// maxOpen bounds the commands awaiting completion. Clients pipeline tens,
// a FETCH per message some hundreds; past it the oldest is given up,
// unanswered (its completion, if it comes, is one nothing asked for).
const maxOpen = 1000

// addOpen makes c a command awaiting its completion.
func (p *Parser) addOpen(c *command, t time.Time) {
	if len(p.open) >= maxOpen {
		i := 0
		if p.open[0] == p.waiting {
			i = 1 // the client is still sending it
		}
		p.removeOpen(i)
		if !p.openBounded {
			p.openBounded = true
			explain.Anomaly(p.S, t, session.FromClient, "imap.open.bound", maxOpen)
		}
	}
	if p.openTags == nil {
		p.openTags = map[string]int{}
	}
	p.open = append(p.open, c)
	c.asks = askerBit[c.verb]
	if c.asks != 0 {
		p.openAskers[bits.TrailingZeros64(c.asks)]++
		p.openMask |= c.asks
	}
	p.count(c, 1)
}

// removeOpen takes the i-th open command off the list.
func (p *Parser) removeOpen(i int) {
	c := p.open[i]
	if c.asks != 0 {
		n := &p.openAskers[bits.TrailingZeros64(c.asks)]
		if *n--; *n == 0 {
			p.openMask &^= c.asks
		}
	}
	p.count(c, -1)
	if i < len(p.open)/2 {
		// Commands complete mostly oldest first: the ones before it move,
		// not the hundred pipelined after it.
		copy(p.open[1:i+1], p.open[:i])
		p.open[0] = nil
		p.open = p.open[1:]
		return
	}
	p.open = slices.Delete(p.open, i, i+1)
}

// count adds n to the open commands of c's tag (or the lone ones).
func (p *Parser) count(c *command, n int) {
	if c.lone {
		p.openLone += n
		return
	}
	if n > 0 {
		p.openTags[c.tag] += n // one look in the map: a flood's every command comes here
		return
	}
	if left := p.openTags[c.tag] + n; left > 0 {
		p.openTags[c.tag] = left
	} else {
		delete(p.openTags, c.tag)
	}
}

// openWith is the index of the open command a completion tagged tag
// completes, -1 for none: the oldest sent with tag, or else an IDLE begun
// before the capture (lone), whose tag no open command has. A tag no
// open command has costs no search (a flood of them, with a thousand
// commands open, would read them all at each).
func (p *Parser) openWith(tag string) int {
	if len(p.open) > 0 && p.open[0].tag == tag && !p.open[0].lone {
		return 0 // the oldest: completions mostly come in order
	}
	if p.openTags[tag] == 0 && p.openLone == 0 {
		return -1
	}
	for i, c := range p.open {
		if c.tag == tag && !c.lone || c.lone && p.openTags[tag] == 0 {
			return i
		}
	}
	return -1
}

// done lets go of c, completed and off the open list. Past the session's
// bound its part's record serves the next command (proto.Conn.Release),
// and c itself the next command's (newRecord), where nothing holds them
// any more: not the client's state (a literal of c's still on the wire),
// not a SASL exchange (AUTHENTICATE) or the responses typed ahead of
// it. A LOGIN's attempt ended with its completion. A flood of commands
// past the bound made both for each, for the collector to take back.
func (p *Parser) done(c *command) {
	if p.waiting == c || c.sasl || c.responses != nil || len(c.segs) != 1 {
		return
	}
	e := c.segs[0]
	if e == p.seg {
		return
	}
	if p.argsOf == e.Command {
		p.argsOf = nil // addArgs knows a command by its record
	}
	p.Release(e)
	if e.Spare() && len(p.spare) < maxOpen {
		p.spare = append(p.spare, c)
	}
}

// maxSpareCanon is the most room for a command's arguments a spare
// command's record lends the next (newRecord).
const maxSpareCanon = 256

// newRecord is a command record for tag and verb: a spare one (done)
// where there is one.
func (p *Parser) newRecord(tag, verb string) *command {
	var c *command
	if n := len(p.spare); n > 0 {
		c, p.spare[n-1] = p.spare[n-1], nil
		p.spare = p.spare[:n-1]
		canon := c.canon[:0]
		if cap(canon) > maxSpareCanon {
			canon = nil
		}
		*c = command{canon: canon}
	} else {
		c = &command{}
	}
	c.tag, c.verb = tag, verb
	c.segs = c.first[:0]
	return c
}

// retag gives a lone command the tag its completion has.
func (p *Parser) retag(c *command, tag string) {
	p.count(c, -1)
	c.tag, c.lone = tag, false
	p.count(c, 1)
}

// untagged is a line of untagged data, when it began, and the messages
// its literals held.
type untagged struct {
	text string
	name uint8 // the response's name, where owners lists it: its place in ownerNames
	seq  int   // its place in the order the lines came
	t    time.Time
	msgs []int
	body int64
}

// addUntagged keeps a line of untagged data for the completion to come.
func (p *Parser) addUntagged(u untagged) {
	u.name, u.seq = p.owner(u.text), p.untaggedSeq
	p.untaggedSeq++
	p.untagged = append(p.untagged, u)
}

// untaggedKept counts the untagged lines kept, waiting.
func (p *Parser) untaggedKept() int { return len(p.untagged) + p.heldN }

// takeResponse builds the response that line ends, for command c (nil:
// none), from the untagged data waiting. With several commands open, data
// another of them asked for (a SEARCH result while a FETCH completes) is
// left for that one: servers may interleave pipelined commands' data.
func (p *Parser) takeResponse(status, line string, t time.Time, c *command) *session.Response {
	taken := p.taken[:0]
	defer func() {
		clear(taken)
		if cap(taken) <= 1024 { // kept for the next; a long one goes
			p.taken = taken[:0]
		} else {
			p.taken = nil
		}
	}()
	for name, q := range p.held {
		if len(q) > 0 && (c == nil || !p.elsewhere(uint8(name), c)) {
			taken = append(taken, q...)
			p.held[name] = nil
			p.heldN -= len(q)
		}
	}
	slices.SortFunc(taken, func(a, b untagged) int { return a.seq - b.seq }) // held lines came before the rest
	for _, u := range p.untagged {
		if c != nil && p.elsewhere(u.name, c) {
			if p.held == nil {
				p.held = make([][]untagged, len(ownerNames))
			}
			p.held[u.name] = append(p.held[u.name], u)
			p.heldN++
			continue
		}
		taken = append(taken, u)
	}
	clear(p.untagged)
	p.untagged = p.untagged[:0]

	n := len(taken)
	if line != "" {
		n++
	}
	r := p.NewResponse(status, t, n)
	early := false
	for _, u := range taken {
		for _, m := range u.msgs {
			r.Messages, r.MessageLines = append(r.Messages, m), append(r.MessageLines, len(r.Lines))
		}
		r.Lines = append(r.Lines, u.text)
		early = early || !u.t.Equal(t)
		r.BodySize += u.body
	}
	if line != "" {
		for _, m := range p.smsgs {
			r.Messages, r.MessageLines = append(r.Messages, m), append(r.MessageLines, len(r.Lines))
		}
		r.Lines = append(r.Lines, line)
	}
	if early {
		// When each line came, where some came before the completion.
		r.LineTimes = make([]time.Time, 0, n)
		for _, u := range taken {
			r.LineTimes = append(r.LineTimes, u.t)
		}
		if line != "" {
			r.LineTimes = append(r.LineTimes, t)
		}
	}
	if len(r.Messages) > 0 {
		r.Message = &r.Messages[0]
		r.BodyInLines = true
	}
	r.BodySize += p.sbody
	if p.heldN == 0 {
		r.LinesDropped, p.untaggedDropped = p.untaggedDropped, 0
	}
	p.noteCapabilities(r.Lines)
	p.smsgs, p.sbody = nil, 0
	return r
}

// elsewhere reports whether data of the response name is for another
// open command than c: c did not ask for it and another did.
func (p *Parser) elsewhere(name uint8, c *command) bool {
	askers := ownerAskers[name]
	return askers&c.asks == 0 && askers&p.openMask != 0
}

// ownerName is the place in ownerNames of the untagged response line's
// name ("* 3 FETCH ...": FETCH, "* LIST ...": LIST), 0 where owners does
// not list it.
func ownerName(line string) uint8 { return ownerIndex[responseName(line)] }

// owner is ownerName, with the last name's place kept: a flood of
// untagged data repeats one name (EXISTS, FETCH), looked up once.
func (p *Parser) owner(line string) uint8 {
	if name := responseName(line); name != p.lastName {
		p.lastName, p.lastOwner = name, ownerIndex[name]
	}
	return p.lastOwner
}

// responseName is the untagged response line's name, upper-cased: its
// second field, or its third after a number.
func responseName(line string) string {
	_, rest := field(line) // "*", or a tag
	name, rest := field(rest)
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		if next, _ := field(rest); next != "" {
			name = next
		}
	}
	return lines.Upper(name)
}

// field is the first of s's fields as strings.Fields splits them, and
// what follows it; read once for each untagged line, it copies nothing.
// ASCII is read a byte at a time; from the first byte past it, runes are
// (unicode.IsSpace).
func field(s string) (f, rest string) {
	i := 0
	for i < len(s) && asciiSpace(s[i]) {
		i++
	}
	if i < len(s) && s[i] >= utf8.RuneSelf {
		s = strings.TrimLeftFunc(s[i:], unicode.IsSpace)
		i = 0
	}
	s = s[i:]
	for j := 0; j < len(s); j++ {
		switch c := s[j]; {
		case c >= utf8.RuneSelf:
			if k := strings.IndexFunc(s[j:], unicode.IsSpace); k >= 0 {
				return s[:j+k], s[j+k:]
			}
			return s, ""
		case asciiSpace(c):
			return s[:j], s[j:]
		}
	}
	return s, ""
}

// asciiSpace is unicode.IsSpace for an ASCII byte.
func asciiSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// owners maps untagged response names to the commands that ask for them
// (RFC 9051 §7); data not named here goes to whichever command completes.
var owners = map[string][]string{
	"FETCH":      {"FETCH", "STORE", "UID FETCH", "UID STORE", "SELECT", "EXAMINE", "NOOP", "IDLE"},
	"SEARCH":     {"SEARCH", "UID SEARCH"},
	"ESEARCH":    {"SEARCH", "UID SEARCH", "ESEARCH"},
	"SORT":       {"SORT", "UID SORT"},
	"THREAD":     {"THREAD", "UID THREAD"},
	"LIST":       {"LIST", "XLIST"},
	"LSUB":       {"LSUB"},
	"STATUS":     {"STATUS", "LIST"},
	"NAMESPACE":  {"NAMESPACE"},
	"ID":         {"ID"},
	"ENABLED":    {"ENABLE"},
	"FLAGS":      {"SELECT", "EXAMINE"},
	"QUOTA":      {"GETQUOTA", "GETQUOTAROOT", "SETQUOTA"},
	"QUOTAROOT":  {"GETQUOTAROOT"},
	"ACL":        {"GETACL"},
	"MYRIGHTS":   {"MYRIGHTS"},
	"LISTRIGHTS": {"LISTRIGHTS"},
	"METADATA":   {"GETMETADATA"},
}

// owners as masks, read at each line of data and each completion without
// a search: each verb owners names has a bit (askerBit), each response
// name a place (ownerIndex into ownerNames, from 1) and the bits of the
// verbs that ask for it (ownerAskers, by place). An open command carries
// its verb's bit, and the parser the bits of the verbs open.
var (
	ownerNames                        = namesOf(owners)
	ownerIndex, askerBit, ownerAskers = ownerMasks(owners, ownerNames)
)

// namesOf is owners' names in order, after a place 0 for none.
func namesOf(owners map[string][]string) []string {
	names := []string{""}
	for name := range owners {
		names = append(names, name)
	}
	slices.Sort(names[1:])
	return names
}

// ownerMasks numbers owners' names as names orders them, and their verbs
// as they come.
func ownerMasks(owners map[string][]string, names []string) (index map[string]uint8, bit map[string]uint64, askers []uint64) {
	index, bit, askers = map[string]uint8{}, map[string]uint64{}, make([]uint64, len(names))
	for i, name := range names[1:] {
		index[name] = uint8(i + 1)
		for _, verb := range owners[name] {
			if bit[verb] == 0 {
				bit[verb] = 1 << len(bit) // fewer than 64 verbs: TestOwnerMasks
			}
			askers[i+1] |= bit[verb]
		}
	}
	return index, bit, askers
}
