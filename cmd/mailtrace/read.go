package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/pipeline"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/reassembly"
)

func newReadCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var o viewOptions
	var named []string
	cmd := &cobra.Command{
		Use:   "read [flags] FILE...",
		Short: "Analyze pcap/pcapng files (\"-\" reads standard input)",
		Example: `  mailtrace read samples/smtp1.pcapng
  mailtrace read --follow --session 1 capture.pcapng
  mailtrace read --stats --proto pop3,imap day.pcap.gz
  mailtrace read --jsonl -o sessions.jsonl --port smtp=1025 test.pcapng
  tcpdump -w - port 25 | mailtrace read -r -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			args = append(named, args...)
			if len(args) == 0 {
				return usage("ui.usage.nofile", "read")
			}
			o.inputs = args
			if o.store.url != "" && len(args) > 1 && !o.store.oneTrace {
				return runParallel(cmd.Context(), o, args, stdout, stderr)
			}
			return runRead(cmd.Context(), o, args, stdin, stdout, stderr)
		},
	}
	o.register(cmd.Flags())
	cmd.Flags().StringArrayVarP(&named, "file", "r", nil, "read `FILE` (as tcpdump -r; - is standard input; repeatable), or name the files after the flags")
	cmd.Flags().BoolVar(&o.store.oneTrace, "one-trace", false, "with --clickhouse and several files, read them one after the other as one trace (by default each is a trace of its own, read in parallel)")
	return cmd
}

func runRead(ctx context.Context, o viewOptions, files []string, stdin io.Reader, stdout, stderr io.Writer) error {
	gcCtx, stopGC := context.WithCancel(ctx)
	defer stopGC()
	tuneGC(gcCtx, o.full || o.follow)
	out, topts, err := newOutput(o, false, stdout, stderr)
	if err != nil {
		return err
	}
	// Ctrl-C or SIGTERM stops the reading (ReadAll sees the context)
	// and delivery to ClickHouse: no more retries, the rest spooled by
	// the close below; main says it and exits.
	defer interruptStore(ctx, out.store)()
	tracker := analyzer.NewTracker(topts, out.sink)
	warn := warner(stderr, out.lang)
	pipe := pipeline.New(tracker)
	rd := reassembly.NewReader(o.reassemblyOptions(topts.Parse.TLSKeys, out.filter), pipe, warn)
	if p := progressLine(o, files, stderr); p != nil {
		rd.OnProgress(p.show)
		defer p.clear()
	}
	inputs := make([]reassembly.Input, len(files))
	for i, name := range files {
		inputs[i] = reassembly.Input{Path: name, Reader: stdin}
	}
	st, err := rd.ReadAll(ctx, inputs)
	pipe.Close()
	tracker.Finish()
	if err != nil && ctx.Err() != nil {
		// Interrupted: what was read is written out as at the input's
		// end, the sessions still open cut there, so the output is whole
		// and holds every session the store was given.
		if ferr := out.finish(st); ferr != nil {
			fmt.Fprintln(stderr, errorLine(ferr, out.lang))
		}
		return err
	}
	if err != nil {
		if out.store != nil {
			out.store.close() // every row not sent, into the spool, said
		}
		out.close()
		return err
	}
	if st.Truncated > 0 {
		fmt.Fprintf(stderr, explain.Say("ui.warn.truncated", out.lang)+"\n", st.Truncated)
	}
	if st.Evicted > 0 {
		fmt.Fprintf(stderr, explain.Say("ui.warn.evicted", out.lang)+"\n", st.Evicted, o.maxOpen)
	}
	if st.IPv6Fragments > 0 {
		fmt.Fprintf(stderr, explain.Say("ui.warn.ipv6frag", out.lang)+"\n", st.IPv6Fragments)
	}
	if st.FutureTimes > 0 {
		fmt.Fprintf(stderr, explain.Say("ui.warn.future", out.lang)+"\n", st.FutureTimes)
	}
	if st.UnknownLink > 0 {
		fmt.Fprintf(stderr, explain.Say("ui.warn.unknownlink", out.lang)+"\n", st.UnknownLink)
	}
	err = out.finish(st)
	if out.filtered && out.selected == 0 && out.sessions > 0 {
		fmt.Fprintf(stderr, explain.Say("ui.nomatch", out.lang)+"\n", explain.Count("ui.n.session", int64(out.sessions), out.lang), out.sessions)
	}
	if out.extract != nil {
		fmt.Fprintf(stderr, explain.Say("ui.saved", out.lang)+"\n", out.extract.Saved(), render.Escape(o.extract))
		if n := out.extract.Incomplete(); n > 0 {
			fmt.Fprintf(stderr, explain.Say("ui.saved.incomplete", out.lang)+"\n", n)
		}
		if n := out.extract.Skipped(); n > 0 {
			fmt.Fprintf(stderr, explain.Say("ui.saved.limit", out.lang)+"\n", n)
		}
	}
	return err
}

// progress shows how far the reading of large files has come, on one
// line of a terminal.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	shown bool
}

// progressMin is the size of input below which no progress is shown.
const progressMin = 8 << 20

// progressLine returns a progress line for standard error when it is a
// terminal, the files total more than progressMin and --quiet is not
// given; nil otherwise, as in pipes.
func progressLine(o viewOptions, files []string, stderr io.Writer) *progress {
	f, ok := stderr.(*os.File)
	if o.quiet || !ok || !isatty.IsTerminal(f.Fd()) {
		return nil
	}
	var total int64
	for _, name := range files {
		if st, err := os.Stat(name); err == nil {
			total += st.Size()
		}
	}
	if total < progressMin {
		return nil
	}
	return &progress{w: stderr, start: time.Now()}
}

func (p *progress) show(r reassembly.Progress) {
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last, p.shown = now, true
	mb := float64(r.Read) / 1e6
	rate := mb / max(now.Sub(p.start).Seconds(), 0.001)
	line := fmt.Sprintf("%s  %.0f MB", render.Escape(filepath.Base(r.Path)), mb)
	if r.Size > 0 {
		line += fmt.Sprintf(" of %.0f MB (%.0f%%)", float64(r.Size)/1e6, 100*float64(r.Read)/float64(r.Size))
	}
	line += fmt.Sprintf("  %.0f MB/s  %d connections", rate, r.Connections)
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

// clear takes the line away once the reading is over.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// tuneGC sets the collector for reading files, unless GOGC or GOMEMLIMIT
// say otherwise. Views that write every byte of the bodies (bodies:
// --full, --follow) collect at three times the live heap: it costs some
// MiB and saves a seventh of their time. The others collect at 1.75
// times, which keeps --stats within 32 MiB (the live heap is 4-5 MiB,
// gopacket's layer tables add 5 MiB of globals the collector counts, and
// the queues between the goroutines 2 MiB) at no cost measurable on the
// mail corpus, and past looseFrom live at 2.5 times (heapPolicy). A soft
// limit of 48 MiB keeps the peak under 64 MiB (docs/performance.md). A
// soft limit below what is live would make the collector the main work
// (a run that needs more: --json --full of a mailbox download), so the
// limit follows the live heap up, to one and a half times it, until ctx
// ends. Live capture keeps Go's defaults: its queue alone is 16 MiB.
func tuneGC(ctx context.Context, bodies bool) {
	loosen := false
	if os.Getenv("GOGC") == "" {
		percent := 75 // said always: a run before may have set another
		if bodies {
			percent = 200
		}
		debug.SetGCPercent(percent)
		loosen = !bodies
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softLimit)
		go limitFollowsHeap(ctx, softLimit, loosen)
	}
}

// looseFrom is the live heap past which the views that keep no bodies
// collect at 2.5 times it (GOGC 150), not 1.75: a session's 20 000 kept
// exchanges (a flood of commands) were marked again after every 10 MB
// allocated, a sixth of its time. Below it (the mail corpus: 4-5 MiB
// live) the tighter goal keeps --stats within 32 MiB; above it the soft
// limit still bounds the whole.
const looseFrom = 8 << 20

// softLimit is the soft memory limit of a run that reads files.
const softLimit = 48 << 20

// limitFollowsHeap sets the collector as the live heap grows (heapPolicy),
// checking every 20 ms.
func limitFollowsHeap(ctx context.Context, limit int64, loosen bool) {
	h := heapPolicy{limit: limit, loosen: loosen}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		limit, percent := h.follow(int64(sample[0].Value.Uint64()))
		if percent > 0 {
			debug.SetGCPercent(percent)
		}
		if limit > 0 {
			debug.SetMemoryLimit(limit)
		}
	}
}

// heapPolicy is how the collector follows the live heap. The soft limit
// rises to one and a half times the live heap whenever the heap passes
// three quarters of it, and never falls. (Twice the live heap let
// --follow of a million synchronizing literals, 40 MB live for a moment,
// peak at 75 MiB one run in five; at one and a half it stays under 64, as
// fast.) With loosen, past looseFrom live, the collector goes from GOGC
// 75 to 150, once.
type heapPolicy struct {
	limit  int64
	loosen bool
}

// follow takes the live heap's size and says what to set: a soft limit
// and a GC percent, each 0 where it stays as it is.
func (h *heapPolicy) follow(live int64) (limit int64, percent int) {
	if h.loosen && live > looseFrom {
		h.loosen, percent = false, 150
	}
	if live > h.limit/4*3 {
		h.limit = live + live/2
		limit = h.limit
	}
	return limit, percent
}
