package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/analyzer/wire"
	"github.com/mailtrace/mailtrace/reassembly"
)

// viewOptions are the flags that read and live share: what to show, of
// which sessions, and where.
type viewOptions struct {
	follow      bool
	stats       bool
	json        bool
	jsonl       bool
	summary     bool
	full        bool
	redact      bool
	output      string
	sessions    []int
	protos      []string
	ports       []string
	color       string
	maxOpen     int
	maxLine     int
	maxHeader   int
	maxBody     int
	maxBufConn  int
	maxBufTotal int
}

func (o *viewOptions) register(f *pflag.FlagSet) {
	f.IntVar(&o.maxOpen, "max-open", reassembly.DefaultOptions().MaxOpen, "follow at most `N` connections at once; those idle longest are given up past it")
	f.IntVar(&o.maxLine, "max-line", wire.DefaultMaxLine, "keep at most `BYTES` of a line; longer ones are cut and flagged")
	f.IntVar(&o.maxHeader, "max-header", message.DefaultMaxHeader, "keep at most `BYTES` of a message's header for its summary")
	f.IntVar(&o.maxBody, "max-body", message.DefaultMaxBody, "with --full, keep at most `BYTES` of a message's body")
	ro := reassembly.DefaultOptions()
	f.IntVar(&o.maxBufConn, "max-buffered-conn", ro.MaxPagesPerConn*reassembly.PageBytes, "hold at most `BYTES` of out-of-order data per connection")
	f.IntVar(&o.maxBufTotal, "max-buffered", ro.MaxPagesTotal*reassembly.PageBytes, "hold at most `BYTES` of out-of-order data in all")
	f.BoolVar(&o.follow, "follow", false, "show the raw conversation, like Follow TCP Stream")
	f.BoolVar(&o.stats, "stats", false, "show only the statistics")
	f.BoolVar(&o.json, "json", false, "write one JSON document")
	f.BoolVar(&o.jsonl, "jsonl", false, "write one JSON session per line as sessions end")
	f.BoolVar(&o.summary, "summary", false, "one line per session, then the statistics")
	f.BoolVar(&o.full, "full", false, "show message bodies in full")
	f.BoolVar(&o.redact, "redact", false, "mask passwords and authentication data in every output")
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	f.IntSliceVar(&o.sessions, "session", nil, "show only session `N` (repeatable)")
	f.StringSliceVar(&o.protos, "proto", nil, "show only these protocols: smtp,pop3,imap")
	f.StringArrayVar(&o.ports, "port", nil, "also treat `PROTO=PORT` as a mail port, e.g. smtp=1025")
	f.StringVar(&o.color, "color", "auto", "colour the timeline: auto, always or never (NO_COLOR is honoured)")
}

// reassemblyOptions are the defaults with the bounds the flags set.
func (o viewOptions) reassemblyOptions() reassembly.Options {
	ro := reassembly.DefaultOptions()
	ro.MaxOpen = o.maxOpen
	ro.MaxPagesPerConn = (o.maxBufConn + reassembly.PageBytes - 1) / reassembly.PageBytes
	ro.MaxPagesTotal = (o.maxBufTotal + reassembly.PageBytes - 1) / reassembly.PageBytes
	return ro
}

// view receives sessions from the tracker and shows them.
type view struct {
	o         viewOptions
	live      bool // show sessions as they happen rather than at the end
	w         io.Writer
	close     func() error
	color     bool
	wantProto map[session.Protocol]bool
	wantID    map[int]bool
	collector *stats.Collector
	kept      []*session.Session
	err       error // the first write error
}

// newView checks the options and opens the output; it also returns the
// tracker options they imply.
func newView(o viewOptions, live bool, stdout io.Writer) (*view, analyzer.Options, error) {
	topts := analyzer.DefaultOptions()
	modes := 0
	for _, m := range []bool{o.follow, o.stats, o.json, o.jsonl, o.summary} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return nil, topts, usageError{errors.New("--follow, --stats, --json, --jsonl and --summary exclude each other")}
	}
	if o.redact && o.follow {
		// The raw view shows the bytes as they were; masking them would
		// need the parsers to mark where secrets lie.
		return nil, topts, usageError{errors.New("--redact cannot mask the raw bytes of --follow")}
	}
	extra, err := parsePorts(o.ports)
	if err != nil {
		return nil, topts, usageError{err}
	}
	for port, proto := range extra {
		topts.Ports[port] = proto
		delete(topts.TLSPorts, port)
	}
	v := &view{o: o, live: live, w: stdout, close: func() error { return nil }, collector: stats.New(),
		wantProto: map[session.Protocol]bool{}, wantID: map[int]bool{}}
	for _, name := range o.protos {
		p, err := parseProto(name)
		if err != nil {
			return nil, topts, usageError{fmt.Errorf("--proto: %v", err)}
		}
		v.wantProto[p] = true
	}
	for _, id := range o.sessions {
		v.wantID[id] = true
	}
	switch o.color {
	case "auto", "always", "never":
	default:
		return nil, topts, usageError{fmt.Errorf("--color %q: want auto, always or never", o.color)}
	}
	if o.output != "" {
		f, err := os.Create(o.output)
		if err != nil {
			return nil, topts, err
		}
		v.w, v.close = f, f.Close
	}
	switch o.color {
	case "always":
		v.color = true
	case "auto":
		if f, ok := v.w.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
			v.color = isatty.IsTerminal(f.Fd())
		}
	}
	topts.KeepRaw = o.follow
	for _, n := range []int{o.maxOpen, o.maxLine, o.maxHeader, o.maxBody, o.maxBufConn, o.maxBufTotal} {
		if n < 0 {
			return nil, topts, usageError{errors.New("the --max-* bounds take a number of 0 or more")}
		}
	}
	topts.Wire.MaxLine, topts.Wire.MaxHeader, topts.Wire.MaxBody = o.maxLine, o.maxHeader, o.maxBody
	topts.Wire.KeepBodies = o.full
	topts.Wire.Redact = o.redact
	topts.OnStart = v.start
	return v, topts, nil
}

func (v *view) selected(s *session.Session) bool {
	return (len(v.wantProto) == 0 || v.wantProto[s.Protocol]) && (len(v.wantID) == 0 || v.wantID[s.ID])
}

func (v *view) timeline() bool {
	return !v.o.follow && !v.o.stats && !v.o.json && !v.o.jsonl && !v.o.summary
}

// start is told of each session as it is recognized.
func (v *view) start(s *session.Session) {
	if !v.live || !v.timeline() || !v.selected(s) {
		return
	}
	render.LiveStart(v.w, s, v.color)
	opts := render.TextOptions{Color: v.color, Full: v.o.full}
	s.OnReply = func(s *session.Session, i int) { render.LiveExchange(v.w, s, i, opts) }
}

// end is told of each session as it ends.
func (v *view) end(s *session.Session) {
	if !v.selected(s) {
		return
	}
	v.collector.Add(s)
	switch {
	case v.o.jsonl:
		v.keepErr(render.JSONLine(v.w, s))
	case v.o.stats:
	case v.live && v.timeline():
		render.LiveEnd(v.w, s, v.color)
	case v.live && v.o.summary:
		render.Summary(v.w, s)
	case v.live && v.o.follow:
		render.Follow(v.w, s, v.color)
	default:
		v.kept = append(v.kept, s)
	}
}

func (v *view) keepErr(err error) {
	if err != nil && v.err == nil {
		v.err = err
	}
}

// finish writes what waits for the end, and closes the output.
func (v *view) finish(st reassembly.Stats) error {
	err := v.render(st)
	v.keepErr(err)
	v.keepErr(v.close())
	return v.err
}

func (v *view) render(st reassembly.Stats) error {
	sort.Slice(v.kept, func(i, j int) bool { return v.kept[i].ID < v.kept[j].ID })
	capture := render.Capture{Files: st.Files, Packets: st.Packets, Bytes: st.Bytes, TCPPackets: st.TCPPackets,
		Malformed: st.Malformed, UnknownLink: st.UnknownLink, Connections: st.Connections}
	switch {
	case v.o.jsonl:
		return nil
	case v.o.json:
		return render.JSON(v.w, render.Document{Version: render.JSONVersion, Sessions: v.kept,
			Stats: render.StatsDoc{Capture: capture, Protocols: v.collector.Report()}})
	case v.o.follow:
		for _, s := range v.kept {
			render.Follow(v.w, s, v.color)
		}
		return nil
	case v.o.summary:
		for _, s := range v.kept {
			render.Summary(v.w, s)
		}
		fmt.Fprintln(v.w)
	case !v.o.stats:
		for _, s := range v.kept {
			render.Timeline(v.w, s, render.TextOptions{Color: v.color, Full: v.o.full})
		}
	}
	if v.live && v.timeline() {
		fmt.Fprintln(v.w)
	}
	return render.Stats(v.w, capture, v.collector.Report())
}
