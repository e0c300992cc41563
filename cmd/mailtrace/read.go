package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/reassembly"
)

// readOptions are the flags of "mailtrace read".
type readOptions struct {
	files    []string
	follow   bool
	stats    bool
	json     bool
	jsonl    bool
	summary  bool
	full     bool
	output   string
	sessions []int
	protos   []string
	ports    []string
	color    string
}

func newReadCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var o readOptions
	cmd := &cobra.Command{
		Use:   "read [flags] FILE...",
		Short: "Analyze pcap/pcapng files (\"-\" reads standard input)",
		Example: `  mailtrace read samples/smtp1.pcapng
  mailtrace read --follow --session 1 capture.pcapng
  mailtrace read --stats --proto pop3,imap day.pcap.gz
  mailtrace read --jsonl -o sessions.jsonl --port smtp=1025 test.pcapng`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("read: name at least one capture file (or - for standard input)")}
			}
			o.files = args
			return runRead(cmd.Context(), o, stdin, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.follow, "follow", false, "show the raw conversation, like Follow TCP Stream")
	f.BoolVar(&o.stats, "stats", false, "show only the statistics")
	f.BoolVar(&o.json, "json", false, "write one JSON document")
	f.BoolVar(&o.jsonl, "jsonl", false, "write one JSON session per line as sessions end")
	f.BoolVar(&o.summary, "summary", false, "one line per session, then the statistics")
	f.BoolVar(&o.full, "full", false, "show message bodies in full")
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	f.IntSliceVar(&o.sessions, "session", nil, "show only session `N` (repeatable)")
	f.StringSliceVar(&o.protos, "proto", nil, "show only these protocols: smtp,pop3,imap")
	f.StringArrayVar(&o.ports, "port", nil, "also treat `PROTO=PORT` as a mail port, e.g. smtp=1025")
	f.StringVar(&o.color, "color", "auto", "colour the timeline: auto, always or never (NO_COLOR is honoured)")
	return cmd
}

func runRead(ctx context.Context, o readOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	modes := 0
	for _, m := range []bool{o.follow, o.stats, o.json, o.jsonl, o.summary} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return usageError{errors.New("read: --follow, --stats, --json, --jsonl and --summary exclude each other")}
	}
	topts := analyzer.DefaultOptions()
	extra, err := parsePorts(o.ports)
	if err != nil {
		return usageError{err}
	}
	for port, proto := range extra {
		topts.Ports[port] = proto
		delete(topts.TLSPorts, port)
	}
	wantProto := map[session.Protocol]bool{}
	for _, name := range o.protos {
		p, err := parseProto(name)
		if err != nil {
			return usageError{fmt.Errorf("--proto: %v", err)}
		}
		wantProto[p] = true
	}
	wantID := map[int]bool{}
	for _, id := range o.sessions {
		wantID[id] = true
	}
	topts.KeepRaw = o.follow
	topts.Wire.KeepBodies = o.full

	out := stdout
	if o.output != "" {
		f, err := os.Create(o.output)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	color := false
	switch o.color {
	case "always":
		color = true
	case "auto":
		if file, ok := out.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
			color = isatty.IsTerminal(file.Fd())
		}
	case "never":
	default:
		return usageError{fmt.Errorf("--color %q: want auto, always or never", o.color)}
	}

	collector := stats.New()
	var kept []*session.Session
	var writeErr error
	emit := func(s *session.Session) {
		if len(wantProto) > 0 && !wantProto[s.Protocol] || len(wantID) > 0 && !wantID[s.ID] {
			return
		}
		collector.Add(s)
		switch {
		case o.jsonl:
			if err := render.JSONLine(out, s); err != nil && writeErr == nil {
				writeErr = err
			}
		case o.stats:
		default:
			kept = append(kept, s)
		}
	}
	tracker := analyzer.NewTracker(topts, emit)
	warn := func(w reassembly.Warning) { fmt.Fprintf(stderr, "mailtrace: warning: %v\n", w) }
	rd := reassembly.NewReader(reassembly.DefaultOptions(), tracker, warn)
	inputs := make([]reassembly.Input, len(o.files))
	for i, name := range o.files {
		inputs[i] = reassembly.Input{Path: name, Reader: stdin}
	}
	st, err := rd.ReadAll(ctx, inputs)
	if err != nil {
		return err
	}
	if writeErr != nil {
		return writeErr
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].ID < kept[j].ID })
	capture := render.Capture{Files: st.Files, Packets: st.Packets, Bytes: st.Bytes, TCPPackets: st.TCPPackets,
		Malformed: st.Malformed, UnknownLink: st.UnknownLink, Connections: st.Connections}
	if st.UnknownLink > 0 {
		fmt.Fprintf(stderr, "mailtrace: warning: %d packets of a link type mailtrace does not decode were skipped\n", st.UnknownLink)
	}
	switch {
	case o.jsonl:
		return nil
	case o.json:
		return render.JSON(out, render.Document{Version: render.JSONVersion, Sessions: kept,
			Stats: render.StatsDoc{Capture: capture, Protocols: collector.Report()}})
	case o.follow:
		for _, s := range kept {
			render.Follow(out, s, color)
		}
		return nil
	case o.summary:
		for _, s := range kept {
			render.Summary(out, s)
		}
		fmt.Fprintln(out)
	case !o.stats:
		for _, s := range kept {
			render.Timeline(out, s, render.TextOptions{Color: color, Full: o.full})
		}
	}
	return render.Stats(out, capture, collector.Report())
}
