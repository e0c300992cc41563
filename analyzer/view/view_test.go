package view_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/pop3"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/spill"
	"github.com/mailtrace/mailtrace/analyzer/stats"
	"github.com/mailtrace/mailtrace/analyzer/view"
	"github.com/mailtrace/mailtrace/reassembly"
)

// recorder is a sink that writes down what it is told, and checks the
// order of events as it goes.
type recorder struct {
	sink.Nop
	t        *testing.T
	open     map[*session.Session]bool
	lines    map[*session.Session][]string // ExchangeLines of each completed exchange
	told     map[*session.Exchange]int
	msgBytes map[*session.Message]*bytes.Buffer
	msgEnded map[*session.Message]bool
}

func newRecorder(t *testing.T) *recorder {
	return &recorder{t: t, open: map[*session.Session]bool{}, lines: map[*session.Session][]string{},
		told: map[*session.Exchange]int{}, msgBytes: map[*session.Message]*bytes.Buffer{}, msgEnded: map[*session.Message]bool{}}
}

func (r *recorder) SessionStarted(s *session.Session) { r.open[s] = true }

// It embeds sink.Nop: it says what it reads.
func (r *recorder) ReadsExchanges() bool { return true }
func (r *recorder) ReadsMessages() bool  { return true }

func (r *recorder) ExchangeCompleted(s *session.Session, e *session.Exchange) {
	if !r.open[s] {
		r.t.Errorf("session %d: exchange completed outside the session's start and end", s.ID)
	}
	if e.Response == nil {
		r.t.Errorf("session %d: exchange told complete without a reply", s.ID)
	}
	r.told[e]++
	r.lines[s] = append(r.lines[s], render.ExchangeLines(s, e, render.TextOptions{})...)
}

func (r *recorder) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	b := &bytes.Buffer{}
	r.msgBytes[m] = b
	return b
}

func (r *recorder) MessageEnded(s *session.Session, m *session.Message) { r.msgEnded[m] = true }

func (r *recorder) SessionEnded(s *session.Session) {
	if !r.open[s] {
		r.t.Errorf("session %d ended before it started", s.ID)
	}
	r.open[s] = false
}

// TestSinkSeesWhatTheTimelineShows: for every sample, a sink beside the
// timeline is told of each exchange once, with the lines the timeline
// shows for it, and of each message with every one of its bytes.
func TestSinkSeesWhatTheTimelineShows(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rec := newRecorder(t)
			var sessions []*session.Session
			var text bytes.Buffer
			out := sink.Multi(rec, view.Timeline(&text, render.TextOptions{}), sink.Ended(func(s *session.Session) { sessions = append(sessions, s) }))
			opts := analyzer.DefaultOptions()
			rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(opts, out), nil)
			if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: path}}); err != nil {
				t.Fatal(err)
			}
			if len(sessions) == 0 {
				t.Fatal("no session")
			}
			shown := timelineLines(text.String())
			var want []string
			for _, s := range sessions {
				for _, e := range s.Exchanges {
					n := rec.told[e]
					switch {
					case e.Response != nil && n != 1:
						t.Errorf("session %d: exchange %+v told %d times, want once", s.ID, e.Command, n)
					case e.Response == nil && n != 0:
						t.Errorf("session %d: unanswered exchange told complete", s.ID)
					}
					if e.Response == nil {
						// The timeline shows unanswered commands; no event
						// says they completed.
						want = append(want, render.ExchangeLines(s, e, render.TextOptions{})...)
					}
				}
				want = append(want, rec.lines[s]...)
				for _, m := range s.Messages {
					if !rec.msgEnded[m] || int64(rec.msgBytes[m].Len()) != m.Size {
						t.Errorf("session %d: message of %d bytes: ended %v, subscriber got %d bytes", s.ID, m.Size, rec.msgEnded[m], rec.msgBytes[m].Len())
					}
				}
			}
			slices.Sort(want)
			if d := st.Diff(shown, want); d != "" {
				t.Errorf("the timeline's lines and the events' differ:\n%s", d)
			}
		})
	}
}

// timelineLines are the C: and S: lines of a timeline, without their
// times, sorted.
func timelineLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if len(l) < 13 {
			continue
		}
		var rel float64
		if _, err := fmt.Sscanf(l, "  %f", &rel); err != nil {
			continue
		}
		rest := strings.TrimLeft(l, " 0123456789.")
		// The timeline alone names the command a pipelined reply answers.
		if i := strings.LastIndex(rest, "   ← "); i > 0 {
			rest = rest[:i]
		}
		if strings.HasPrefix(rest, "C: ") || strings.HasPrefix(rest, "S: ") {
			out = append(out, rest)
		}
	}
	slices.Sort(out)
	return out
}

// TestLiveSaysWhereTLSBegan: the live view, like the timeline, tells
// that the rest of a session after STARTTLS was encrypted, and how much.
func TestLiveSaysWhereTLSBegan(t *testing.T) {
	var sessions []*session.Session
	var text bytes.Buffer
	out := sink.Multi(view.Live(&text, render.TextOptions{}), sink.Ended(func(s *session.Session) { sessions = append(sessions, s) }))
	rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(analyzer.DefaultOptions(), out), nil)
	if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "../../samples/smtp-starttls.pcapng"}}); err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || sessions[0].Encrypted == nil {
		t.Fatalf("sessions %+v", sessions)
	}
	e := sessions[0].Encrypted
	want := fmt.Sprintf("#1 SMTP ── TLS from here: %d B client, %d B server, not readable ──", e.BytesClient, e.BytesServer)
	got := text.String()
	i, j := strings.Index(got, want), strings.Index(got, "#1 SMTP ended:")
	// After the STARTTLS command itself, not after the EHLO that offered it.
	if k := strings.Index(got, "C: STARTTLS"); i < 0 || j < i || k < 0 || k > i {
		t.Errorf("want %q before the end, after STARTTLS, in:\n%s", want, got)
	}
	if e.BytesClient == 0 || e.BytesServer == 0 || e.BytesClient+e.ClientFrom != sessions[0].BytesClient {
		t.Errorf("encrypted %+v of session with %d B client", e, sessions[0].BytesClient)
	}
}

// TestLiveFollowShowsBytesAsTheyCross: live --follow shows each line as
// it completes, between the session's start and end, and counts TLS
// instead of dumping it.
func TestLiveFollowShowsBytesAsTheyCross(t *testing.T) {
	var sessions []*session.Session
	var text bytes.Buffer
	out := sink.Multi(view.LiveFollow(&text, render.TextOptions{}), sink.Ended(func(s *session.Session) { sessions = append(sessions, s) }))
	rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(analyzer.DefaultOptions(), out), nil)
	if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "../../samples/smtp-starttls.pcapng"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if !strings.Contains(lines[0], "started") || !strings.Contains(lines[len(lines)-1], "ended") {
		t.Errorf("first %q, last %q", lines[0], lines[len(lines)-1])
	}
	var tls [2]int64
	saw := map[string]bool{}
	for _, l := range lines {
		saw[l] = true
		var n int64
		var dir string
		if _, err := fmt.Sscanf(l, "#1 SMTP [TLS, %d B %s", &n, &dir); err == nil {
			tls[map[bool]int{true: 0, false: 1}[dir == "client->server,"]] += n
		}
		if strings.Contains(l, `\x16\x03`) {
			t.Errorf("TLS shown as bytes: %q", l)
		}
	}
	for _, want := range []string{"#1 SMTP C> EHLO vm", "#1 SMTP C> STARTTLS", "#1 SMTP S< 220 2.0.0 Ready to start TLS"} {
		if !saw[want] {
			t.Errorf("missing %q in:\n%s", want, text.String())
		}
	}
	if e := sessions[0].Encrypted; tls[0] != e.BytesClient || tls[1] != e.BytesServer {
		t.Errorf("TLS counted %v, session says %d/%d", tls, e.BytesClient, e.BytesServer)
	}
}

// TestFollowKeepsWithinItsBound: --follow keeps at most its bound of a
// session's bytes until the session ends (each chunk kept costs some of
// it), and says how many it left out.
func TestFollowKeepsWithinItsBound(t *testing.T) {
	follow := func(max int64) (string, *session.Session) {
		var text bytes.Buffer
		var ended *session.Session
		out := sink.Multi(view.Follow(&text, render.TextOptions{}, max), sink.Ended(func(s *session.Session) { ended = s }))
		rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(analyzer.DefaultOptions(), out), nil)
		if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "../../samples/smtp1.pcapng"}}); err != nil {
			t.Fatal(err)
		}
		return text.String(), ended
	}
	all, s := follow(0)
	cut, _ := follow(200)
	total := s.BytesClient + s.BytesServer
	var dropped int64
	if _, err := fmt.Sscanf(cut[strings.Index(cut, "[... "):], "[... %d more bytes", &dropped); err != nil || strings.Contains(all, "not kept") {
		t.Fatalf("want the bytes not kept said in the cut view only (%v):\n%s", err, cut)
	}
	// The greeting's first bytes are kept, in one chunk; what was not
	// kept is the rest.
	if kept := total - dropped; kept <= 0 || kept > 200 || !strings.Contains(cut, "220 mail.redes") {
		t.Errorf("%d of %d bytes kept under a bound of 200:\n%s", kept, total, cut)
	}
	if !strings.Contains(all, "    221 2.0.0 Bye") || strings.Contains(cut, "221 2.0.0 Bye") {
		t.Errorf("the cut view should stop within the first 200 bytes:\n%s", cut)
	}
}

// TestLiveShowsCommandsBeforeTheirReplies: live shows IMAP untagged data
// as it comes, and each reply line after the command that asked for it,
// as read does: "* 1 EXISTS" after "a2 SELECT inbox", "* BYE" after
// "a5 LOGOUT", also when the command was typed ahead.
func TestLiveShowsCommandsBeforeTheirReplies(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcapng")
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var sessions []*session.Session
			var text bytes.Buffer
			out := sink.Multi(view.Live(&text, render.TextOptions{}), sink.Ended(func(s *session.Session) { sessions = append(sessions, s) }))
			rd := reassembly.NewReader(reassembly.DefaultOptions(), analyzer.NewTracker(analyzer.DefaultOptions(), out), nil)
			if _, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: path}}); err != nil {
				t.Fatal(err)
			}
			all := strings.Split(text.String(), "\n")
			for _, s := range sessions {
				prefix := render.LivePrefix(s) + " "
				var shown []string
				for _, l := range all {
					if rest, ok := strings.CutPrefix(l, prefix); ok {
						shown = append(shown, rest)
					}
				}
				used := make([]bool, len(shown))
				find := func(line string) int {
					for i, l := range shown {
						if !used[i] && l == line {
							used[i] = true
							return i
						}
					}
					return -1
				}
				// Data is asked for by the command a tag began: what an
				// IDLE pushes comes before the DONE that ends it, in read
				// too.
				began := map[string]int{}
				sent := map[int]int{} // where each exchange's command was shown
				for i, e := range s.Exchanges {
					if e.Command == nil || e.Response == nil {
						continue
					}
					if j := render.SentBy(s, i); j != i {
						// An LMTP recipient's reply: after the data, shown once.
						if r := find(render.ExchangeLines(s, e, render.TextOptions{})[0]); r < sent[j] {
							t.Errorf("session %d: reply for %s shown at %d, the data at %d", s.ID, e.Command.Recipient, r, sent[j])
						}
						continue
					}
					lines := render.ExchangeLines(s, e, render.TextOptions{})
					n := len(render.ExchangeLines(s, &session.Exchange{Command: e.Command}, render.TextOptions{}))
					if n >= len(lines) {
						continue
					}
					c := find(lines[0])
					if e.Command.Kind == session.KindCommand && e.Command.Tag != "" {
						began[e.Command.Tag] = c
					} else if b, ok := began[e.Command.Tag]; ok && e.Command.Tag != "" {
						c = b
					}
					sent[i] = c
					r := find(lines[n])
					if c < 0 || r < 0 || r < c {
						t.Errorf("session %d: %q shown at %d, its reply's %q at %d", s.ID, lines[0], c, lines[n], r)
					}
				}
			}
		})
	}
}

// TestViewsThatNeedNoParts: the views that show neither parts nor the
// anomalies reading them finds (the two follow views, the ladder, the
// journeys, the comparison) read with the MIME structure left unread
// (proto.Options.NoParts). Each writes the same with and without it, on
// captures whose messages have parts.
func TestViewsThatNeedNoParts(t *testing.T) {
	o := render.TextOptions{}
	views := map[string]func(io.Writer) sink.Sink{
		"follow":      func(w io.Writer) sink.Sink { return view.Follow(w, o, 0) },
		"live follow": func(w io.Writer) sink.Sink { return view.LiveFollow(w, o) },
		"ladder":      func(w io.Writer) sink.Sink { return sink.ByID(view.Ladder(w, o)) },
		"compare":     func(w io.Writer) sink.Sink { return view.Compare(w, true, explain.English) },
		"journeys": func(w io.Writer) sink.Sink {
			j := journey.New()
			return sink.Multi(j, view.Journeys(w, j, o))
		},
	}
	for _, sample := range []string{"attachments-journey.pcapng", "imap-fetch-many.pcapng", "tls-secrets.pcapng"} {
		show := func(noParts bool, v func(io.Writer) sink.Sink) (string, int) {
			var text bytes.Buffer
			parts := 0
			counted := sink.Ended(func(s *session.Session) {
				for _, m := range s.Messages {
					parts += len(m.Parts)
				}
			})
			opts := analyzer.DefaultOptions()
			opts.Parse.NoParts = noParts
			out := sink.Multi(v(&text), counted)
			tr := analyzer.NewTracker(opts, out)
			rd := reassembly.NewReader(reassembly.DefaultOptions(), tr, nil)
			read, err := rd.ReadAll(context.Background(), []reassembly.Input{{Path: "../../samples/" + sample}})
			if err != nil {
				t.Fatal(err)
			}
			tr.Finish()
			if err := out.CaptureFinished(stats.Capture{Packets: read.Packets}); err != nil {
				t.Fatal(err)
			}
			return text.String(), parts
		}
		for name, v := range views {
			with, parts := show(false, v)
			without, none := show(true, v)
			if parts == 0 || none != 0 || with == "" {
				t.Fatalf("%s, %s: %d parts read, %d with NoParts, %d bytes written; want some, none, some", sample, name, parts, none, len(with))
			}
			if with != without {
				t.Errorf("%s, %s: %d bytes written with the parts read, %d without", sample, name, len(with), len(without))
			}
		}
	}
}

// TestFullReleasesItsBodies: the timeline of --full gives the room of
// each session's spilled bodies back once it has written them, so the
// spill file holds about one session's bodies after four; and it writes
// them as it writes bodies kept in memory.
func TestFullReleasesItsBodies(t *testing.T) {
	steps := []st.Step{st.S("+OK ready\r\n")}
	for i := range 4 {
		body := fmt.Sprintf("Subject: %d\r\n\r\n", i) + strings.Repeat(fmt.Sprintf("line %d of a message\r\n", i), 30000)
		steps = append(steps, st.C(fmt.Sprintf("RETR %d\r\n", i+1)), st.S("+OK\r\n"+body+".\r\n"))
	}
	steps = append(steps, st.C("QUIT\r\n"), st.S("+OK bye\r\n"))
	o := render.TextOptions{Full: true}
	var inMemory bytes.Buffer
	mem := view.Timeline(&inMemory, o)
	var spilled bytes.Buffer
	full := view.Timeline(&spilled, o)
	store := spill.NewShared(t.TempDir())
	var first int64
	for k := range 4 {
		mem.SessionEnded(st.RunSpec(pop3.Spec(), proto.Options{KeepBodies: true}, steps...))
		s := st.RunSpec(pop3.Spec(), proto.Options{KeepBodies: true, Bodies: store}, steps...)
		if k == 0 {
			first = store.Size()
		}
		full.SessionEnded(s)
	}
	if first == 0 {
		t.Fatal("no body was spilled")
	}
	if !bytes.Equal(spilled.Bytes(), inMemory.Bytes()) {
		t.Errorf("%d bytes written from the spill file, %d from memory", spilled.Len(), inMemory.Len())
	}
	if size := store.Size(); size > first+first/4 {
		t.Errorf("the spill file holds %d bytes after four sessions, %d after the first", size, first)
	}
}
