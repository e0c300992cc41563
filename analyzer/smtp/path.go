package smtp

import "strings"

// path is a reverse-path or forward-path with its parameters (RFC 5321
// §4.1.2): "<" [ A-d-l ":" ] Mailbox ">" then SP-separated esmtp-params.
type path struct {
	addr   string            // the mailbox, local part as sent; "" for the null path <>
	route  string            // a source route, "@a,@b", obsolete but allowed
	params map[string]string // keyword (upper case) to value, "" without one
}

// parsePath reads the arguments of MAIL ("FROM:") or RCPT ("TO:"). It
// tolerates what people at a telnet prompt send: a space after the
// colon, no angle brackets. A quoted local part may hold ">" and spaces
// (RFC 5321 §4.1.2 Quoted-string); UTF-8 (RFC 6531) is kept as sent.
func parsePath(args, prefix string) path {
	a := strings.TrimLeft(args, " ")
	if len(a) >= len(prefix) && strings.EqualFold(a[:len(prefix)], prefix) {
		a = a[len(prefix):]
	}
	a = strings.TrimLeft(a, " ")
	var p path
	rest := ""
	if strings.HasPrefix(a, "<") {
		i := 1
		if i < len(a) && a[i] == '@' {
			if colon := strings.IndexByte(a, ':'); colon > 0 {
				p.route, i = a[1:colon], colon+1
			}
		}
		start := i
		if i < len(a) && a[i] == '"' {
			for i++; i < len(a) && a[i] != '"'; i++ {
				if a[i] == '\\' {
					i++
				}
			}
		}
		end := strings.IndexByte(a[min(i, len(a)):], '>')
		if end < 0 {
			p.addr = a[start:]
			return p
		}
		end += min(i, len(a))
		p.addr, rest = a[start:end], a[end+1:]
	} else {
		p.addr, rest, _ = strings.Cut(a, " ")
	}
	for _, f := range strings.Fields(rest) {
		k, v, _ := strings.Cut(f, "=")
		if p.params == nil {
			p.params = map[string]string{}
		}
		p.params[strings.ToUpper(k)] = v
	}
	return p
}
