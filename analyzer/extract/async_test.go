package extract

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// script plays sessions of messages with attachments, several in flight
// and interleaved, some cut, one message record reused for several (as
// past a session's bound), some writes larger than a batch, into s.
func script(s sink.Sink) {
	att := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("adjunto ", 40000)))
	msg := func(i int) string {
		return fmt.Sprintf("Subject: %d\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhola %d\r\n"+
			"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"informe %d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n", i, i, i, att)
	}
	reused := &session.Message{}
	for id := 1; id <= 3; id++ {
		sess := &session.Session{ID: id, Protocol: "pop3"}
		var ms []*session.Message
		var ws []io.Writer
		for i := range 6 {
			m := &session.Message{Via: "RETR"}
			if i >= 4 {
				m = reused // one after the other: the last ended first
				*m = session.Message{Via: "RETR"}
			}
			if i == 2 {
				m.Content, m.Range = session.ContentPart, &session.Range{Origin: 10, Length: 20}
			}
			w := s.MessageStarted(sess, m)
			body := msg(id*10 + i)
			half := len(body) / 2
			if w != nil {
				w.Write([]byte(body[:half]))
			}
			if i >= 4 {
				if w != nil {
					w.Write([]byte(body[half:]))
				}
				s.MessageEnded(sess, m)
				continue
			}
			ms, ws = append(ms, m), append(ws, w)
		}
		for i, m := range ms {
			body := msg(id*10 + i)
			if ws[i] != nil {
				ws[i].Write([]byte(body[len(body)/2:]))
			}
			m.Truncated = i == 1
			s.MessageEnded(sess, m)
		}
		s.SessionEnded(sess)
	}
}

// tree is every file under dir and its SHA-256.
func tree(t *testing.T, dir string) map[string]string {
	files := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		files[strings.TrimPrefix(path, dir)] = hex.EncodeToString(sum[:])
		return nil
	})
	return files
}

// TestAsyncWritesWhatTheSinkWrites: on a goroutine of its own the sink
// writes the same files, byte for byte, and leaves the same ones out at
// its limits, as on the caller's; the counts are the same once the
// capture is finished.
func TestAsyncWritesWhatTheSinkWrites(t *testing.T) {
	for _, limits := range []Limits{DefaultLimits, {Files: 9, Bytes: 1 << 30}, {Files: 1000, Bytes: 2 << 20}} {
		run := func(async bool) (map[string]string, string) {
			dir := t.TempDir()
			e, err := New(dir)
			if err != nil {
				t.Fatal(err)
			}
			e.SetLimits(limits)
			var s sink.Sink = e
			if async {
				s = Async(e)
			}
			script(s)
			if err := s.CaptureFinished(stats.Capture{}); err != nil {
				t.Fatal(err)
			}
			return tree(t, dir), fmt.Sprint(e.Saved(), e.Incomplete(), e.Skipped())
		}
		alone, aloneCounts := run(false)
		behind, behindCounts := run(true)
		if len(alone) < 8 || fmt.Sprint(alone) != fmt.Sprint(behind) || aloneCounts != behindCounts {
			t.Errorf("limits %+v: alone %d files (%s), on a goroutine %d (%s):\n%v\n%v", limits, len(alone), aloneCounts, len(behind), behindCounts, alone, behind)
		}
	}
}

// TestAsyncTellsTheError: an error the sink meets on its goroutine is told
// once, on the caller's, and CaptureFinished returns it.
func TestAsyncTellsTheError(t *testing.T) {
	dir := t.TempDir()
	e, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	var told []error
	e.OnError(func(err error) { told = append(told, err) })
	s := Async(e)
	e.root.Close() // every file the sink makes fails
	script(s)
	err = s.CaptureFinished(stats.Capture{})
	if err == nil || len(told) != 1 || !strings.Contains(err.Error(), told[0].Error()) {
		t.Errorf("CaptureFinished %v, told %v; want the error, told once", err, told)
	}
}
