package main

import (
	"io"
	"testing"

	"github.com/spf13/pflag"
)

// TestHashesWhereShown: a part's SHA-256 (decoding the part to hash it)
// is paid for by the views that show it (the timeline, JSON, the report,
// the store) and by none of the others; the ladder reads no part at all
// besides (TestViewsThatNeedNoParts).
func TestHashesWhereShown(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		report bool
		shown  bool
	}{
		{nil, false, true},
		{[]string{"--full"}, false, true},
		{[]string{"--json"}, false, true},
		{[]string{"--jsonl"}, false, true},
		{nil, true, true},
		{[]string{"--stats"}, false, false},
		{[]string{"--summary"}, false, false},
		{[]string{"--compare"}, false, false},
		{[]string{"--journey"}, false, false},
		{[]string{"--follow"}, false, false},
		{[]string{"--ladder"}, false, false},
	} {
		var o viewOptions
		f := pflag.NewFlagSet("read", pflag.ContinueOnError)
		o.register(f)
		if err := f.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		o.report, o.color = tc.report, "never"
		out, topts, err := newOutput(o, false, io.Discard, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		out.close()
		if hashed := !topts.Parse.NoHashes; hashed != tc.shown {
			t.Errorf("%v (report %v): parts hashed %v, want %v", tc.args, tc.report, hashed, tc.shown)
		}
	}
}
