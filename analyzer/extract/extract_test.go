package extract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// TestLimits: past the files a capture may write, messages are counted,
// not written; what was written is whole.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	e, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	e.SetLimits(Limits{Files: 3, Bytes: 1 << 20})
	s := &session.Session{ID: 1, Protocol: "smtp"}
	for range 5 {
		m := &session.Message{Via: "DATA", Content: ""}
		if w := e.MessageStarted(s, m); w != nil {
			w.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
		}
		e.MessageEnded(s, m)
	}
	if err := e.CaptureFinished(stats.Capture{}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 3 || e.Skipped() != 2 || e.Saved() != 3 {
		t.Errorf("%d files, %d skipped, %d saved; want 3, 2, 3", len(files), e.Skipped(), e.Saved())
	}
	for _, f := range files {
		if b, _ := os.ReadFile(f); string(b) != "Subject: x\r\n\r\nbody\r\n" {
			t.Errorf("%s: %q", f, b)
		}
	}
}
