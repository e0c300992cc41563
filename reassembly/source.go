// Package reassembly turns capture files into ordered TCP byte streams.
//
// It is the only package of mailtrace that imports gopacket: it reads pcap
// and pcapng (optionally gzip-compressed), decodes link, IP and TCP headers,
// reassembles IPv4 fragments and TCP segments, and pushes the in-order bytes
// of every connection, with their capture times and any gaps, into a
// [Handler]. Everything downstream sees only standard types.
package reassembly

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// Magic numbers of the capture formats (pcap in both byte orders and
// resolutions, pcapng's section header block) and of gzip.
var (
	magicGzip     = []byte{0x1f, 0x8b}
	magicPcapngSH = []byte{0x0a, 0x0d, 0x0d, 0x0a}
)

// What a file that is no capture is, for the command line to say in its
// user's language.
var (
	ErrEmptyFile  = errors.New("empty file")
	ErrDirectory  = errors.New("is a directory")
	ErrNotCapture = errors.New("not a pcap or pcapng file")
)

// NotCapture is a file whose first bytes are no capture format's.
type NotCapture struct{ Head []byte }

func (e NotCapture) Error() string {
	return fmt.Sprintf("not a pcap or pcapng file (starts with % x)", e.Head)
}

// Is makes it a file that is no capture.
func (NotCapture) Is(target error) bool { return target == ErrNotCapture }

// TooShort is a file too short to say what it is: no capture.
type TooShort struct{ Bytes int }

func (e TooShort) Error() string { return fmt.Sprintf("not a capture file: only %d bytes", e.Bytes) }

// Is makes a file too short one that is no capture.
func (TooShort) Is(target error) bool { return target == ErrNotCapture }

// packetSource yields packets with what the file says of each.
type packetSource interface {
	next() (data []byte, p record, err error)
}

// openSource detects the format of r from its first bytes, never from a
// file name, and unwraps one layer of gzip. secrets, when not nil, is
// handed the TLS key logs a pcapng carries.
func openSource(r io.Reader, secrets func([]byte)) (packetSource, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, ErrEmptyFile
		}
		return nil, err
	}
	if bytes.HasPrefix(head, magicGzip) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bad gzip data: %v", err)
		}
		br = bufio.NewReaderSize(zr, 1<<16)
		head, _ = br.Peek(4)
	}
	return openFormat(head, &input{r: br}, secrets)
}

// openFormat opens the capture in, whose first bytes are head.
func openFormat(head []byte, in *input, secrets func([]byte)) (packetSource, error) {
	if len(head) < 4 {
		if len(head) == 0 {
			return nil, ErrEmptyFile
		}
		return nil, TooShort{Bytes: len(head)}
	}
	head = head[:4]
	if bytes.Equal(head, magicPcapngSH) {
		return newNgReader(in, secrets)
	}
	le, be := binary.LittleEndian.Uint32(head), binary.BigEndian.Uint32(head)
	if le == pcapMicro || le == pcapNano || be == pcapMicro || be == pcapNano {
		return newPcapReader(in)
	}
	return nil, NotCapture{Head: bytes.Clone(head)}
}

// counting counts the bytes read from a file, for progress.
type counting struct {
	r io.Reader
	n *int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	atomic.AddInt64(c.n, int64(n)) // read ahead, on another goroutine than the progress line's
	return n, err
}

// openPath opens a capture by path; "-" is standard input.
func openPath(path string, stdin io.Reader, counter *int64, secrets func([]byte)) (packetSource, io.Closer, error) {
	if path == "-" {
		src, err := openSource(stdin, secrets)
		return src, io.NopCloser(nil), err
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, nil, ErrDirectory
	}
	src, err := openSource(&counting{r: f, n: counter}, secrets)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return src, f, nil
}
