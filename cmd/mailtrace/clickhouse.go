package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailtrace/mailtrace/analyzer/clickhouse"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// storeOptions say whether and where sessions are stored in ClickHouse.
type storeOptions struct {
	url      string
	sensor   string
	database string
	spool    string
	wait     time.Duration
	oneTrace bool
	// keepSecrets stores credentials as they crossed (--keep-secrets).
	keepSecrets bool
}

func (s *storeOptions) register(f *pflag.FlagSet) {
	host, _ := os.Hostname()
	envURLFlag(f, &s.url, "also store sessions in ClickHouse at `URL` (its HTTP interface, e.g. http://127.0.0.1:8123/; default $MAILTRACE_CLICKHOUSE)")
	f.BoolVar(&s.keepSecrets, "keep-secrets", false, "with --clickhouse and --jsonl, keep passwords, tokens and SASL data as they crossed, readable by anyone who can read the tables or the lines (by default they are masked)")
	f.StringVar(&s.sensor, "sensor", host, "with --clickhouse, the `NAME` of this sensor in every row")
	f.StringVar(&s.database, "database", "mailtrace", "with --clickhouse, the `DATABASE` of the tables")
	f.StringVar(&s.spool, "spool", defaultSpool(), "with --clickhouse, keep in `DIR` the rows the server did not take, and send those an earlier run left")
	f.DurationVar(&s.wait, "clickhouse-wait", 30*time.Second, "with --clickhouse, at the end keep trying this long before leaving the rest in the spool")
}

// envURLFlag registers --clickhouse with $MAILTRACE_CLICKHOUSE as its
// default, shown in help without its password.
func envURLFlag(f *pflag.FlagSet, url *string, usage string) {
	env := os.Getenv("MAILTRACE_CLICKHOUSE")
	f.StringVar(url, "clickhouse", env, usage)
	f.Lookup("clickhouse").DefValue = clickhouse.RedactURL(env)
}

// defaultSpool is the user's cache directory's mailtrace/spool.
func defaultSpool() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "mailtrace", "clickhouse-spool")
}

// checkStoreURL says what is wrong with a --clickhouse URL, before rows
// would wait forever for a server they cannot reach.
func checkStoreURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usage("ui.usage.url", clickhouse.RedactURL(s))
	}
	return nil
}

// store is a run's ClickHouse writer and what it counted.
type store struct {
	w        *clickhouse.Writer
	delivery *stats.Delivery
	spool    string
	stderr   io.Writer
	// keepSecrets stores credentials as they crossed.
	keepSecrets bool
}

// openStore starts a writer, and makes the tables when the server answers
// and has none (a cluster's are made with mailtrace clickhouse schema).
func openStore(ctx context.Context, o storeOptions, stderr io.Writer) *store {
	cfg := clickhouse.DefaultConfig(o.url)
	cfg.Database, cfg.Spool, cfg.Wait = o.database, o.spool, o.wait
	cfg.Warn = func(msg string) { fmt.Fprintf(stderr, "mailtrace: warning: %s\n", render.Escape(msg)) }
	w := clickhouse.NewWriter(cfg)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := clickhouse.Apply(clickhouse.Schema(o.database, ""), func(sql string) error { return w.Exec(ctx, sql) }); err != nil {
		cfg.Warn(fmt.Sprintf("clickhouse: making the tables: %v (rows are kept for when it answers)", err))
	}
	if o.keepSecrets {
		fmt.Fprintf(stderr, "mailtrace: warning: --keep-secrets: passwords, tokens and SASL data go to ClickHouse (%s) in clear\n", render.Escape(clickhouse.RedactURL(o.url)))
	}
	return &store{w: w, delivery: &stats.Delivery{}, spool: o.spool, stderr: stderr, keepSecrets: o.keepSecrets}
}

// sink is the sink that writes trace's rows, its journeys with them;
// the last trace's closes the writer when its capture is finished.
func (s *store) sink(trace clickhouse.Trace, last bool) sink.Sink {
	trace.KeepSecrets = s.keepSecrets
	j := journey.New()
	if !last {
		return sink.Multi(j, clickhouse.NewSink(s.w, trace, j))
	}
	return sink.Multi(j, clickhouse.NewSink(s.w, trace, j), sink.Finished(s.close))
}

// interruptStore makes the context's end stop delivery to s at once (nil:
// no store); the function it returns stops watching.
func interruptStore(ctx context.Context, s *store) func() bool {
	if s == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, s.w.Interrupt)
}

// close sends what is left and says what stayed in the spool.
func (s *store) close() error {
	d, err := s.w.Close()
	*s.delivery = d
	if d.LeftInSpool > 0 {
		fmt.Fprintf(s.stderr, "mailtrace: clickhouse: %d rows left in the spool %s; a later run with --spool %s sends them when the server answers (mailtrace clickhouse send)\n",
			d.LeftInSpool, render.Escape(s.spool), render.Escape(s.spool))
	}
	return err
}

// fileTrace names the trace of the files read as one: a digest of their
// names, sizes and first MiB, so loading the same files again gives the
// same rows, which count once.
func fileTrace(sensor string, files []string) clickhouse.Trace {
	h := sha256.New()
	var names []string
	for _, name := range files {
		names = append(names, filepath.Base(name))
		fmt.Fprintf(h, "%s\x00", filepath.Base(name))
		// Standard input, a pipe or a process's output (<(tcpdump -w -))
		// is read once, by the analysis: a trace of its own. Read here,
		// its first MiB would be lost to the analysis.
		var f *os.File
		st, err := os.Stat(name)
		if name != "-" && err == nil && st.Mode().IsRegular() {
			f, _ = os.Open(name)
		}
		if f == nil {
			return clickhouse.Trace{Sensor: sensor, ID: randomID(), Source: strings.Join(names, ",")}
		}
		fmt.Fprintf(h, "%d\x00", st.Size())
		io.Copy(h, io.LimitReader(f, 1<<20))
		f.Close()
	}
	return clickhouse.Trace{Sensor: sensor, ID: hex.EncodeToString(h.Sum(nil))[:16], Source: strings.Join(names, ",")}
}

// liveTrace is a live capture's trace: its own each time.
func liveTrace(sensor, iface string) clickhouse.Trace {
	return clickhouse.Trace{Sensor: sensor, ID: randomID(), Source: "live:" + iface}
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newClickHouseCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clickhouse",
		Short: "The ClickHouse tables: their schema, and sending what the spool kept",
	}
	var database, cluster, server string
	var create bool
	schema := &cobra.Command{
		Use:   "schema [--database DB] [--cluster NAME] [--create --clickhouse URL]",
		Short: "Print the CREATE statements of the tables (with --cluster, local tables and Distributed ones over them)",
		RunE: func(cmd *cobra.Command, args []string) error {
			stmts := clickhouse.Schema(database, cluster)
			if !create {
				for _, s := range stmts {
					fmt.Fprintf(stdout, "%s;\n\n", s)
				}
				return nil
			}
			if server == "" {
				return usage("ui.usage.create")
			}
			if err := checkStoreURL(server); err != nil {
				return err
			}
			if err := clickhouse.Apply(stmts, func(sql string) error { return clickhouse.Exec(cmd.Context(), nil, server, sql) }); err != nil {
				return fmt.Errorf("clickhouse: %v", err)
			}
			fmt.Fprintf(stdout, "%d statements applied to %s\n", len(stmts), server)
			return nil
		},
	}
	f := schema.Flags()
	f.StringVar(&database, "database", "mailtrace", "the `DATABASE` of the tables")
	f.StringVar(&cluster, "cluster", "", "make local tables and Distributed tables over the cluster `NAME` (run on every node)")
	f.BoolVar(&create, "create", false, "apply the statements to the server instead of printing them")
	envURLFlag(f, &server, "the server's HTTP interface `URL`")

	var so storeOptions
	send := &cobra.Command{
		Use:   "send --clickhouse URL [--spool DIR]",
		Short: "Send the rows an earlier run left in the spool",
		RunE: func(cmd *cobra.Command, args []string) error {
			if so.url == "" {
				return usage("ui.usage.send")
			}
			if err := checkStoreURL(so.url); err != nil {
				return err
			}
			s := openStore(cmd.Context(), so, stderr)
			err := s.close()
			fmt.Fprintf(stdout, "%d rows sent from the spool, %d left in it\n", s.delivery.FromSpool, s.delivery.LeftInSpool)
			if s.delivery.Rejected > 0 {
				fmt.Fprintf(stdout, "%d rows the server refused or in files that cannot be sent, moved to %s with the reasons\n", s.delivery.Rejected, render.Escape(filepath.Join(so.spool, "rejected")))
			}
			if s.delivery.Halted {
				fmt.Fprintln(stdout, "delivery stopped on an error no retry gets past (see the warning): the rows wait in the spool")
			}
			// What earlier runs set aside is never sent again by itself:
			// its reasons say what to mend first.
			if set, _ := filepath.Glob(filepath.Join(so.spool, "rejected", "*.jsonl.gz")); len(set) > 0 {
				what := fmt.Sprintf("%d files in %s are", len(set), render.Escape(filepath.Join(so.spool, "rejected")))
				if len(set) == 1 {
					what = "1 file in " + render.Escape(filepath.Join(so.spool, "rejected")) + " is"
				}
				fmt.Fprintln(stdout, what+" not sent: mend what the .reason files say, then move them back")
			}
			return err
		},
	}
	so.register(send.Flags())
	cmd.AddCommand(schema, send)
	return cmd
}
