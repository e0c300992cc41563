// Package sessiontest drives protocol parsers from scripted byte steps and
// describes the resulting sessions compactly, for table tests.
package sessiontest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Step is bytes sent by one side, or with Gap > 0 bytes lost.
type Step struct {
	Dir  session.Dir
	Data string
	Gap  int
}

// C and S are steps from the client and the server.
func C(s string) Step { return Step{Dir: session.FromClient, Data: s} }
func S(s string) Step { return Step{Dir: session.FromServer, Data: s} }

// T0 is the time of the first step; each step is 1ms after the previous.
var T0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// NewSession returns an empty session of protocol p.
func NewSession(p session.Protocol) *session.Session {
	return &session.Session{ID: 1, Protocol: p, Start: T0, TLS: session.TLSNone}
}

// Run feeds the steps to p, then closes it.
func Run(p proto.Parser, steps ...Step) {
	t := T0
	for _, st := range steps {
		if st.Gap > 0 {
			p.Gap(st.Dir, t, st.Gap)
		} else {
			p.Feed(st.Dir, t, []byte(st.Data))
		}
		t = t.Add(time.Millisecond)
	}
	p.Close(t)
}

// RunSpec runs the steps through a new parser of spec with opts, and
// returns the session it filled.
func RunSpec(spec proto.Spec, opts proto.Options, steps ...Step) *session.Session {
	s := NewSession(spec.Name)
	Run(spec.New(proto.Env{Session: s, Options: opts}), steps...)
	return s
}

// Bytewise splits every step into one-byte steps, as a capture of
// one-byte TCP segments would deliver them.
func Bytewise(steps []Step) []Step {
	var out []Step
	for _, st := range steps {
		if st.Gap > 0 {
			out = append(out, st)
			continue
		}
		for i := 0; i < len(st.Data); i++ {
			out = append(out, Step{Dir: st.Dir, Data: st.Data[i : i+1]})
		}
	}
	return out
}

// Pairs describes each exchange as "KIND TAG VERB ARGS => STATUS".
func Pairs(s *session.Session) []string {
	var out []string
	for _, e := range s.Exchanges {
		left := "-"
		if c := e.Command; c != nil {
			var parts []string
			if c.Kind != session.KindCommand {
				parts = append(parts, c.Kind)
			}
			for _, p := range []string{c.Tag, c.Verb, c.Args} {
				if p != "" {
					parts = append(parts, p)
				}
			}
			left = strings.Join(parts, " ")
		}
		right := "(none)"
		if e.Response != nil {
			right = e.Response.Status
		}
		out = append(out, fmt.Sprintf("%s => %s", left, right))
	}
	return out
}

// Diff returns a readable difference of two string lists, or "".
func Diff(got, want []string) string {
	var b strings.Builder
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "  [%d] got %q, want %q\n", i, g, w)
		}
	}
	return b.String()
}

// Script turns fuzzer bytes into steps: chunks separated by NUL alternate
// between server (first) and client; a chunk "\xffN" is a gap of N bytes
// in that direction.
func Script(data []byte) []Step {
	var steps []Step
	for i, chunk := range strings.Split(string(data), "\x00") {
		dir := session.FromServer
		if i%2 == 1 {
			dir = session.FromClient
		}
		if len(chunk) == 2 && chunk[0] == 0xff {
			steps = append(steps, Step{Dir: dir, Gap: int(chunk[1]) + 1})
			continue
		}
		if chunk != "" {
			steps = append(steps, Step{Dir: dir, Data: chunk})
		}
	}
	return steps
}

// Unscript is the inverse of Script for steps without gaps, to seed
// fuzzers from table tests.
func Unscript(steps []Step) []byte {
	var b strings.Builder
	cur := session.FromServer
	for _, st := range steps {
		if st.Dir != cur {
			b.WriteByte(0)
			cur = st.Dir
		}
		b.WriteString(st.Data)
	}
	return []byte(b.String())
}

// CheckSegmentation runs steps whole and split into single bytes through
// parsers of spec, and reports how the two sessions differ: how TCP cut
// the bytes must not change what was said.
func CheckSegmentation(spec proto.Spec, opts proto.Options, steps []Step) string {
	whole := RunSpec(spec, opts, steps...)
	bytewise := RunSpec(spec, opts, Bytewise(steps)...)
	if d := Diff(Pairs(bytewise), Pairs(whole)); d != "" {
		return "exchanges differ when split into bytes:\n" + d
	}
	if len(whole.Auth) != len(bytewise.Auth) || len(whole.Messages) != len(bytewise.Messages) {
		return fmt.Sprintf("auth or messages differ: %d/%d auth, %d/%d messages", len(bytewise.Auth), len(whole.Auth), len(bytewise.Messages), len(whole.Messages))
	}
	for i := range whole.Messages {
		w, b := whole.Messages[i], bytewise.Messages[i]
		if w.Size != b.Size || w.Subject != b.Subject || w.Truncated != b.Truncated || !slices.Equal(w.Flags, b.Flags) || !bytes.Equal(w.Body, b.Body) {
			return fmt.Sprintf("message %d differs: %+v vs %+v", i, b, w)
		}
	}
	// The same anomalies, in the same order: a run of lines read at once
	// (lines.Run) must flag what the lines read one by one do.
	if d := Diff(AnomalyKeys(bytewise), AnomalyKeys(whole)); d != "" {
		return "anomalies differ when split into bytes:\n" + d
	}
	return ""
}

// AnomalyKeys lists a session's anomalies as "DIRECTION KEY", in order.
func AnomalyKeys(s *session.Session) []string {
	var keys []string
	for _, a := range s.Anomalies {
		keys = append(keys, a.Dir+" "+a.Key)
	}
	return keys
}

// Fuzz runs one fuzzer input through parsers of spec: it must not panic,
// and without gaps the exchanges must not depend on how the bytes were cut
// into segments.
func Fuzz(t interface{ Fatal(...any) }, data []byte, spec proto.Spec, opts proto.Options) {
	steps := Script(data)
	for _, s := range steps {
		if s.Gap > 0 {
			RunSpec(spec, opts, steps...)
			return
		}
	}
	if d := CheckSegmentation(spec, opts, steps); d != "" {
		t.Fatal(d)
	}
}

// FuzzSpec fuzzes the parser of spec (see Fuzz) from seeds: the seed
// conversation and chunks in Script's form, each a case worth starting
// from.
func FuzzSpec(f *testing.F, spec proto.Spec, seed []Step, chunks ...string) {
	FuzzSpecWith(f, spec, nil, seed, chunks...)
}

// Oracle checks what a protocol's parser made of steps without gaps; it
// returns what is wrong, or "".
type Oracle func(steps []Step, s *session.Session) string

// FuzzSpecWith is FuzzSpec with a protocol's own oracle besides.
func FuzzSpecWith(f *testing.F, spec proto.Spec, oracle Oracle, seed []Step, chunks ...string) {
	f.Add(Unscript(seed))
	for _, c := range chunks {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Fuzz(t, data, spec, proto.Options{MaxLine: 256, KeepBodies: true})
		steps := Script(data)
		if d := CheckPastTheBound(spec, proto.Options{MaxLine: 256}, steps); d != "" {
			t.Fatal(d)
		}
		// Work per input byte is bounded by a constant: allocations are
		// its deterministic measure (a lone LF, the costliest byte the
		// parsers know, takes 3).
		if a := testing.AllocsPerRun(1, func() { RunSpec(spec, proto.Options{MaxLine: 256}, steps...) }); a > maxAllocs(len(data)) {
			t.Fatalf("%d bytes took %.0f allocations, over %.0f", len(data), a, maxAllocs(len(data)))
		}
		if oracle == nil || hasGap(steps) {
			return
		}
		if msg := oracle(steps, RunSpec(spec, proto.Options{MaxLine: 256}, steps...)); msg != "" {
			t.Fatal(msg)
		}
	})
}

// maxAllocs is the most allocations a parser may make for n bytes.
func maxAllocs(n int) float64 { return 256 + 8*float64(n) }

func hasGap(steps []Step) bool {
	for _, s := range steps {
		if s.Gap > 0 {
			return true
		}
	}
	return false
}

// ServerLines splits the server's bytes of steps into lines as a parser
// reads them: LF ends a line, a last line without one still counts.
func ServerLines(steps []Step) []string {
	var b strings.Builder
	for _, s := range steps {
		if s.Dir == session.FromServer {
			b.WriteString(s.Data)
		}
	}
	text := b.String()
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// CheckPairs runs steps through run whole and split into single bytes, and
// fails t unless both give the exchanges want.
func CheckPairs(t interface {
	Helper()
	Fatalf(string, ...any)
}, run func(...Step) *session.Session, steps []Step, want []string) {
	t.Helper()
	for _, cut := range [][]Step{steps, Bytewise(steps)} {
		if d := Diff(Pairs(run(cut...)), want); d != "" {
			t.Fatalf("exchanges differ:\n%s", d)
		}
	}
}

// CheckPastTheBound runs steps through parsers of spec with no bound on
// the exchanges a session keeps and with a bound of one, and reports how
// the exchanges they completed differ, as each was when its reply was
// complete (Completed): past the bound a record nothing holds is reused
// (proto.Conn.Record), and one reused while something still held it
// would change what an exchange said.
func CheckPastTheBound(spec proto.Spec, opts proto.Options, steps []Step) string {
	if d := Diff(Completed(spec, opts, 1, steps), Completed(spec, opts, 0, steps)); d != "" {
		return "completed exchanges differ past a bound of one (got) and without one (want):\n" + d
	}
	return ""
}

// Completed runs steps through a parser of spec in a session that keeps
// at most limit exchanges (0: all), and describes every exchange it
// completes as the events are told of it: command, reply, latency.
func Completed(spec proto.Spec, opts proto.Options, limit int, steps []Step) []string {
	s := NewSession(spec.Name)
	s.Limits.Exchanges = limit
	w := &witness{}
	Run(spec.New(proto.Env{Session: s, Options: opts, Events: w}), steps...)
	return w.seen
}

// witness describes each exchange the moment it completes.
type witness struct {
	proto.NoEvents
	seen []string
}

func (w *witness) ExchangeCompleted(_ *session.Session, e *session.Exchange) {
	var b strings.Builder
	if c := e.Command; c != nil {
		fmt.Fprintf(&b, "%s %q %q %q %q %s %d %q %v", c.Kind, c.Tag, c.Verb, c.Args, c.Line, c.Time.Format(time.StampMicro), c.Size, c.Path, c.Secret)
	}
	b.WriteString(" => ")
	if r := e.Response; r != nil {
		fmt.Fprintf(&b, "%q %q %s %d", r.Status, r.Lines, r.Time.Format(time.StampMicro), r.LinesDropped)
	}
	if e.LatencyMS != nil {
		fmt.Fprintf(&b, " %.3fms", *e.LatencyMS)
	}
	w.seen = append(w.seen, b.String())
}
