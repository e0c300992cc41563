package imap

import (
	"strings"
	"testing"

	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

// Shapes a hostile peer can pick, on which the work per line once grew
// with the input (docs/performance.md, session 9): their MB/s must stay
// that of other IMAP traffic.

// BenchmarkSyncLiterals: one command of 20 000 synchronizing literals,
// each asked for by a "+".
func BenchmarkSyncLiterals(b *testing.B) {
	steps := []st.Step{S("* OK hi\r\n"), C("a1 SEARCH TEXT {1}\r\n")}
	for range 20000 {
		steps = append(steps, S("+ go\r\n"), C("x TEXT {1}\r\n"))
	}
	steps = append(steps, S("+ go\r\n"), C("x\r\n"), S("a1 OK done\r\n"))
	benchSteps(b, steps)
}

// BenchmarkUnknownTags: a thousand commands open, and 100 000
// completions with tags none of them has.
func BenchmarkUnknownTags(b *testing.B) {
	var cli strings.Builder
	for range maxOpen {
		cli.WriteString("a NOOP\r\n")
	}
	steps := []st.Step{S("* OK hi\r\n"), C(cli.String()), S(strings.Repeat("z OK done\r\n", 100000))}
	benchSteps(b, steps)
}

func benchSteps(b *testing.B, steps []st.Step) {
	n := 0
	for _, s := range steps {
		n += len(s.Data)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		run(steps...)
	}
}
