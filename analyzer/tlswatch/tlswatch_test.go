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

// tlsStream is a TLS 1.2 client's first flight and more: a ClientHello,
// change_cipher_spec, an encrypted Finished, application data and an
// alert, each record with its payload.
func tlsStream() ([]byte, []Record) {
	recs := []Record{
		{Type: 22, Version: 0x0301, Length: 7, Handshake: 1},
		{Type: 20, Version: 0x0303, Length: 1, Handshake: -1},
		{Type: 22, Version: 0x0303, Length: 3, Handshake: Encrypted},
		{Type: 23, Version: 0x0303, Length: 300, Handshake: -1},
		{Type: 21, Version: 0x0303, Length: 2, Handshake: -1},
	}
	var b []byte
	for i := range recs {
		recs[i].Offset = int64(len(b))
		r := recs[i]
		b = append(b, r.Type, byte(r.Version>>8), byte(r.Version), byte(r.Length>>8), byte(r.Length))
		payload := make([]byte, r.Length)
		for j := range payload {
			payload[j] = 0xaa
		}
		if r.Handshake == 1 {
			payload[0] = 1
		}
		b = append(b, payload...)
	}
	return b, recs
}

func TestRecordsWhateverTheCuts(t *testing.T) {
	b, want := tlsStream()
	// Every cut in two, and byte by byte: the headers are the same.
	for cut := 0; cut <= len(b); cut++ {
		var r Records
		got := append(r.Feed(b[:cut]), r.Feed(b[cut:])...)
		if !sameRecords(got, want) {
			t.Fatalf("cut at %d: got %+v, want %+v", cut, got, want)
		}
	}
	var r Records
	var got []Record
	for i := range b {
		got = append(got, r.Feed(b[i:i+1])...)
	}
	if !sameRecords(got, want) {
		t.Fatalf("byte by byte: got %+v, want %+v", got, want)
	}
}

func sameRecords(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRecordsStop(t *testing.T) {
	b, want := tlsStream()
	var r Records
	// A server answering in clear on an implicit-TLS port.
	got := r.Feed([]byte("220 mail ESMTP\r\n"))
	// Once stopped, even a good record after it is not read.
	got = append(got, r.Feed(b)...)
	if len(got) != 0 {
		t.Errorf("clear text read as records: %+v", got)
	}
	// After a gap, lengths no longer lead to headers.
	r = Records{}
	got = r.Feed(b[:want[3].Offset+10])
	r.Lost()
	got = append(got, r.Feed(b[want[4].Offset:])...)
	if len(got) != 4 {
		t.Errorf("records read after a gap: %+v", got)
	}
}

// FuzzRecords: whatever the bytes, the records read do not depend on
// where TCP cut them, and each starts past the previous one's end.
func FuzzRecords(f *testing.F) {
	b, _ := tlsStream()
	f.Add(b, uint16(7))
	f.Add([]byte("220 clear\r\n"), uint16(1))
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		var whole, split Records
		want := whole.Feed(b)
		c := int(cut) % (len(b) + 1)
		got := append(split.Feed(b[:c]), split.Feed(b[c:])...)
		// A handshake record whose payload has not begun is held back:
		// both readers saw the same bytes, so both hold it or neither.
		if !sameRecords(got, want) {
			t.Fatalf("cut at %d: %+v, whole: %+v", c, got, want)
		}
		end := int64(0)
		for _, r := range want {
			if r.Offset < end {
				t.Fatalf("record at %d before the previous one's end %d", r.Offset, end)
			}
			end = r.Offset + 5 + int64(r.Length)
		}
	})
}
