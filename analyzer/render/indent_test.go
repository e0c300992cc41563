package render

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomValue is a JSON value of maps, slices, strings (quotes,
// backslashes, control bytes, UTF-8), numbers, booleans and nulls.
func randomValue(rng *rand.Rand, depth int) any {
	switch k := rng.IntN(9); {
	case k < 2 && depth < 5:
		m := map[string]any{}
		for range rng.IntN(4) {
			m[randomString(rng)] = randomValue(rng, depth+1)
		}
		return m
	case k < 4 && depth < 5:
		s := make([]any, rng.IntN(4))
		for i := range s {
			s[i] = randomValue(rng, depth+1)
		}
		return s
	case k < 6:
		return randomString(rng)
	case k == 6:
		return rng.NormFloat64() * 1e6
	case k == 7:
		return rng.IntN(2) == 0
	}
	return nil
}

func randomString(rng *rand.Rand) string {
	pieces := []string{`"`, `\`, `\\`, `\"`, "a", "ñ", "\x01", "\n", "<", "{", "[", ",", ":", " ", "\u2028"}
	var b strings.Builder
	for range rng.IntN(8) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

// TestIndentAsEncodingJSON: what indentJSON writes is what
// encoding/json's indenting Encoder writes, byte for byte.
func TestIndentAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 20000 {
		v := randomValue(rng, 0)
		for _, style := range [][2]string{{"", "  "}, {"    ", "  "}, {"", "\t"}} {
			var want, compact bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent(style[0], style[1])
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			enc = json.NewEncoder(&compact)
			enc.SetEscapeHTML(false)
			enc.Encode(v)
			got := append(indentJSON(nil, bytes.TrimSuffix(compact.Bytes(), []byte("\n")), style[0], style[1]), '\n')
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("value %d %q: got\n%s\nwant\n%s", i, style, got, want.Bytes())
			}
		}
	}
}

func BenchmarkIndent(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	var vs []any
	for range 200 {
		vs = append(vs, randomValue(rng, 0))
	}
	compact, _ := json.Marshal(vs)
	b.SetBytes(int64(len(compact)))
	b.Run("indentJSON", func(b *testing.B) {
		var dst []byte
		for b.Loop() {
			dst = indentJSON(dst[:0], compact, "", "  ")
		}
	})
	b.Run("json.Indent", func(b *testing.B) {
		var dst bytes.Buffer
		for b.Loop() {
			dst.Reset()
			json.Indent(&dst, compact, "", "  ")
		}
	})
}
