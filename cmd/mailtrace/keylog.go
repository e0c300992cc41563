package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/tlsdecrypt"
)

// loadKeyLogs reads the key logs --tls-keylog names into the run's keys,
// which a pcapng's secrets blocks may add to. A line that cannot be read
// is skipped and counted in a warning, as one mangled line must not lose
// the others' keys.
func loadKeyLogs(paths []string, live bool, stderr io.Writer) (*tlsdecrypt.Keys, error) {
	keys := tlsdecrypt.NewKeys()
	if len(paths) > 0 {
		keys.Expect()
	}
	if live {
		// Followed as they grow once the capture starts (followKeyLogs).
		return keys, nil
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("--tls-keylog: %v", err)
		}
		added, bad, err := keys.Read(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--tls-keylog %s: %v", render.Escape(p), err)
		}
		if bad > 0 {
			fmt.Fprintf(stderr, "mailtrace: warning: --tls-keylog %s: %d lines are no key log lines, skipped\n", render.Escape(p), bad)
		}
		if added == 0 {
			fmt.Fprintf(stderr, "mailtrace: warning: --tls-keylog %s: no TLS secrets in it\n", render.Escape(p))
		}
	}
	return keys, nil
}

// followKeyLogs adds to keys the lines written to each key log, from its
// start and as a client appends to it (SSLKEYLOGFILE), until ctx ends; a
// file that does not exist yet is waited for. Sessions whose secrets are
// not in yet hold their records, within a bound, until they come.
func followKeyLogs(ctx context.Context, paths []string, keys *tlsdecrypt.Keys) {
	if len(paths) == 0 {
		return
	}
	keys.Follow()
	followers := make([]*keyLogFollower, len(paths))
	for i, p := range paths {
		followers[i] = &keyLogFollower{path: p, keys: keys, buf: make([]byte, 64<<10)}
	}
	keys.OnRefresh(func() {
		for _, f := range followers {
			f.read()
		}
	})
	for _, f := range followers {
		go f.follow(ctx)
	}
}

// keyLogPoll is how often a followed key log is read for new lines: well
// within the time a client takes from its handshake to its first command.
const keyLogPoll = 20 * time.Millisecond

// keyLogFollower reads one key log as it grows, on its poll and whenever
// a session waiting for its secrets asks (Keys.Refresh).
type keyLogFollower struct {
	mu      sync.Mutex
	path    string
	keys    *tlsdecrypt.Keys
	f       *os.File
	buf     []byte
	partial []byte
}

func (k *keyLogFollower) follow(ctx context.Context) {
	tick := time.NewTicker(keyLogPoll)
	defer tick.Stop()
	for {
		k.read()
		select {
		case <-ctx.Done():
			k.mu.Lock()
			if k.f != nil {
				k.f.Close()
				k.f = nil
			}
			k.mu.Unlock()
			return
		case <-tick.C:
		}
	}
}

// read adds the whole lines written since the last read; a file that does
// not exist yet is looked for again next time.
func (k *keyLogFollower) read() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		if k.f, _ = os.Open(k.path); k.f == nil {
			return
		}
	}
	for {
		n, err := k.f.Read(k.buf)
		data := append(k.partial, k.buf[:n]...)
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			k.keys.Add(data[:i])
			data = data[i+1:]
		}
		// A line is under a kilobyte; more without a newline is no key
		// log, and is dropped.
		k.partial = append(k.partial[:0], data[:min(len(data), 1024)]...)
		if n == 0 || err != nil {
			return
		}
	}
}
