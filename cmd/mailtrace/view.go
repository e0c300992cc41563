package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/extract"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/report"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/spill"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/analyzer/tlsdecrypt"
	"github.com/mailtrace/mailtrace/analyzer/view"
	"github.com/mailtrace/mailtrace/analyzer/where"
	"github.com/mailtrace/mailtrace/reassembly"
)

// viewOptions are the flags that read and live share: what to show, of
// which sessions, and where.
type viewOptions struct {
	filter      string        // a capture filter (--filter)
	where       string        // a session filter (--where)
	whereFilter *where.Filter // where, read
	follow      bool
	ladder      bool
	compare     bool
	explain     bool
	width       int
	lang        string
	language    explain.Lang // lang, or the environment's
	stats       bool
	json        bool
	jsonl       bool
	summary     bool
	journey     bool
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
	maxFollow   int
	maxBufConn  int
	maxBufTotal int
	maxExch     int
	maxAnom     int
	maxMsgs     int
	extract     string
	domains     []string
	tlsKeylogs  []string
	quiet       bool
	// report is the HTML report's: draw this many sessions, of the
	// captures inputs.
	report   bool
	diagrams int
	inputs   []string
	// store says where sessions are stored besides; iface is live's
	// interface, for the trace's name; parallel, that traces are read
	// apart and each gets its own store sink (runParallel).
	store    storeOptions
	iface    string
	parallel bool
}

// registerInput adds the flags of every command that reads captures:
// what to read, the bounds, which sessions, the language and where the
// output goes.
func (o *viewOptions) registerInput(f *pflag.FlagSet) {
	f.IntVar(&o.maxOpen, "max-open", reassembly.DefaultOptions().MaxOpen, "follow at most `N` connections at once; those idle longest are given up past it")
	f.IntVar(&o.maxLine, "max-line", lines.DefaultMaxLine, "keep at most `BYTES` of a line; longer ones are cut and flagged")
	f.IntVar(&o.maxHeader, "max-header", message.DefaultMaxHeader, "keep at most `BYTES` of a message's header for its summary")
	f.IntVar(&o.maxBody, "max-body", message.DefaultMaxBody, "with --full, keep at most `BYTES` of a message's body")
	ro := reassembly.DefaultOptions()
	f.IntVar(&o.maxBufConn, "max-buffered-conn", ro.MaxPagesPerConn*reassembly.PageBytes, "hold at most `BYTES` of out-of-order data per connection")
	f.IntVar(&o.maxBufTotal, "max-buffered", ro.MaxPagesTotal*reassembly.PageBytes, "hold at most `BYTES` of out-of-order data in all")
	f.IntVar(&o.maxExch, "max-exchanges", session.DefaultMaxExchanges, "keep at most `N` exchanges per session; the rest are counted")
	f.IntVar(&o.maxAnom, "max-anomalies", session.DefaultMaxAnomalies, "keep at most `N` anomalies per session; the rest are counted")
	f.IntVar(&o.maxMsgs, "max-messages", session.DefaultMaxMessages, "keep at most `N` messages per session; the rest are read (and saved by --extract) and counted")
	f.StringArrayVar(&o.domains, "domain", nil, "a mail `DOMAIN` the servers serve, for the relay and local-sender findings (repeatable; default: the host an SMTP greeting names)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress line on a terminal")
	f.StringVar(&o.lang, "lang", "", "language of the explanations and of what the text views say: en or es (default from LC_ALL, LC_MESSAGES, LANG)")
	f.BoolVar(&o.redact, "redact", false, "mask passwords and authentication data in every output")
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output (- is standard output)")
	f.IntSliceVar(&o.sessions, "session", nil, "show only session `N` (repeatable)")
	f.StringSliceVar(&o.protos, "proto", nil, "show only these protocols: "+protoNames())
	f.StringArrayVar(&o.ports, "port", nil, "also treat `PROTO=PORT` as a mail port, e.g. smtp=1025")
	f.StringVar(&o.where, "where", "", "show only the sessions `EXPR` matches: FIELD=VALUE, FIELD!=VALUE, FIELD~VALUE (holds) over protocol, user, finding, code, command, subject, address, host, port, tls, state; and, or, not, parentheses")
	f.StringVar(&o.filter, "filter", "", "keep only the packets `EXPR` matches, in tcpdump's language: host, net, port, portrange, src, dst, tcp, udp, ip, ip6, and, or, not (live in the -tags pcap build: all of libpcap's)")
	f.StringArrayVar(&o.tlsKeylogs, "tls-keylog", nil, "decrypt TLS with the secrets of key log `FILE` (SSLKEYLOGFILE's format; repeatable; live follows it as it grows, and reads $SSLKEYLOGFILE without it)")
}

// register adds the input flags and those of the views read and live
// show.
func (o *viewOptions) register(f *pflag.FlagSet) {
	o.registerInput(f)
	o.store.register(f)
	f.IntVar(&o.maxFollow, "max-follow", 16<<20, "with --follow, keep at most `BYTES` of each session's raw bytes until it ends (past its first MiB, in a temporary file)")
	f.StringVar(&o.extract, "extract", "", "save every message as an .eml file, and its attachments, under `DIR`")
	f.BoolVar(&o.follow, "follow", false, "show the raw conversation, like Follow TCP Stream")
	f.IntVar(&o.width, "width", 0, "break text lines at `COLUMNS` (default: $COLUMNS, else the terminal's; lines are kept whole when writing to a file or pipe)")
	f.BoolVar(&o.explain, "explain", false, "explain under each command and reply what it means, with its RFC section")
	f.BoolVar(&o.compare, "compare", false, "set POP3 and IMAP side by side: round trips, bytes, time open, downloads, changes on the server")
	f.BoolVar(&o.ladder, "ladder", false, "draw each session as client and server columns, an arrow per command and reply")
	f.BoolVar(&o.stats, "stats", false, "show only the statistics")
	f.BoolVar(&o.json, "json", false, "write one JSON document")
	f.BoolVar(&o.jsonl, "jsonl", false, "write a JSON line for each session as it ends, each DNS lookup and each journey (\"type\" says which)")
	f.BoolVar(&o.summary, "summary", false, "one line per session, then the statistics")
	f.BoolVar(&o.journey, "journey", false, "each message's path across sessions: sent, relayed, read")
	f.BoolVar(&o.full, "full", false, "show message bodies in full")
	f.StringVar(&o.color, "color", "auto", "colour the timeline: auto, always or never (NO_COLOR is honoured)")
}

// reassemblyOptions are the defaults with the bounds the flags set.
func (o viewOptions) reassemblyOptions(keys *tlsdecrypt.Keys, filter *reassembly.Filter) reassembly.Options {
	ro := reassembly.DefaultOptions()
	ro.Filter = filter
	// A pcapng's own key log (editcap --inject-secrets) decrypts without
	// a flag.
	ro.Secrets = func(keylog []byte) { keys.Read(bytes.NewReader(keylog)) }
	ro.MaxOpen = o.maxOpen
	ro.MaxPagesPerConn = (o.maxBufConn + reassembly.PageBytes - 1) / reassembly.PageBytes
	ro.MaxPagesTotal = (o.maxBufTotal + reassembly.PageBytes - 1) / reassembly.PageBytes
	return ro
}

// output is where a run's sessions go: the sinks its flags chose, and
// the file they write to.
type output struct {
	sink     sink.Sink
	sessions int              // sessions in the capture
	selected int              // of them, those --session and --proto chose
	filtered bool             // --session or --proto were given
	extract  *extract.Sink    // nil without --extract
	store    *store           // nil without --clickhouse
	term     *render.Terminal // what the text views write through
	buf      *bufio.Writer    // all output, flushed as sessions end
	close    func() error
	lang     explain.Lang // what --lang or the environment chose
	// filter is --filter as this package reads it; nil where libpcap
	// reads it (live in the -tags pcap build) or none was given.
	filter *reassembly.Filter
}

// newOutput checks the options, opens the output and builds its sinks;
// it also returns the tracker options they imply.
func newOutput(o viewOptions, live bool, stdout, stderr io.Writer) (*output, analyzer.Options, error) {
	topts := analyzer.DefaultOptions()
	table := topts.Protocols
	modes := 0
	for _, m := range []bool{o.follow, o.ladder, o.compare, o.stats, o.json, o.jsonl, o.summary, o.journey} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return nil, topts, usage("ui.usage.views")
	}
	if o.redact && o.follow {
		// The raw view shows the bytes as they were; masking them would
		// need the parsers to mark where secrets lie.
		return nil, topts, usage("ui.usage.redactfollow")
	}
	if err := setPorts(table, o.ports); err != nil {
		return nil, topts, err
	}
	wantProto, wantID := map[session.Protocol]bool{}, map[int]bool{}
	for _, name := range o.protos {
		spec, err := table.Lookup(name)
		if err != nil {
			return nil, topts, usage("ui.usage.proto", name, protoNames())
		}
		wantProto[spec.Name] = true
	}
	for _, id := range o.sessions {
		wantID[id] = true
	}
	if o.where != "" {
		f, err := where.Parse(o.where)
		if err != nil {
			return nil, topts, usageError{err: err}
		}
		if o.follow || o.extract != "" || live && !(o.json || o.jsonl || o.summary || o.stats || o.compare || o.journey) {
			// These write a session's bytes as they come, before what it
			// came to is known.
			return nil, topts, usage("ui.usage.wherestream")
		}
		o.whereFilter = f
	}
	o.language = explain.FromEnv(os.Getenv)
	if o.lang != "" {
		l, ok := explain.ParseLang(o.lang)
		if !ok {
			return nil, topts, usage("ui.usage.lang", o.lang)
		}
		o.language = l
	}
	switch o.color {
	case "auto", "always", "never":
	default:
		return nil, topts, usage("ui.usage.color", o.color)
	}
	for _, n := range []int{o.maxOpen, o.maxLine, o.maxHeader, o.maxBody, o.maxFollow, o.maxBufConn, o.maxBufTotal, o.maxExch, o.maxAnom, o.maxMsgs} {
		if n < 0 {
			return nil, topts, usage("ui.usage.bounds")
		}
	}
	var filter *reassembly.Filter
	if o.filter != "" && !(live && reassembly.FilterSupported) {
		f, err := reassembly.ParseFilter(o.filter)
		if err != nil {
			return nil, topts, usageError{err: err}
		}
		filter = f
	}
	keys, err := loadKeyLogs(o.tlsKeylogs, live, stderr)
	if err != nil {
		return nil, topts, err
	}
	out := &output{close: func() error { return nil }, lang: o.language, filter: filter}
	w := stdout
	if o.output != "" && o.output != "-" { // "-" is standard output, as tcpdump has it
		f, err := os.Create(o.output)
		if err != nil {
			return nil, topts, err
		}
		w, out.close = f, f.Close
	}
	color := o.color == "always"
	if f, ok := w.(*os.File); ok && o.color == "auto" && os.Getenv("NO_COLOR") == "" {
		color = isatty.IsTerminal(f.Fd())
	}
	if o.width < 0 {
		return nil, topts, usage("ui.usage.width")
	}
	if o.width == 0 {
		o.width = terminalWidth(w)
	}
	// One write per line was one system call per line: output is
	// buffered, and flushed as each session ends, after every event live,
	// and at the end.
	out.buf = bufio.NewWriterSize(w, 64<<10)
	out.term = render.NewTerminal(out.buf)
	out.term.SetWidth(o.width)
	views := sink.Flushing(o.sinks(out.buf, out.term, color, live, table.Names()), out.buf.Flush)
	if !live && !o.parallel {
		// Reading a file, the views write each session on the other core
		// while the next are read and parsed; only they touch the output
		// until the end. (Files read in parallel show only statistics,
		// and say a line per file between the reading and the end.)
		views = sink.Async(views, o.follow)
	}
	if o.extract != "" {
		ex, err := extract.New(o.extract)
		if err != nil {
			out.close()
			return nil, topts, fmt.Errorf("--extract: %v", err)
		}
		ex.OnError(func(err error) {
			fmt.Fprintf(stderr, explain.Say("ui.saved.error", o.language)+"\n", render.Escape(err.Error()))
		})
		// Read once CaptureFinished has returned: the files are written on
		// a goroutine of their own until then.
		out.extract, views = ex, sink.Multi(views, extract.Async(ex))
	}
	out.filtered = len(wantProto) > 0 || len(wantID) > 0 || o.whereFilter != nil
	chosen := sink.Multi(o.ended(sink.Ended(func(*session.Session) { out.selected++ })), views)
	if o.store.url != "" {
		if err := checkStoreURL(o.store.url); err != nil {
			out.close()
			return nil, topts, err
		}
		// Stored first: the rows are sent, and counted, before the
		// statistics that say how many.
		out.store = openStore(context.Background(), o.store, stderr)
		if !o.parallel {
			trace := fileTrace(o.store.sensor, o.inputs)
			if live {
				trace = liveTrace(o.store.sensor, o.iface)
			}
			chosen = sink.Multi(o.ended(out.store.sink(trace, true)), chosen)
		}
	}
	out.sink = sink.Multi(sink.Ended(func(*session.Session) { out.sessions++ }),
		sink.Filter(chosen, func(s *session.Session) bool {
			return (len(wantProto) == 0 || wantProto[s.Protocol]) && (len(wantID) == 0 || wantID[s.ID])
		}))
	topts.Limits = session.Limits{Exchanges: o.maxExch, Anomalies: o.maxAnom, Messages: o.maxMsgs}
	topts.Findings.Domains = o.domains
	// JSON lines are what is sent elsewhere (a log pipeline, a SIEM):
	// credentials are masked there as --redact masks them, unless
	// --keep-secrets.
	redact := o.redact || o.jsonl && !o.store.keepSecrets
	if o.jsonl && o.store.keepSecrets && !o.redact {
		fmt.Fprintln(stderr, explain.Say("ui.warn.keepsecrets", o.language))
	}
	topts.Parse = proto.Options{MaxLine: o.maxLine, MaxHeader: o.maxHeader, MaxBody: o.maxBody,
		KeepBodies: o.full, Redact: redact, TLSKeys: keys, Bodies: bodyStore(o.full),
		// A part's SHA-256 is shown by the timeline, JSON, the report and
		// the store; not by these views alone (--summary hashed every
		// attachment of the capture and showed none), nor by the ladder,
		// which reads no part at all (NoParts below).
		NoHashes: (o.stats || o.summary || o.compare || o.journey || o.follow || o.ladder) && o.store.url == "",
		// These show neither parts nor anomalies (--follow the bytes, the
		// others exchanges and messages): walking the MIME of every
		// message was an eighth of --follow's CPU, and the parsers waited
		// on it at each message's end. The statistics count the anomalies
		// reading it finds, so every view that ends with them reads it.
		NoParts: (o.follow || o.ladder || o.journey || o.compare) && o.store.url == ""}
	return out, topts, nil
}

// bodyStore is where --full's kept bodies wait past a session's first MiB
// until they are written: a temporary file, not memory.
func bodyStore(full bool) session.BodyStore {
	if !full {
		return nil
	}
	return spill.NewShared("")
}

// sinks are the views the flags ask for. Views that read sessions after
// the capture show them in the order they started; live ones as they end.
// Text views write to term, which escapes whatever came from the capture;
// JSON views to w.
func (o viewOptions) sinks(w io.Writer, term *render.Terminal, color, live bool, order []session.Protocol) sink.Sink {
	// Below 120 columns a message summary's fields go on lines of their
	// own: From and Subject, the lab's evidence, stay in view.
	text := render.TextOptions{Color: color, Full: o.full, Narrow: o.width > 0 && o.width < 120, Lang: o.language}
	if o.explain {
		text.Explain = explain.Default()
	}
	// Journeys need every session, and see them first.
	j := journey.New()
	withJourneys := func(views sink.Sink) sink.Sink { return sink.Multi(j, views) }
	// ByID sees every session, so that --where, under it, keeps the order.
	byID := func(s sink.Sink) sink.Sink { return sink.ByID(o.ended(s)) }
	if live {
		byID = o.ended
	}
	switch {
	case o.jsonl:
		return withJourneys(o.ended(view.JSONLines(w, j)))
	case o.json:
		return withJourneys(byID(view.JSON(w, order, j)))
	case o.journey:
		return withJourneys(view.Journeys(term, j, render.TextOptions{Color: color, Lang: o.language}))
	case o.report:
		return withJourneys(byID(report.New(w, report.Options{Lang: o.language, Diagrams: o.diagrams,
			Inputs: o.inputs, Order: order, Journeys: j})))
	}
	w = term
	// The statistics end with POP3 and IMAP compared, where the capture
	// has them.
	statistics := func() sink.Sink {
		return o.ended(sink.Multi(view.Stats(w, order, o.width, o.language), view.Compare(w, false, o.language)))
	}
	switch {
	case o.stats:
		return statistics()
	case o.compare:
		return view.Compare(w, true, o.language)
	case o.follow && live:
		// Live, bytes show as they cross, not when the session ends.
		return view.LiveFollow(w, text)
	case o.follow:
		return byID(view.Follow(w, text, int64(o.maxFollow)))
	case o.ladder:
		return byID(view.Ladder(w, text))
	case o.summary:
		return sink.Multi(byID(view.Summary(w, o.language)), statistics())
	case live:
		return sink.Multi(view.Live(w, text), statistics())
	}
	return sink.Multi(byID(view.Timeline(w, text)), statistics())
}

// ended is s fed only the sessions --where takes, once they end; s
// itself without --where.
func (o viewOptions) ended(s sink.Sink) sink.Sink {
	if o.whereFilter == nil {
		return s
	}
	return sink.KeepEnded(s, o.whereFilter.Match)
}

// finish tells the sinks the capture is over, then closes the output.
func (out *output) finish(st reassembly.Stats) error {
	c := stats.Capture{Files: st.Files, Packets: st.Packets, Bytes: st.Bytes,
		TCPPackets: st.TCPPackets, Malformed: st.Malformed, UnknownLink: st.UnknownLink, Connections: st.Connections,
		Filtered: st.Filtered}
	if out.store != nil {
		c.Delivery = out.store.delivery
	}
	err := out.sink.CaptureFinished(c)
	if ferr := out.term.Flush(); err == nil {
		err = ferr
	}
	if ferr := out.buf.Flush(); err == nil {
		err = ferr
	}
	if cerr := out.close(); err == nil {
		err = cerr
	}
	return err
}

// terminalWidth is the width text is broken at: $COLUMNS when set, else
// the terminal's when w is one (80 if it will not say); 0, lines kept
// whole, for a file or a pipe, whose reader may be a program.
func terminalWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	f, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return 0
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		return cols
	}
	return 80
}
