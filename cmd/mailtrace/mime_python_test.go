package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// pythonLeaves lists the leaf parts of each file as Python's email
// package reads it (policy.default, as mail programs built on it do):
// content type and file name, message/rfc822 a leaf as mailtrace counts
// it. It skips where python3 is absent.
const pythonLeaves = `
import email, email.policy, json, sys
def leaves(m):
    if m.get_content_maintype() == "multipart":
        for p in m.iter_parts():
            yield from leaves(p)
    else:
        yield m
out = {}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        m = email.message_from_bytes(f.read(), policy=email.policy.default)
    out[path] = [[p.get_content_type(), p.get_filename() or ""] for p in leaves(m)]
json.dump(out, sys.stdout)
`

// malformedMIME are messages as they come from the field, broken in the
// ways mail programs forgive: each is a case Python's walk reads.
var malformedMIME = map[string]string{
	"bad-header-line": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhola\r\n" +
		"--B\r\nContent-Type: text/plain\r\nthis line is no header field\r\n\r\nbody\r\n" +
		"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=payload.exe\r\n\r\nMZ\r\n--B--\r\n",
	"unquoted-spaces": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename=Quarterly report.pdf\r\n\r\n%PDF\r\n--B--\r\n",
	"unquoted-parentheses": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=invoice(1).exe\r\n\r\nMZ\r\n--B--\r\n",
	"no-final-boundary": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nuno\r\n" +
		"--B\r\nContent-Type: application/zip; name=\"a.zip\"\r\n\r\nPK\r\n",
	"quoted-boundary-with-space": "Content-Type: multipart/mixed; boundary=\"a b\"\r\n\r\n--a b\r\nContent-Type: text/plain\r\n\r\nx\r\n" +
		"--a b\r\nContent-Type: image/png; name=x.png\r\n\r\nPNG\r\n--a b--\r\n",
	"nested-alternative": "Content-Type: multipart/mixed; boundary=O\r\n\r\n--O\r\nContent-Type: multipart/alternative; boundary=I\r\n\r\n" +
		"--I\r\nContent-Type: text/plain\r\n\r\nt\r\n--I\r\nContent-Type: text/html\r\n\r\n<p>t</p>\r\n--I--\r\n" +
		"--O\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"informe.pdf\"\r\n\r\n%PDF\r\n--O--\r\n",
	"rfc822-attachment": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nfwd\r\n" +
		"--B\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=C\r\n\r\n--C\r\nContent-Type: text/plain\r\n\r\nin\r\n--C--\r\n" +
		"--B--\r\n",
	"rfc2231-name": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20cuenta.txt\r\n\r\nx\r\n--B--\r\n",
	"rfc2047-name": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n" +
		"Content-Disposition: attachment; filename=\"=?utf-8?q?caf=C3=A9.txt?=\"\r\n\r\nx\r\n--B--\r\n",
	"preamble-epilogue":       "Content-Type: multipart/mixed; boundary=B\r\n\r\nThis is a MIME message.\r\n--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\nepilogue\r\n",
	"part-without-header":     "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\r\nplain by default\r\n--B--\r\n",
	"upper-case":              "Content-Type: MULTIPART/MIXED; BOUNDARY=B\r\n\r\n--B\r\nContent-Type: TEXT/PLAIN\r\n\r\nx\r\n--B\r\nContent-Type: APPLICATION/PDF; NAME=A.PDF\r\n\r\n%PDF\r\n--B--\r\n",
	"bare-lf":                 "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nx\n--B\nContent-Type: application/pdf; name=a.pdf\n\n%PDF\n--B--\n",
	"boundary-trailing-space": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B  \r\nContent-Type: text/plain\r\n\r\nx\r\n--B \r\nContent-Type: image/gif; name=g.gif\r\n\r\nGIF\r\n--B--\r\n",
	"name-only-in-content-type": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: application/msword; name=\"carta.doc\"\r\n" +
		"Content-Disposition: attachment\r\n\r\nDOC\r\n--B--\r\n",
	"not-mime": "Subject: typed at telnet\r\n\r\nmensaje 7\r\n",
}

// TestMIMEAsPythonReadsIt: every part Python's email package sees in a
// message, mailtrace sees too, with the same type and file name: in each
// message the samples and public captures carry, and in a corpus of MIME
// broken as it comes from the field. A finding that misses the attachment
// an attacker hid is worse than none.
func TestMIMEAsPythonReadsIt(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the comparison is not run")
	}
	dir := t.TempDir()
	var files []string
	for name, msg := range malformedMIME {
		path := filepath.Join(dir, name+".eml")
		if err := os.WriteFile(path, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for _, capture := range allMessageCaptures(t) {
		out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(capture), filepath.Ext(capture)))
		if _, _, err := runCLI(t, nil, "read", "-q", "--stats", "--extract", out, capture); err != nil {
			continue // another test's business
		}
		emls, _ := filepath.Glob(filepath.Join(out, "*.eml"))
		for _, e := range emls {
			// Whole messages only: a header alone or a part is not one.
			if b := filepath.Base(e); !strings.Contains(b, "-header") && !strings.Contains(b, "-text") && !strings.Contains(b, "-part") && !strings.Contains(b, "incomplete") {
				files = append(files, e)
			}
		}
	}
	sort.Strings(files)
	cmd := exec.Command("python3", append([]string{"-c", pythonLeaves}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v: %s", err, stderr.String())
	}
	var theirs map[string][][2]string
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ps, more := parts.Walk(f)
		f.Close()
		ours := map[string]int{}
		for _, p := range ps {
			ours[p.ContentType+" "+p.Filename]++
		}
		ours["more"] = more
	next:
		for _, p := range theirs[path] {
			key := strings.ToLower(p[0]) + " " + p[1]
			if ours[key] > 0 {
				ours[key]--
				continue
			}
			// An unquoted name with spaces or parentheses: Python keeps
			// its first word ("Quarterly"), mailtrace the whole name, as
			// Thunderbird shows it.
			for k, n := range ours {
				if n > 0 && p[1] != "" && strings.HasPrefix(k, key) {
					ours[k]--
					continue next
				}
			}
			if ours["more"] > 0 {
				ours["more"]--
				continue
			}
			t.Errorf("%s: Python sees a part %q that mailtrace misses (mailtrace: %v)", filepath.Base(path), key, partNames(ps))
		}
		compared++
	}
	t.Logf("%d messages compared with Python's walk", compared)
	if compared < len(malformedMIME)+10 {
		t.Errorf("only %d messages compared", compared)
	}
}

func partNames(ps []session.Part) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s %q", p.ContentType, p.Filename))
	}
	return out
}

// allMessageCaptures are the samples and the public captures present.
func allMessageCaptures(t *testing.T) []string {
	files := samples(t)
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	return append(files, public...)
}
