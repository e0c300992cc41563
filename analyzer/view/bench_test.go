package view_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/imap"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/view"
	"github.com/mailtrace/mailtrace/reassembly"
)

// BenchmarkLiveHeldData is the live view of IMAP commands completed
// while another's data is held (a LIST that has not completed, 5 000
// lines shown as they came): each completion looked through the lines
// still waiting, and 20 MB of it took 17 s where read took half a second.
func BenchmarkLiveHeldData(b *testing.B) {
	var cli, srv strings.Builder
	for i := range 100 {
		fmt.Fprintf(&cli, "b%d NOOP\r\n", i)
		fmt.Fprintf(&srv, "* %d EXISTS\r\nb%d OK done\r\n", i, i)
	}
	held := []byte(strings.Repeat("* LIST () \"/\" box\r\n", 5000))
	c, s := []byte(cli.String()), []byte(srv.String())
	const rounds = 100
	b.SetBytes(int64(len(held) + rounds*(len(c)+len(s))))
	b.ReportAllocs()
	for range b.N {
		live := view.Live(io.Discard, render.TextOptions{})
		ss := sessiontest.NewSession("imap")
		live.SessionStarted(ss)
		p := imap.Spec().New(proto.Env{Session: ss, Events: live})
		t := sessiontest.T0
		p.Feed(session.FromClient, t, []byte("a1 LIST \"\" *\r\n"))
		p.Feed(session.FromServer, t, held)
		for range rounds {
			t = t.Add(time.Millisecond)
			p.Feed(session.FromClient, t, c)
			p.Feed(session.FromServer, t, s)
		}
	}
}

// BenchmarkLiveHostile is the live view of each adversarial shape that
// make bench-hostile writes, in the directory MAILTRACE_HOSTILE names
// (skipped without it): read's views are measured by the command, live's
// need an interface, so the view is fed here as live feeds it.
func BenchmarkLiveHostile(b *testing.B) {
	dir := os.Getenv("MAILTRACE_HOSTILE")
	if dir == "" {
		b.Skip("MAILTRACE_HOSTILE names no directory of shapes (make bench-hostile)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pcapng"))
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(f), ".pcapng"), func(b *testing.B) {
			b.SetBytes(fi.Size())
			for range b.N {
				rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(analyzer.DefaultOptions(), view.Live(io.Discard, render.TextOptions{})), nil)
				if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: f}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
