package reassembly

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Filter is a capture filter in a subset of tcpdump's language
// (pcap-filter(7)), read by this package itself so that files and live
// capture take one without libpcap:
//
//	primitives   host ADDR, net CIDR (or a dotted IPv4 prefix: net 10.1),
//	             port PORT, portrange LOW-HIGH, each after src or dst
//	             optionally, and after tcp or udp optionally; tcp, udp,
//	             ip and ip6 alone
//	combinations and (&&), or (||), not (!), parentheses; a bare
//	             address or port takes the qualifiers of the primitive
//	             before it ("port 25 or 587")
//
// Ports may be named (smtp, submission, submissions, smtps, pop3, pop3s,
// imap, imaps, lmtp, domain). Host names are not resolved: the filter
// names addresses. A packet is matched after IP fragments are put back
// together, so "port 25" keeps every fragment of a segment to port 25.
type Filter struct {
	text string
	root filterNode
}

// packetFacts are what a filter looks at.
type packetFacts struct {
	proto    uint8 // 6 TCP, 17 UDP
	src, dst netip.Addr
	sport    uint16
	dport    uint16
}

type filterNode interface{ match(p *packetFacts) bool }

type (
	andNode   struct{ a, b filterNode }
	orNode    struct{ a, b filterNode }
	notNode   struct{ a filterNode }
	protoNode struct{ proto uint8 }
	v6Node    struct{ v6 bool }
	hostNode  struct {
		dir    string
		prefix netip.Prefix
	}
	portNode struct {
		dir      string
		proto    uint8 // 0: TCP or UDP
		low, top uint16
	}
)

func (n andNode) match(p *packetFacts) bool   { return n.a.match(p) && n.b.match(p) }
func (n orNode) match(p *packetFacts) bool    { return n.a.match(p) || n.b.match(p) }
func (n notNode) match(p *packetFacts) bool   { return !n.a.match(p) }
func (n protoNode) match(p *packetFacts) bool { return p.proto == n.proto }
func (n v6Node) match(p *packetFacts) bool    { return p.src.Is6() == n.v6 }

func (n hostNode) match(p *packetFacts) bool {
	return either(n.dir, n.prefix.Contains(p.src), n.prefix.Contains(p.dst))
}

func (n portNode) match(p *packetFacts) bool {
	if n.proto != 0 && p.proto != n.proto {
		return false
	}
	in := func(port uint16) bool { return port >= n.low && port <= n.top }
	return either(n.dir, in(p.sport), in(p.dport))
}

func either(dir string, src, dst bool) bool {
	switch dir {
	case "src":
		return src
	case "dst":
		return dst
	}
	return src || dst
}

// String is the filter as it was given.
func (f *Filter) String() string { return f.text }

// Match tells whether a TCP (proto 6) or UDP (17) packet between src and
// dst passes.
func (f *Filter) Match(proto uint8, src, dst netip.AddrPort) bool {
	p := packetFacts{proto: proto, src: src.Addr().Unmap(), dst: dst.Addr().Unmap(), sport: src.Port(), dport: dst.Port()}
	return f.root.match(&p)
}

// maxFilterTokens bounds a filter's length, and so its parsing's depth.
const maxFilterTokens = 1000

// FilterError is a mistake in a filter expression: Key says which (a
// catalog can say it in another language, "ui.filter."+Key), Args fill
// it.
type FilterError struct {
	Expr string
	Key  string
	Args []any
	text string // in English
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("filter %q: %s (this build reads host, net, port, portrange, src, dst, tcp, udp, ip, ip6, and, or, not, parentheses)", e.Expr, e.text)
}

// mistake is the FilterError key, said in English by format.
func mistake(key, format string, args ...any) *FilterError {
	return &FilterError{Key: key, Args: args, text: fmt.Sprintf(format, args...)}
}

// ParseFilter reads a filter expression; its errors (*FilterError) say
// which word is wrong and what this build takes.
func ParseFilter(text string) (*Filter, error) {
	toks := filterTokens(text)
	var err *FilterError
	switch {
	case len(toks) == 0:
		err = mistake("empty", "empty")
	case len(toks) > maxFilterTokens:
		err = mistake("long", "longer than %d words", maxFilterTokens)
	}
	var root filterNode
	if err == nil {
		p := &filterParser{toks: toks}
		root, err = p.or()
		if err == nil && p.i < len(p.toks) {
			err = mistake("end", "%q where the filter should end", p.toks[p.i])
		}
	}
	if err != nil {
		err.Expr = text
		return nil, err
	}
	return &Filter{text: text, root: root}, nil
}

// filterTokens splits on spaces and around parentheses and "!".
func filterTokens(s string) []string {
	for _, sep := range []string{"(", ")", "!", "&&", "||"} {
		s = strings.ReplaceAll(s, sep, " "+sep+" ")
	}
	return strings.Fields(s)
}

type filterParser struct {
	toks []string
	i    int
	// last is the primitive before, whose qualifiers a bare address or
	// port takes.
	last struct {
		dir, kind string
		proto     uint8
	}
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i])
	}
	return ""
}

func (p *filterParser) next() string { t := p.peek(); p.i++; return t }

// or and and read operands joined by their operator, left to right; and
// binds tighter, as in pcap-filter(7).
func (p *filterParser) or() (filterNode, *FilterError) {
	return p.joined("or", "||", p.and, func(a, b filterNode) filterNode { return orNode{a, b} })
}

func (p *filterParser) and() (filterNode, *FilterError) {
	return p.joined("and", "&&", p.unary, func(a, b filterNode) filterNode { return andNode{a, b} })
}

func (p *filterParser) joined(word, symbol string, operand func() (filterNode, *FilterError), join func(a, b filterNode) filterNode) (filterNode, *FilterError) {
	a, err := operand()
	for err == nil && (p.peek() == word || p.peek() == symbol) {
		p.next()
		var b filterNode
		if b, err = operand(); err == nil {
			a = join(a, b)
		}
	}
	return a, err
}

func (p *filterParser) unary() (filterNode, *FilterError) {
	switch p.peek() {
	case "not", "!":
		p.next()
		a, err := p.unary()
		return notNode{a}, err
	case "(":
		p.next()
		a, err := p.or()
		if err == nil && p.next() != ")" {
			err = mistake("paren", "a parenthesis not closed")
		}
		return a, err
	case "":
		return nil, mistake("short", "it ends where a primitive should come")
	}
	return p.primitive()
}

func (p *filterParser) primitive() (filterNode, *FilterError) {
	var proto uint8
	dir, kind := "", ""
	switch p.peek() {
	case "tcp", "udp":
		proto = 6
		if p.next() == "udp" {
			proto = 17
		}
		if !p.qualifierNext() {
			p.last.proto, p.last.kind = proto, ""
			return protoNode{proto}, nil
		}
	case "ip", "ip6":
		return v6Node{p.next() == "ip6"}, nil
	}
	if t := p.peek(); t == "src" || t == "dst" {
		dir = p.next()
	}
	switch t := p.peek(); t {
	case "host", "net", "port", "portrange":
		kind = p.next()
	case "":
		return nil, mistake("short", "it ends where a primitive should come")
	default:
		if dir == "" && proto == 0 && p.last.kind != "" {
			// "port 25 or 587": the qualifiers of the primitive before.
			dir, kind, proto = p.last.dir, p.last.kind, p.last.proto
		} else if dir != "" || proto != 0 {
			kind = "host" // "src 10.0.0.1"
		} else {
			return nil, mistake("word", "unknown word %q", p.toks[p.i])
		}
	}
	id := p.next()
	if id == "" {
		return nil, mistake("nothing", "%s names nothing", kind)
	}
	p.last.dir, p.last.kind, p.last.proto = dir, kind, proto
	switch kind {
	case "host", "net":
		pre, err := filterPrefix(id, kind == "host")
		if err != nil {
			return nil, err
		}
		n := filterNode(hostNode{dir, pre})
		if proto != 0 {
			n = andNode{protoNode{proto}, n}
		}
		return n, nil
	}
	low, top, err := filterPorts(id, kind == "portrange")
	return portNode{dir: dir, proto: proto, low: low, top: top}, err
}

// qualifierNext says whether a primitive's qualifier follows "tcp" or
// "udp" ("tcp port 25"), rather than an operator or the end ("tcp").
func (p *filterParser) qualifierNext() bool {
	switch p.peek() {
	case "src", "dst", "host", "net", "port", "portrange":
		return true
	}
	return false
}

// filterPrefix reads an address (host) or a network: CIDR, an address,
// or a dotted IPv4 prefix of one to three bytes ("10.1" is 10.1.0.0/16).
func filterPrefix(id string, host bool) (netip.Prefix, *FilterError) {
	if a, err := netip.ParseAddr(id); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	if host {
		return netip.Prefix{}, mistake("address", "%q is no address (names are not resolved)", id)
	}
	if pre, err := netip.ParsePrefix(id); err == nil {
		return pre.Masked(), nil
	}
	parts := strings.Split(id, ".")
	if len(parts) < 4 {
		var b [4]byte
		ok := true
		for i, s := range parts {
			v, err := strconv.ParseUint(s, 10, 8)
			ok = ok && err == nil
			b[i] = byte(v)
		}
		if ok {
			return netip.PrefixFrom(netip.AddrFrom4(b), 8*len(parts)), nil
		}
	}
	return netip.Prefix{}, mistake("network", "%q is no network", id)
}

// namedPort is a port a mail filter names, as /etc/services does.
func namedPort(name string) (uint16, bool) {
	switch name {
	case "smtp":
		return 25, true
	case "submission":
		return 587, true
	case "submissions", "smtps":
		return 465, true
	case "pop3":
		return 110, true
	case "pop3s":
		return 995, true
	case "imap", "imap2":
		return 143, true
	case "imaps":
		return 993, true
	case "lmtp":
		return 24, true
	case "domain":
		return 53, true
	}
	return 0, false
}

func filterPorts(id string, isRange bool) (uint16, uint16, *FilterError) {
	one := func(s string) (uint16, *FilterError) {
		if v, ok := namedPort(s); ok {
			return v, nil
		}
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return 0, mistake("port", "%q is no port", s)
		}
		return uint16(v), nil
	}
	if !isRange {
		v, err := one(id)
		return v, v, err
	}
	a, b, ok := strings.Cut(id, "-")
	if !ok {
		return 0, 0, mistake("range", "portrange %q: want LOW-HIGH", id)
	}
	low, err := one(a)
	if err != nil {
		return 0, 0, err
	}
	top, err := one(b)
	if err != nil {
		return 0, 0, err
	}
	return min(low, top), max(low, top), nil
}
