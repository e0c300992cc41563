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
