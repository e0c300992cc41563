package imap

import (
	"testing"
	"unsafe"
)

// TestACommandRecord: the parser's record of an open command fits in
// Go's 128-byte size class, as session.TestARecordACommand holds the
// model's: a flood of NOOPs (the held shape) allocates one for each, and
// its four flags apart from each other took it to 160. Add fields
// knowing it.
func TestACommandRecord(t *testing.T) {
	if n := unsafe.Sizeof(command{}); n > 128 {
		t.Errorf("a command record takes %d bytes, past 128", n)
	}
}
