// Package where reads --where, a filter of sessions over the session
// model, so that a view shows the sessions that matter and no others:
//
//	protocol=imap and user=alumnoimap
//	finding=cleartext-credentials or code=535
//	subject~informe and not tls=starttls
//
// A condition is FIELD OP VALUE: = (equal), != (not equal) or ~ (holds,
// as a substring); case does not matter. Conditions join with and, or,
// not and parentheses; and binds tighter than or. A value with spaces
// goes in double quotes. A field that holds several values (a session's
// users, its reply codes) matches when any of them does, and != when
// none does.
package where

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Fields are the names a condition may use, and what each holds.
func Fields() []Field {
	return []Field{
		{"protocol", "smtp, pop3, imap, lmtp", func(s *session.Session) []string { return []string{string(s.Protocol)} }},
		{"user", "the user names of its authentications", users},
		{"finding", "the kinds of its findings (cleartext-credentials, ...)", findings},
		{"code", "its replies' status: 250, 535, +OK, -ERR, OK, NO, BAD", codes},
		{"command", "its commands' verbs: EHLO, RETR, FETCH", verbs},
		{"subject", "its messages' subjects", subjects},
		{"address", "its messages' addresses: envelope sender and recipients, From, To, Cc", addresses},
		{"host", "the client's or the server's address", hosts},
		{"port", "the server's port", func(s *session.Session) []string { return []string{port(s.Server)} }},
		{"tls", "none, starttls, implicit", func(s *session.Session) []string { return []string{s.TLS} }},
		{"state", "closed, reset, open, evicted", func(s *session.Session) []string { return []string{s.State} }},
	}
}

// Field is a name a condition may use, what it means, and its values in
// a session.
type Field struct {
	Name, Doc string
	values    func(s *session.Session) []string
}

// Filter is a compiled --where.
type Filter struct{ root node }

// Match tells whether session s passes.
func (f *Filter) Match(s *session.Session) bool { return f.root.match(s) }

type node interface{ match(s *session.Session) bool }

type (
	andNode  struct{ a, b node }
	orNode   struct{ a, b node }
	notNode  struct{ a node }
	condNode struct {
		field Field
		op    string
		value string
	}
)

func (n andNode) match(s *session.Session) bool { return n.a.match(s) && n.b.match(s) }
func (n orNode) match(s *session.Session) bool  { return n.a.match(s) || n.b.match(s) }
func (n notNode) match(s *session.Session) bool { return !n.a.match(s) }

func (n condNode) match(s *session.Session) bool {
	hit := false
	for _, v := range n.field.values(s) {
		v = strings.ToLower(v)
		if n.op == "~" && strings.Contains(v, n.value) || n.op != "~" && v == n.value {
			hit = true
			break
		}
	}
	if n.op == "!=" {
		return !hit
	}
	return hit
}

// maxTokens bounds an expression, and so its parsing's depth.
const maxTokens = 1000

// Error is a mistake in an expression: Key says which (a catalog can say
// it in another language, "ui.where."+Key), Args fill it.
type Error struct {
	Expr string
	Key  string
	Args []any
	text string // in English
}

func (e *Error) Error() string {
	return fmt.Sprintf("--where %q: %s (FIELD=VALUE, FIELD!=VALUE or FIELD~VALUE, with and, or, not, parentheses; fields: %s)",
		e.Expr, e.text, FieldNames())
}

// FieldNames lists the fields, for messages.
func FieldNames() string {
	var names []string
	for _, f := range Fields() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// mistake is the Error key, said in English by format.
func mistake(key, format string, args ...any) *Error {
	return &Error{Key: key, Args: args, text: fmt.Sprintf(format, args...)}
}

// Parse reads an expression; its errors (*Error) say which word is
// wrong and what the fields are.
func Parse(text string) (*Filter, error) {
	toks, err := tokens(text)
	if err == nil && len(toks) == 0 {
		err = mistake("empty", "empty")
	}
	if err == nil && len(toks) > maxTokens {
		err = mistake("long", "longer than %d words", maxTokens)
	}
	var root node
	if err == nil {
		p := &parser{toks: toks}
		root, err = p.or()
		if err == nil && p.i < len(p.toks) {
			err = mistake("end", "%q where the expression should end", p.toks[p.i].text)
		}
	}
	if err != nil {
		err.Expr = text
		return nil, err
	}
	return &Filter{root: root}, nil
}

type token struct {
	text   string
	quoted bool
}

// tokens splits text into words, quoted strings, parentheses and the
// operators =, != and ~.
func tokens(text string) ([]token, *Error) {
	var out []token
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')' || c == '=' || c == '~':
			out = append(out, token{text: text[i : i+1]})
			i++
		case c == '!' && i+1 < len(text) && text[i+1] == '=':
			out = append(out, token{text: "!="})
			i += 2
		case c == '"':
			j := strings.IndexByte(text[i+1:], '"')
			if j < 0 {
				return nil, mistake("quote", "a quote not closed")
			}
			out = append(out, token{text: text[i+1 : i+1+j], quoted: true})
			i += j + 2
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t()=~!\"", rune(text[j])) {
				j++
			}
			if j == i {
				return nil, mistake("char", "%q where a word should come", text[i:i+1])
			}
			out = append(out, token{text: text[i:j]})
			i = j
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	i    int
}

// word is the next token as an operator or keyword ("" for a quoted
// string, which is always a value).
func (p *parser) word() string {
	if p.i < len(p.toks) && !p.toks[p.i].quoted {
		return strings.ToLower(p.toks[p.i].text)
	}
	return ""
}

func (p *parser) or() (node, *Error) {
	return p.joined("or", p.and, func(a, b node) node { return orNode{a, b} })
}

func (p *parser) and() (node, *Error) {
	return p.joined("and", p.unary, func(a, b node) node { return andNode{a, b} })
}

func (p *parser) joined(word string, operand func() (node, *Error), join func(a, b node) node) (node, *Error) {
	a, err := operand()
	for err == nil && p.word() == word {
		p.i++
		var b node
		if b, err = operand(); err == nil {
			a = join(a, b)
		}
	}
	return a, err
}

func (p *parser) unary() (node, *Error) {
	switch p.word() {
	case "not":
		p.i++
		a, err := p.unary()
		return notNode{a}, err
	case "(":
		p.i++
		a, err := p.or()
		if err == nil && p.word() != ")" {
			err = mistake("paren", "a parenthesis not closed")
		}
		p.i++
		return a, err
	}
	return p.condition()
}

func (p *parser) condition() (node, *Error) {
	if p.i >= len(p.toks) {
		return nil, mistake("short", "it ends where a condition should come")
	}
	name := p.word()
	var field *Field
	for _, f := range Fields() {
		if f.Name == name {
			field = &f
		}
	}
	if field == nil {
		return nil, mistake("field", "no field %q", p.toks[p.i].text)
	}
	p.i++
	op := p.word()
	if op != "=" && op != "!=" && op != "~" {
		return nil, mistake("op", "%s wants =, != or ~ after it", name)
	}
	p.i++
	if p.i >= len(p.toks) {
		return nil, mistake("value", "%s%s wants a value", name, op)
	}
	value := strings.ToLower(p.toks[p.i].text)
	p.i++
	return condNode{field: *field, op: op, value: value}, nil
}

func users(s *session.Session) []string {
	var out []string
	for _, a := range s.Auth {
		out = append(out, a.Username)
	}
	return out
}

func findings(s *session.Session) []string {
	var out []string
	for _, f := range s.Findings {
		out = append(out, f.Kind)
	}
	return out
}

func codes(s *session.Session) []string {
	var out []string
	for _, e := range s.Exchanges {
		if e.Response != nil {
			out = append(out, e.Response.Status)
		}
	}
	return out
}

func verbs(s *session.Session) []string {
	var out []string
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Command.Kind == session.KindCommand {
			out = append(out, e.Command.Verb)
		}
	}
	return out
}

func subjects(s *session.Session) []string {
	var out []string
	for _, m := range s.Messages {
		out = append(out, m.Subject)
	}
	return out
}

func addresses(s *session.Session) []string {
	var out []string
	for _, m := range s.Messages {
		out = append(out, m.MailFrom, m.From, m.To, m.Cc)
		out = append(out, m.RcptTo...)
	}
	return out
}

func hosts(s *session.Session) []string {
	var out []string
	for _, hp := range []string{s.Client, s.Server} {
		if ap, err := netip.ParseAddrPort(hp); err == nil {
			out = append(out, ap.Addr().String())
		}
	}
	return out
}

func port(hp string) string {
	if ap, err := netip.ParseAddrPort(hp); err == nil {
		return strconv.Itoa(int(ap.Port()))
	}
	return ""
}
