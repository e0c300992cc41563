package tlswatch

import "testing"

func TestWatch(t *testing.T) {
	var w Watch
	if skip, _ := w.Skip(0, []byte("EHLO x\r\n")); skip {
		t.Error("skipped bytes before any upgrade")
	}
	w.Start()
	if skip, plain := w.Skip(1, []byte{0x16, 3, 1}); !skip || plain {
		t.Errorf("a TLS record after the upgrade: skip %v plain %v, want true false", skip, plain)
	}
	if skip, _ := w.Skip(1, []byte("250 ok\r\n")); !skip {
		t.Error("later server bytes of a TLS direction were parsed")
	}
	// A decrypted export: the client's bytes after STARTTLS are in clear.
	if skip, plain := w.Skip(0, []byte("EHLO x\r\n")); skip || !plain {
		t.Errorf("clear text after the upgrade: skip %v plain %v, want false true", skip, plain)
	}
	if w.Hidden() {
		t.Error("still hidden after clear text was found")
	}
	w.Opaque()
	if skip, _ := w.Skip(0, []byte("a")); !skip || !w.Hidden() {
		t.Error("opaque stream was parsed")
	}
}
