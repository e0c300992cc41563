package parts

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBase64: line breaks anywhere, any read sizes, with and without
// padding, give the bytes encoded.
func TestBase64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 2, 3, 57, 58, 1000, 100000} {
		raw := make([]byte, size)
		for i := range raw {
			raw[i] = byte(rng.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		var lines strings.Builder
		for i := 0; i < len(enc); i += 76 {
			lines.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
		}
		for _, in := range []string{lines.String(), strings.TrimRight(lines.String(), "=\r\n"), " " + enc + " \n"} {
			got, _ := io.ReadAll(newBase64(&slow{r: strings.NewReader(in), n: 1 + rng.IntN(300)}))
			if !bytes.Equal(got, raw) {
				t.Fatalf("size %d: got %d bytes, want %d", size, len(got), len(raw))
			}
			if n := newBase64(&slow{r: strings.NewReader(in), n: 1 + rng.IntN(300)}).size(); n != int64(size) {
				t.Fatalf("size %d: measured %d", size, n)
			}
		}
	}
	// Bytes outside the alphabet are skipped and counted (RFC 2045 §6.8).
	d := newBase64(strings.NewReader("aG9s\x00YQ==\r\n!!!!"))
	got, _ := io.ReadAll(d)
	if string(got) != "hola" || d.stray != 5 {
		t.Errorf("got %q, %d stray bytes; want hola, 5", got, d.stray)
	}
	// A stray byte in the middle does not stop the rest (1 000 bytes).
	raw := bytes.Repeat([]byte("0123456789"), 100)
	enc := base64.StdEncoding.EncodeToString(raw)
	d = newBase64(strings.NewReader(enc[:152] + "\r\n.\r\n" + enc[152:]))
	if got, _ := io.ReadAll(d); !bytes.Equal(got, raw) || d.stray != 1 {
		t.Errorf("got %d of %d bytes, %d stray", len(got), len(raw), d.stray)
	}
}

// slow reads at most n bytes at a time.
type slow struct {
	r io.Reader
	n int
}

func (s *slow) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

// attachment is 1 MiB as mail programs encode it: base64 in lines of 76.
func attachment() string {
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("0123456789abcdef"), 1<<16))
	var lines strings.Builder
	for i := 0; i < len(enc); i += 76 {
		lines.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	return lines.String()
}

func BenchmarkBase64(b *testing.B) {
	in := attachment()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		io.Copy(io.Discard, newBase64(strings.NewReader(in)))
	}
}

// FuzzBase64Size: the size measured without decoding is the size
// decoding gives, and the same bytes outside the alphabet are counted,
// whatever the input and however it is read.
func FuzzBase64Size(f *testing.F) {
	for _, s := range []string{"", "aGVsbG8=", "aGVsbG8", "aGVs\r\nbG8=\r\n", "aG=sbG8=", "a===", "aGVsbG8=aGVs", "====", "aGVsbA\n==\n", "x", "!!aGVsbG8!!"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		n := 1 + int(step)
		dec := newBase64(&slow{r: bytes.NewReader(in), n: n})
		want, _ := io.Copy(io.Discard, dec)
		count := newBase64(&slow{r: bytes.NewReader(in), n: n})
		if got := count.size(); got != want || count.stray != dec.stray {
			t.Fatalf("%q read %d at a time: measured %d (%d stray), decoded %d (%d stray)", in, n, got, count.stray, want, dec.stray)
		}
		// Kept and stray bytes as the table says, one at a time, read
		// whole (a reader stops at a decoding error).
		all := newBase64(bytes.NewReader(in))
		all.clean()
		var kept []byte
		stray := int64(0)
		for _, c := range in {
			switch {
			case alphabet[c]:
				kept = append(kept, c)
			case c != '\r' && c != '\n' && c != ' ' && c != '\t':
				stray++
			}
		}
		if all.stray != stray || len(in) <= cap(all.buf) && !bytes.Equal(all.buf, kept) {
			t.Fatalf("%q: kept %q, %d stray; the table says %q, %d", in, all.buf, all.stray, kept, stray)
		}
	})
}

func BenchmarkBase64Size(b *testing.B) {
	in := attachment()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		newBase64(strings.NewReader(in)).size()
	}
}

// TestAlphabetPrefix: eight bytes at a time say what the table says of
// each, for every byte in every position.
func TestAlphabetPrefix(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			w := []byte("AAAAAAAA")
			w[pos] = byte(c)
			want := 8
			if !alphabet[c] {
				want = pos
			}
			if got := alphabetPrefix(binary.LittleEndian.Uint64(w)); got != want && !(c >= 0x80 && got == 0) {
				t.Errorf("byte %#x at %d: a prefix of %d, want %d", c, pos, got, want)
			}
		}
	}
}
