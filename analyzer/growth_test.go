package analyzer_test

import (
	"runtime"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

// FuzzWorkGrowsWithTheInput: no input picks a slow path. A client's and a
// server's bytes, repeated n, 2n, 8n and 16n times, go through a parser of
// each protocol, and what it allocates (the work that grew with the
// square in every slow path found so far: a string or a list rebuilt at
// each piece) must grow with the input: from 8n to 16n repetitions at
// most 32 times what it grew from n to 2n (eight, were it linear;
// sixty-four, were it quadratic). The margin is a slice of records that
// doubles in one window and not in the other, a bound reached in one:
// from 4n to 8n against n to 2n (four against sixteen), an IMAP server's
// empty lines beside a client's line never ended grew 9.4 times, linear
// all the same. Allocation, not time: the count does not depend on the
// machine, nor on what else runs.
func FuzzWorkGrowsWithTheInput(f *testing.F) {
	for _, seed := range []struct {
		proto    uint8
		cli, srv string
	}{
		{0, "NOOP\r\n", ""},
		{0, "MAIL FROM:<a@b>\r\n", "250 ok\r\n"},
		{0, "", "250-X\r\n"},
		{0, "x\n.\nMAIL FROM:<a@b>\n", ""},
		{1, "", "x\n.\n"},
		{1, "RETR 1\r\n", "+OK\r\nSubject: s\r\n\r\nbody\r\n.\r\n"},
		{2, "", "* 1 FETCH (BODY[] {1}\r\nx)\r\n"},
		{2, "", "BODY[1] {1}\r\nx "},
		{2, "a NOOP\r\n", "* 3 EXISTS\r\na OK done\r\n"},
		{2, "a1 APPEND INBOX {1+}\r\nx ", ""},
		{2, "", "* \n"},
	} {
		f.Add(seed.proto, []byte(seed.cli), []byte(seed.srv), uint8(10))
	}
	table := analyzer.Protocols()
	var specs []proto.Spec
	for _, name := range []string{"smtp", "pop3", "imap"} {
		spec, err := table.Lookup(name)
		if err != nil {
			f.Fatal(err)
		}
		specs = append(specs, spec)
	}
	f.Fuzz(func(t *testing.T, p uint8, cli, srv []byte, reps uint8) {
		cli, srv = cli[:min(len(cli), 256)], srv[:min(len(srv), 256)]
		if len(cli)+len(srv) == 0 {
			return
		}
		spec := specs[int(p)%len(specs)]
		n := 64 + int(reps)%192
		opts := proto.Options{MaxLine: 8192}
		alloc := func(k int) uint64 {
			var steps []sessiontest.Step
			for range k {
				if len(cli) > 0 {
					steps = append(steps, sessiontest.C(string(cli)))
				}
				if len(srv) > 0 {
					steps = append(steps, sessiontest.S(string(srv)))
				}
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			sessiontest.RunSpec(spec, opts, steps...)
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		alloc(n) // what the first run allocates once (a catalog read, a table built)
		a1, a2, a8, a16 := alloc(n), alloc(2*n), alloc(8*n), alloc(16*n)
		first := max(int64(a2)-int64(a1), 0)
		last := max(int64(a16)-int64(a8), 0)
		const slack = 64 << 10 // a slice doubled once, a buffer of the parser's
		if last > 32*first+slack {
			t.Errorf("%s, %q and %q: %d bytes allocated for %d repetitions, %d for %d, %d for %d, %d for %d: from 8n to 16n %d, from n to 2n %d",
				spec.Name, cli, srv, a1, n, a2, 2*n, a8, 8*n, a16, 16*n, last, first)
		}
	})
}
