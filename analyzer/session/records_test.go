package session

import (
	"testing"
	"unsafe"
)

// TestARecordACommand: a command and its exchange, allocated as one
// (NewExchange), fit in Go's 224-byte size class: a flood of commands
// allocates one such record each, and a field that pushes it to the next
// class costs every one of them 16 bytes more. Add fields knowing it.
func TestARecordACommand(t *testing.T) {
	if n := unsafe.Sizeof(Exchange{}) + unsafe.Sizeof(Command{}); n > 224 {
		t.Errorf("an exchange and its command take %d bytes, past 224", n)
	}
	e := NewExchange(Command{Verb: "NOOP"})
	if e.Command == nil || e.Command.Verb != "NOOP" {
		t.Errorf("NewExchange's command: %+v", e.Command)
	}
}
