package main

import (
	"fmt"
	"io"
	"os"

	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/tlsdecrypt"
)

// loadKeyLogs reads the key logs --tls-keylog names into the run's keys,
// which a pcapng's secrets blocks may add to. A line that cannot be read
// is skipped and counted in a warning, as one mangled line must not lose
// the others' keys.
func loadKeyLogs(paths []string, stderr io.Writer) (*tlsdecrypt.Keys, error) {
	keys := tlsdecrypt.NewKeys()
	if len(paths) > 0 {
		keys.Expect()
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
