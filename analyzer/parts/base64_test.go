package parts

import (
	"bytes"
	"encoding/base64"
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

func BenchmarkBase64(b *testing.B) {
	raw := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	enc := base64.StdEncoding.EncodeToString(raw)
	var lines strings.Builder
	for i := 0; i < len(enc); i += 76 {
		lines.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	in := lines.String()
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
	})
}
