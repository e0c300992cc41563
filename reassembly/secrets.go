package reassembly

import (
	"encoding/binary"
	"io"
)

// pcapng's Decryption Secrets Block (draft-ietf-opsawg-pcapng §4.7), as
// editcap --inject-secrets writes it: a secrets type, a length and the
// secrets, for TLS the lines of a key log.
const (
	blockSection     = 0x0a0d0d0a
	blockSecrets     = 0x0000000a
	secretsTLSKeyLog = 0x544c534b // "TLSK"
	byteOrderMagic   = 0x1a2b3c4d
	// maxSecretsBlock bounds one block's secrets kept; a key log line is
	// under 250 bytes, so this is some 60 000 connections.
	maxSecretsBlock = 16 << 20
)

// secretsTap passes a pcapng stream through unchanged and hands the TLS
// key logs of its Decryption Secrets Blocks to found, wherever in the
// file they are: pcapgo reads them but keeps them to itself. It follows
// only block headers, so its work per byte is a copy.
type secretsTap struct {
	r     io.Reader
	found func([]byte)
	order binary.ByteOrder
	hdr   [12]byte // a block's type, length and (for a section) byte-order magic
	have  int      // header bytes so far
	left  int64    // bytes of the current block after its header
	keep  bool     // the current block is a secrets block, kept to be read
	block []byte
	bad   bool // lengths no longer make sense: pass bytes only
}

func (t *secretsTap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.follow(p[:n])
	return n, err
}

func (t *secretsTap) follow(b []byte) {
	for len(b) > 0 && !t.bad {
		if t.left == 0 {
			c := copy(t.hdr[t.have:], b)
			t.have += c
			b = b[c:]
			if t.have < len(t.hdr) {
				return
			}
			t.header()
			continue
		}
		c := min(int64(len(b)), t.left)
		if t.keep {
			t.block = append(t.block, b[:c]...)
		}
		t.left -= c
		b = b[c:]
		if t.left == 0 && t.keep {
			t.secrets(t.block)
			t.block, t.keep = nil, false
		}
	}
}

// header reads a block's first 12 bytes: its type and total length, and
// for a section header the byte order of what follows.
func (t *secretsTap) header() {
	t.have = 0
	if binary.LittleEndian.Uint32(t.hdr[:4]) == blockSection {
		switch {
		case binary.LittleEndian.Uint32(t.hdr[8:]) == byteOrderMagic:
			t.order = binary.LittleEndian
		case binary.BigEndian.Uint32(t.hdr[8:]) == byteOrderMagic:
			t.order = binary.BigEndian
		default:
			t.bad = true
			return
		}
	}
	if t.order == nil {
		t.bad = true
		return
	}
	total := int64(t.order.Uint32(t.hdr[4:8]))
	if total < 12 || total%4 != 0 {
		t.bad = true
		return
	}
	t.left = total - 12
	t.keep = t.order.Uint32(t.hdr[:4]) == blockSecrets && total <= maxSecretsBlock
	if t.keep {
		// The header's last 4 bytes are already the block's first field.
		t.block = append(t.block[:0], t.hdr[8:]...)
	}
	if t.left == 0 && t.keep {
		t.secrets(t.block)
		t.keep = false
	}
}

// secrets reads a secrets block's body: type, length, the secrets.
func (t *secretsTap) secrets(b []byte) {
	if len(b) < 8 || t.order.Uint32(b[:4]) != secretsTLSKeyLog {
		return
	}
	n := int(t.order.Uint32(b[4:8]))
	if n > len(b)-8 {
		return
	}
	t.found(b[8 : 8+n])
}
