package reassembly

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"os"
	"testing"
)

// secretsBlock is a pcapng Decryption Secrets Block holding keylog.
func secretsBlock(order binary.AppendByteOrder, keylog string) []byte {
	body := order.AppendUint32(nil, secretsTLSKeyLog)
	body = order.AppendUint32(body, uint32(len(keylog)))
	return ngBlock(order, blockSecrets, append(body, keylog...))
}

// sectionHeader is a pcapng Section Header Block with no options.
func sectionHeader(order binary.AppendByteOrder) []byte {
	b := order.AppendUint32(nil, blockSection)
	b = order.AppendUint32(b, 28)
	b = order.AppendUint32(b, byteOrderMagic)
	b = order.AppendUint16(b, 1)
	b = order.AppendUint16(b, 0)
	b = order.AppendUint64(b, ^uint64(0))
	return order.AppendUint32(b, 28)
}

// The reader finds every secrets block, in either byte order, however
// the reads cut the stream.
func TestSecretsBlocks(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		file := sectionHeader(order)
		file = append(file, secretsBlock(order, "CLIENT_RANDOM a b\n")...)
		file = append(file, secretsBlock(order, "CLIENT_RANDOM c d\n")...)
		for _, cut := range []int{1, 3, 7, 4096} {
			var found [][]byte
			r, err := newNgReader(&input{r: bufio.NewReaderSize(&pieces{b: file, n: cut}, 16)}, func(k []byte) { found = append(found, k) })
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.next(); err != io.EOF {
				t.Fatalf("%v cut %d: %v, not the end", order, cut, err)
			}
			if len(found) != 2 || string(found[0])+string(found[1]) != "CLIENT_RANDOM a b\nCLIENT_RANDOM c d\n" {
				t.Errorf("%v cut %d: found %q", order, cut, found)
			}
		}
	}
}

// pieces reads b at most n bytes at a time.
type pieces struct {
	b []byte
	n int
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), p.n)], p.b)
	p.b = p.b[n:]
	return n, nil
}

// The recorded sample's key log, injected by editcap, reaches the
// callback before the packets after it, from the file as it is and
// gzipped.
func TestSecretsFromSample(t *testing.T) {
	data, err := os.ReadFile("../samples/tls-secrets.pcapng")
	if err != nil {
		t.Skip(err)
	}
	want, err := os.ReadFile("../samples/tls-keylog.keys")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	for name, file := range map[string][]byte{"pcapng": data, "gzip": gz.Bytes()} {
		o := DefaultOptions()
		var keylog []byte
		rec := &recorder{}
		o.Secrets = func(k []byte) {
			rec.mu.Lock()
			if len(rec.conns) > 0 {
				t.Errorf("%s: secrets came after packets", name)
			}
			rec.mu.Unlock()
			keylog = append(keylog, k...)
		}
		r := NewReader(o, rec, nil)
		if _, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(file)}}); err != nil {
			t.Fatal(err)
		}
		if len(rec.conns) == 0 {
			t.Errorf("%s: no connection", name)
		}
		if string(keylog) != string(want) {
			t.Errorf("%s: secrets block holds %d bytes, the key log %d", name, len(keylog), len(want))
		}
	}
}
