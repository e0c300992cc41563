package extract

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestManyMessagesInFlight: more messages in flight than descriptors
// allowed, written in turns, are each saved whole, and no more than the
// bound are ever open.
func TestManyMessagesInFlight(t *testing.T) {
	dir := t.TempDir()
	e, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	s := &session.Session{ID: 1, Protocol: "smtp"}
	ms := make([]*session.Message, n)
	ws := make([]io.Writer, n)
	for i := range ms {
		ms[i] = &session.Message{Via: "DATA"}
		ws[i] = e.MessageStarted(s, ms[i])
		fmt.Fprintf(ws[i], "Subject: %d\r\n\r\n", i)
	}
	for round := range 3 {
		for i := n - 1; i >= 0; i-- {
			fmt.Fprintf(ws[i], "line %d of %d\r\n", round, i)
			if e.live > e.maxOpen || e.maxOpen > maxOpenFiles {
				t.Fatalf("%d files open, bound %d", e.live, e.maxOpen)
			}
		}
	}
	for _, m := range ms {
		e.MessageEnded(s, m)
	}
	if err := e.CaptureFinished(stats.Capture{}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != n {
		t.Fatalf("%d files, want %d", len(files), n)
	}
	for i := range n {
		name := filepath.Join(dir, fmt.Sprintf("0001-smtp-%02d-DATA.eml", i+1))
		b, _ := os.ReadFile(name)
		want := fmt.Sprintf("Subject: %d\r\n\r\nline 0 of %d\r\nline 1 of %d\r\nline 2 of %d\r\n", i, i, i, i)
		if string(b) != want {
			t.Fatalf("%s: %q, want %q", filepath.Base(name), b, want)
		}
	}
}

// TestOpenBound: message files take at most a quarter of what the
// process may open, and never more than maxOpenFiles.
func TestOpenBound(t *testing.T) {
	for _, tc := range []struct {
		limit uint64
		want  int
	}{{1 << 20, maxOpenFiles}, {1024, 256}, {256, 64}, {20, 5}, {3, 4}} {
		if got := openBound(tc.limit); got != tc.want {
			t.Errorf("openBound(%d) = %d, want %d", tc.limit, got, tc.want)
		}
	}
}

// TestNamedWholeOnlyWhenWhole: a message in flight is on disk under an
// .incomplete name (a run killed then leaves nothing that looks whole);
// it takes its own name when it ends whole, and keeps the mark when it
// ends cut.
func TestNamedWholeOnlyWhenWhole(t *testing.T) {
	dir := t.TempDir()
	e, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		var ns []string
		entries, _ := os.ReadDir(dir)
		for _, d := range entries {
			ns = append(ns, d.Name())
		}
		return ns
	}
	s := &session.Session{ID: 7, Protocol: "pop3"}
	whole, cut := &session.Message{Via: "RETR"}, &session.Message{Via: "RETR"}
	fmt.Fprint(e.MessageStarted(s, whole), "Subject: a\r\n\r\nbody\r\n")
	fmt.Fprint(e.MessageStarted(s, cut), "Subject: b\r\n\r\nbo")
	if got := fmt.Sprint(names()); got != "[0007-pop3-01-RETR.incomplete.eml 0007-pop3-02-RETR.incomplete.eml]" {
		t.Errorf("in flight: %s", got)
	}
	e.MessageEnded(s, whole)
	cut.Truncated = true
	e.MessageEnded(s, cut)
	if err := e.CaptureFinished(stats.Capture{}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(names()); got != "[0007-pop3-01-RETR.eml 0007-pop3-02-RETR.incomplete.eml]" {
		t.Errorf("ended: %s", got)
	}
	if e.Incomplete() != 1 || e.Saved() != 2 {
		t.Errorf("%d saved, %d cut; want 2 and 1", e.Saved(), e.Incomplete())
	}
}

// TestMoveNeverOverwrites: a message moved to a name that is taken gets
// the next free one; the file there stays as it was, and the old name is
// gone.
func TestMoveNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	os.WriteFile(filepath.Join(dir, "a.eml"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.incomplete.eml"), []byte("new"), 0o644)
	name, err := move(root, "a.incomplete.eml", "a.eml")
	if err != nil || name != "a (2).eml" {
		t.Fatalf("moved to %q, %v; want a (2).eml", name, err)
	}
	for file, want := range map[string]string{"a.eml": "old", "a (2).eml": "new"} {
		if b, _ := os.ReadFile(filepath.Join(dir, file)); string(b) != want {
			t.Errorf("%s: %q, want %q", file, b, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a.incomplete.eml")); !os.IsNotExist(err) {
		t.Errorf("the old name is still there: %v", err)
	}
}

// TestAttachmentCutByAFullDisk: an attachment whose writing fails (a
// full disk) stays under a name that says so; no short file takes the
// attachment's own name. A whole one takes it. (Root: a tmpfs of its
// own.)
func TestAttachmentCutByAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", dir).Run(); err != nil {
		t.Skip("no tmpfs to fill here (needs root):", err)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	e, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &session.Session{ID: 1, Protocol: "smtp"}
	message := func(name string, size int) string {
		data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("z"), size))
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: application/octet-stream\r\n")
		b.WriteString("Content-Disposition: attachment; filename=" + name + "\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		for len(data) > 76 {
			b.WriteString(data[:76] + "\r\n")
			data = data[76:]
		}
		b.WriteString(data + "\r\n--B--\r\n")
		return b.String()
	}
	for _, m := range []struct{ name, text string }{{"small.bin", message("small.bin", 1000)}, {"big.bin", message("big.bin", 80000)}} {
		msg := &session.Message{Via: "DATA"}
		io.WriteString(e.MessageStarted(s, msg), m.text)
		e.MessageEnded(s, msg)
	}
	if err := e.CaptureFinished(stats.Capture{}); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("ended with %v, want the full disk", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "0001-smtp-01-DATA.parts", "small.bin")); err != nil || len(b) != 1000 {
		t.Errorf("the whole attachment: %d bytes, %v", len(b), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "0001-smtp-02-DATA.parts", "big.bin")); !os.IsNotExist(err) {
		t.Errorf("the cut attachment is under its own name (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "0001-smtp-02-DATA.parts", "big.bin.incomplete")); err != nil {
		t.Errorf("the cut attachment is not under an .incomplete name: %v", err)
	}
}
