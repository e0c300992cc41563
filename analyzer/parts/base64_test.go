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

// push runs in through a base64 decoder step bytes at a time; with
// decode, the bytes are decoded and returned, without, only measured.
func push(in []byte, step int, decode bool) ([]byte, int64, int64) {
	var out bytes.Buffer
	d := &b64{}
	if decode {
		d.out = &out
	}
	for i := 0; i < len(in); i += step {
		d.write(in[i:min(i+step, len(in))])
	}
	d.finish()
	return out.Bytes(), d.size(), d.stray
}

// TestBase64: line breaks anywhere, any piece sizes, with and without
// padding, give the bytes encoded; measured without decoding, their size.
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
			got, n, _ := push([]byte(in), 1+rng.IntN(300), true)
			if !bytes.Equal(got, raw) || n != int64(size) {
				t.Fatalf("size %d: got %d bytes (said %d), want %d", size, len(got), n, len(raw))
			}
			if _, n, _ := push([]byte(in), 1+rng.IntN(300), false); n != int64(size) {
				t.Fatalf("size %d: measured %d", size, n)
			}
		}
	}
	for _, tc := range []struct {
		in    string
		want  string
		stray int64
	}{
		// Bytes outside the alphabet are skipped and counted (RFC 2045
		// §6.8), after the data's end too.
		{"aG9s\x00YQ==\r\n!!!!", "hola", 5},
		// The first "=" ends the data: what follows is not decoded.
		{"aG9sYQ==aG9sYQ==", "hola", 0},
		{"aG9sYW=\r\nYQ==", "hola", 0},
		// A quantum cut short at the end gives what it holds; one
		// character holds nothing, nor does it padded.
		{"aG9sYQ", "hola", 0},
		{"aG9sY", "hol", 0},
		{"aG9sY=", "hol", 0},
		{"=aG9s", "", 0},
	} {
		for _, decode := range []bool{true, false} {
			got, n, stray := push([]byte(tc.in), 1, decode)
			if decode && string(got) != tc.want || n != int64(len(tc.want)) || stray != tc.stray {
				t.Errorf("%q (decoding %v): got %q, %d bytes, %d stray; want %q, %d stray", tc.in, decode, got, n, stray, tc.want, tc.stray)
			}
		}
	}
	// A stray byte in the middle does not stop the rest (1 000 bytes).
	raw := bytes.Repeat([]byte("0123456789"), 100)
	enc := base64.StdEncoding.EncodeToString(raw)
	if got, _, stray := push([]byte(enc[:152]+"\r\n.\r\n"+enc[152:]), 4096, true); !bytes.Equal(got, raw) || stray != 1 {
		t.Errorf("got %d of %d bytes, %d stray", len(got), len(raw), stray)
	}
}

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
	in := []byte(attachment())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		d := &b64{out: io.Discard}
		for i := 0; i < len(in); i += 16 << 10 {
			d.write(in[i:min(i+16<<10, len(in))])
		}
		d.finish()
	}
}

// FuzzBase64Size: the size measured without decoding is the size
// decoding gives, the same bytes outside the alphabet are counted, and
// neither depends on how the input comes in pieces. The stray bytes are
// those the table says.
func FuzzBase64Size(f *testing.F) {
	for _, s := range []string{"", "aGVsbG8=", "aGVsbG8", "aGVs\r\nbG8=\r\n", "aG=sbG8=", "a===", "aGVsbG8=aGVs", "====", "aGVsbA\n==\n", "x", "!!aGVsbG8!!"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		n := 1 + int(step)
		dec, want, wantStray := push(in, len(in)+1, true)
		if int64(len(dec)) != want {
			t.Fatalf("%q: decoded %d bytes, said %d", in, len(dec), want)
		}
		got, size, stray := push(in, n, true)
		if !bytes.Equal(got, dec) || stray != wantStray {
			t.Fatalf("%q in pieces of %d: decoded %q (%d stray), whole %q (%d stray)", in, n, got, stray, dec, wantStray)
		}
		if _, size, stray = push(in, n, false); size != want || stray != wantStray {
			t.Fatalf("%q in pieces of %d: measured %d (%d stray), decoded %d (%d stray)", in, n, size, stray, want, wantStray)
		}
		var table int64
		for _, c := range in {
			if !alphabet[c] && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				table++
			}
		}
		if stray != table {
			t.Fatalf("%q: %d stray; the table says %d", in, stray, table)
		}
		// Data without "=" decodes as Go's decoder decodes its
		// alphabet's bytes.
		var kept []byte
		for _, c := range in {
			if alphabet[c] {
				kept = append(kept, c)
			}
		}
		if bytes.IndexByte(kept, '=') < 0 {
			if len(kept)%4 == 1 { // one character left over holds nothing
				kept = kept[:len(kept)-1]
			}
			ref, err := base64.RawStdEncoding.DecodeString(string(kept))
			if err == nil && !bytes.Equal(ref, dec) {
				t.Fatalf("%q: decoded %q, Go's decoder %q", in, dec, ref)
			}
		}
	})
}

// FuzzLinesAsGo: the lines decoded at once (their breaks taken out, by
// the AVX2 decoder) are what Go's decoder makes of the same bytes, and
// where Go's calls them corrupt, lines declines them; counted, they read
// the same.
func FuzzLinesAsGo(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{0, 3, 34, 57, 200, 3000} {
		raw := make([]byte, size)
		for i := range raw {
			raw[i] = byte(rng.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		for _, width := range []int{76, 64, 4, 1000} {
			var lines strings.Builder
			for i := 0; i < len(enc); i += width {
				lines.WriteString(enc[i:min(i+width, len(enc))] + "\r\n")
			}
			f.Add([]byte(lines.String()))
			f.Add([]byte(strings.ReplaceAll(lines.String(), "\r\n", "\n")))
		}
	}
	f.Add([]byte("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8g\rd29y\r\n")) // a CR inside
	f.Add([]byte("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8g!d29y\r\n"))  // a byte outside
	f.Add([]byte("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8=d29y\r\n"))   // "=" before the end
	f.Add([]byte("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29\r\n"))    // a quantum cut
	f.Fuzz(func(t *testing.T, p []byte) {
		var out bytes.Buffer
		d := &b64{out: &out}
		n := d.lines(p)
		end := bytes.LastIndexByte(p, '\n') + 1
		ref := make([]byte, base64.StdEncoding.DecodedLen(end))
		m, err := base64.StdEncoding.Decode(ref, p[:end])
		switch {
		case end == 0 || err != nil:
			if n != 0 {
				t.Fatalf("%q: Go's decoder says %v; lines read %d bytes", p, err, n)
			}
		case n != end || !bytes.Equal(out.Bytes(), ref[:m]) || d.n != int64(m):
			t.Fatalf("%q: lines read %d of %d bytes, decoded %q (said %d); Go's %q", p, n, end, out.Bytes(), d.n, ref[:m])
		}
		// Counting (no out) reads as far and counts what decoding gives.
		c := &b64{}
		if k := c.lines(p); k != n || c.n != d.n || c.pad != d.pad {
			t.Fatalf("%q: counting read %d bytes, %d decoded, pad %v; decoding %d, %d, %v", p, k, c.n, c.pad, n, d.n, d.pad)
		}
	})
}

func BenchmarkBase64Size(b *testing.B) {
	in := []byte(attachment())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		d := &b64{}
		for i := 0; i < len(in); i += 16 << 10 {
			d.write(in[i:min(i+16<<10, len(in))])
		}
		d.finish()
	}
}

// TestClasses: eight bytes at a time say what the table says of each,
// for every byte below 0x80 in every position.
func TestClasses(t *testing.T) {
	for c := range 0x80 {
		for pos := range 8 {
			w := []byte("AAAAAAAA")
			w[pos] = byte(c)
			chars, pad, space := classes(binary.LittleEndian.Uint64(w))
			bit := uint64(0x80) << (8 * pos)
			wantChar := alphabet[c] && c != '='
			wantSpace := c == '\r' || c == '\n' || c == ' ' || c == '\t'
			if chars&bit != 0 != wantChar || pad&bit != 0 != (c == '=') || space&bit != 0 != wantSpace {
				t.Errorf("byte %#x at %d: char %v, pad %v, space %v", c, pos, chars&bit != 0, pad&bit != 0, space&bit != 0)
			}
			if others := highBits &^ bit; chars&others != others {
				t.Errorf("byte %#x at %d: the A beside it not a character", c, pos)
			}
		}
	}
}

// BenchmarkBase64InBlocks: an attachment as the walker hands it on, in
// blocks whose last line's break comes with the next.
func BenchmarkBase64InBlocks(b *testing.B) {
	in := []byte(attachment())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		d := &b64{out: io.Discard}
		for i := 0; i < len(in); {
			end := min(i+16<<10, len(in))
			if k := bytes.LastIndexByte(in[i:end], '\n'); k > 2 && end < len(in) {
				end = i + k - 1 // the CRLF goes with the next block
			}
			d.write(in[i:end])
			i = end
		}
		d.finish()
	}
}

// BenchmarkBase64Chunks: an attachment in chunks cut anywhere, as a
// Reader's goroutine gets it.
func BenchmarkBase64Chunks(b *testing.B) {
	in := []byte(attachment())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		d := &b64{out: io.Discard}
		for i := 0; i < len(in); i += 16<<10 - 1 {
			d.write(in[i:min(i+16<<10-1, len(in))])
		}
		d.finish()
	}
}
