// Package proto is what a mail protocol is to mailtrace: a Spec that names
// it, its ports, how to recognize it by content and how to build its
// parser, gathered in a Table that the tracker, the statistics and the
// command line all read; and the scaffolding its parser shares with the
// others (Conn).
//
// Adding a protocol is one package that offers a Spec, plus one line where
// the table is built (analyzer.Protocols).
package proto

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Spec describes one protocol.
type Spec struct {
	Name session.Protocol
	// Ports are the server ports where it is spoken in clear.
	Ports []uint16
	// TLSPorts are the server ports where it is spoken over implicit TLS.
	TLSPorts []uint16
	// Detect reports whether srv, the first bytes a server sent, and cli,
	// the client's, open a session of this protocol. It may see few bytes
	// and is asked again as more arrive.
	Detect func(srv, cli []byte) bool
	// New returns a parser that fills env.Session.
	New func(env Env) Parser
}

// Table holds the protocols mailtrace knows, in the order they are listed
// in statistics, and which protocol each server port speaks. Each run
// builds its own: flags change its ports.
type Table struct {
	specs []Spec
	ports map[uint16]port
}

type port struct {
	spec int // index into specs
	tls  bool
}

// NewTable returns a table of specs, in that order.
func NewTable(specs ...Spec) *Table {
	t := &Table{ports: map[uint16]port{}}
	for _, s := range specs {
		t.Register(s)
	}
	return t
}

// Register adds a protocol after those already registered; its ports
// take over from any protocol that had them.
func (t *Table) Register(s Spec) {
	t.specs = append(t.specs, s)
	i := len(t.specs) - 1
	for _, p := range s.Ports {
		t.ports[p] = port{spec: i}
	}
	for _, p := range s.TLSPorts {
		t.ports[p] = port{spec: i, tls: true}
	}
}

// Specs lists the protocols in order.
func (t *Table) Specs() []Spec { return t.specs }

// Names lists the protocols' names in order.
func (t *Table) Names() []session.Protocol {
	names := make([]session.Protocol, len(t.specs))
	for i, s := range t.specs {
		names[i] = s.Name
	}
	return names
}

// Lookup finds a protocol by name, in any case.
func (t *Table) Lookup(name string) (Spec, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, s := range t.specs {
		if string(s.Name) == name {
			return s, nil
		}
	}
	names := make([]string, len(t.specs))
	for i, s := range t.specs {
		names[i] = string(s.Name)
	}
	return Spec{}, fmt.Errorf("unknown protocol %q (want %s)", name, strings.Join(names, ", "))
}

// SetPort makes port a port where protocol name is spoken in clear.
func (t *Table) SetPort(name string, p uint16) error {
	for i, s := range t.specs {
		if string(s.Name) == strings.ToLower(strings.TrimSpace(name)) {
			t.ports[p] = port{spec: i}
			return nil
		}
	}
	_, err := t.Lookup(name)
	return err
}

// ByPort says which protocol a server port speaks, and whether over
// implicit TLS.
func (t *Table) ByPort(p uint16) (s Spec, tls, ok bool) {
	e, ok := t.ports[p]
	if !ok {
		return Spec{}, false, false
	}
	return t.specs[e.spec], e.tls, true
}

// Ports lists every server port in the table, in order.
func (t *Table) Ports() []uint16 {
	out := make([]uint16, 0, len(t.ports))
	for p := range t.ports {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Detect finds the protocol whose opening srv and cli are, in table order.
func (t *Table) Detect(srv, cli []byte) (Spec, bool) {
	for _, s := range t.specs {
		if s.Detect != nil && s.Detect(srv, cli) {
			return s, true
		}
	}
	return Spec{}, false
}
