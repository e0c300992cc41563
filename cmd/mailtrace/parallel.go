package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/pipeline"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/reassembly"
)

// runParallel loads several files into ClickHouse, each a trace of its
// own, as many at once as there are cores: a day of captures loads at
// the disk's speed. It writes a line per file, then the statistics of
// them all with what was sent.
func runParallel(ctx context.Context, o viewOptions, files []string, stdout, stderr io.Writer) error {
	for _, m := range []bool{o.follow, o.ladder, o.compare, o.json, o.jsonl, o.summary, o.journey, o.full, o.explain, o.extract != ""} {
		if m {
			return usage("ui.usage.parallel")
		}
	}
	o.stats, o.parallel = true, true
	for _, f := range files {
		if f == "-" {
			return usage("ui.usage.parallelstdin")
		}
	}
	out, topts, err := newOutput(o, false, stdout, stderr)
	if err != nil {
		return err
	}
	defer interruptStore(ctx, out.store)()
	views := sink.Locked(out.sink)
	warn := warner(stderr, out.lang)
	type result struct {
		st       reassembly.Stats
		sessions int
		trace    string
		err      error
	}
	results := make([]result, len(files))
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, file := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			trace := fileTrace(o.store.sensor, []string{file})
			stored := out.store.sink(trace, false)
			r := &results[i]
			r.trace = trace.ID
			counted := sink.Ended(func(*session.Session) { r.sessions++ })
			tracker := analyzer.NewTracker(topts, sink.Multi(stored, counted, views))
			pipe := pipeline.New(tracker)
			rd := reassembly.NewReader(o.reassemblyOptions(topts.Parse.TLSKeys, out.filter), pipe, warn)
			r.st, r.err = rd.ReadAll(ctx, []reassembly.Input{{Path: file}})
			pipe.Close()
			tracker.Finish()
			if err := stored.CaptureFinished(stats.Capture{}); err != nil && r.err == nil {
				r.err = err
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		// Interrupted: each file's reading said so; main says it once.
		out.store.close()
		out.close()
		return ctx.Err()
	}
	var total reassembly.Stats
	var errs []error
	for i, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			fmt.Fprintf(stderr, "mailtrace: %s: %v\n", render.Escape(files[i]), r.err)
			continue
		}
		total.Add(r.st)
		fmt.Fprintf(out.term, "%s: trace %s, %d sessions\n", render.Escape(files[i]), r.trace, r.sessions)
	}
	if err := out.store.close(); err != nil {
		errs = append(errs, err)
	}
	if err := out.finish(total); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
