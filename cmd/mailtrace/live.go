package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/pipeline"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/reassembly"
)

// liveOptions are the flags of "mailtrace live".
type liveOptions struct {
	view     viewOptions
	iface    string
	duration time.Duration
	count    int64
	write    string
	anyPort  bool
	ringSize int
}

func newLiveCmd(stdout, stderr io.Writer) *cobra.Command {
	var o liveOptions
	cmd := &cobra.Command{
		Use:   "live -i IFACE [flags]",
		Short: "Capture mail traffic on an interface and show it as it happens",
		Example: `  sudo mailtrace live -i lo
  sudo mailtrace live -i eth0 --duration 60s -w lab.pcapng
  sudo mailtrace live -i lo --jsonl -o sessions.jsonl --port smtp=1025`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usage("ui.usage.liveargs", args[0])
			}
			if o.iface == "" {
				return usage("ui.usage.liveiface")
			}
			return runLive(cmd.Context(), o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	o.view.register(f)
	f.StringVarP(&o.iface, "interface", "i", "", "capture on `IFACE`")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long, e.g. 30s")
	f.Int64VarP(&o.count, "count", "c", 0, "stop after `N` packets")
	f.StringVarP(&o.write, "write", "w", "", "also write every captured packet to `FILE` (pcapng; - is standard output, for tcpdump -r - or tshark -r -)")
	f.IntVar(&o.ringSize, "ring-size", 0, "the kernel's buffer for captured packets in `BYTES` (a memory-mapped ring; libpcap's buffer in the -tags pcap build): what rides out a burst while sessions are analyzed; 0 is a 64th of the memory, 32 to 256 MiB (here "+strconv.Itoa(reassembly.DefaultRingSize()>>20)+" MiB)")
	f.BoolVar(&o.anyPort, "all-ports", false, "capture all TCP, to recognize mail on any port by its content")
	return cmd
}

func runLive(ctx context.Context, o liveOptions, stdout, stderr io.Writer) error {
	o.view.iface = o.iface
	if p := os.Getenv("SSLKEYLOGFILE"); len(o.view.tlsKeylogs) == 0 && p != "" {
		// Where the clients being watched write their secrets.
		o.view.tlsKeylogs = []string{p}
		fmt.Fprintf(stderr, "mailtrace: decrypting TLS with the key log SSLKEYLOGFILE names (%s)\n", render.Escape(p))
	}
	out, topts, err := newOutput(o.view, true, stdout, stderr)
	if err != nil {
		return err
	}
	kctx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	followKeyLogs(kctx, o.view.tlsKeylogs, topts.Parse.TLSKeys)
	if o.ringSize < 0 {
		out.close()
		return usage("ui.usage.ringsize")
	}
	// The parsers and the views run behind the pipeline: the output is
	// flushed there too, after what the quiet capture brought.
	var pipe *pipeline.Pipeline
	lo := reassembly.LiveOptions{Interface: o.iface, Duration: o.duration, Count: o.count, RingSize: o.ringSize,
		Idle: func() { pipe.Do(func() { out.buf.Flush() }) }}
	switch {
	case reassembly.FilterSupported:
		lo.Filter = o.view.filter // libpcap reads it, in the kernel
	case out.filter != nil:
		// All TCP and DNS from the kernel; the filter picks among them.
	case !o.anyPort:
		lo.Ports = append(topts.Protocols.Ports(), 53) // and DNS over TCP
	}
	var file *os.File
	switch {
	case o.write == "-":
		if o.view.output == "" || o.view.output == "-" {
			out.close()
			return usage("ui.usage.writestdout")
		}
		lo.Write = stdout
	case o.write != "":
		if file, err = os.Create(o.write); err != nil {
			out.close()
			return err
		}
		defer file.Close()
		lo.Write = file
	}
	defer interruptStore(ctx, out.store)()
	tracker := analyzer.NewTracker(topts, out.sink)
	pipe = pipeline.New(tracker)
	rd := reassembly.NewReader(o.view.reassemblyOptions(topts.Parse.TLSKeys, out.filter), pipe, nil)
	// Said once the interface is open: an unknown interface is an error,
	// not a capture that began.
	lo.Started = func() {
		fmt.Fprintf(stderr, "mailtrace: capturing on %s", render.Escape(o.iface)) // a name is bytes too
		switch {
		case o.view.filter != "":
			fmt.Fprintf(stderr, ", filter %q", o.view.filter)
		case lo.Ports != nil:
			fmt.Fprintf(stderr, ", TCP ports %v and DNS", lo.Ports)
		}
		fmt.Fprintln(stderr, "; Ctrl-C stops")
	}
	ls, st, err := rd.Live(ctx, lo)
	pipe.Close()
	tracker.Finish()
	if err != nil {
		out.close()
		return err
	}
	ferr := out.finish(st)
	// As tcpdump reports them.
	fmt.Fprintf(stderr, "%d packets captured\n%d packets received by filter\n%d packets dropped by kernel\n",
		ls.Captured, ls.ReceivedByFilter, ls.DroppedByKernel)
	if ls.LoopbackDuplicates > 0 {
		fmt.Fprintf(stderr, "%d loopback copies of outgoing packets left out\n", ls.LoopbackDuplicates)
	}
	if ls.DroppedByKernel > 0 && ls.RingSize > 0 {
		// What to do about it, as the buffer is the one thing to change.
		fmt.Fprintf(stderr, "the kernel's buffer held %d MiB: a larger --ring-size rides out longer bursts\n", ls.RingSize>>20)
	}
	if file != nil {
		if err := file.Close(); err != nil && ferr == nil {
			ferr = err
		}
	}
	if ferr == nil && ctx.Err() != nil {
		return errCaptureEnded // stopped by Ctrl-C or SIGTERM, all of it written
	}
	return ferr
}
