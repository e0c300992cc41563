// Command mailtrace-corpus writes a large, valid pcapng of realistic mail
// traffic for benchmarks: SMTP submissions with attachments (some
// pipelined, some with AUTH), IMAP sessions fetching those messages as
// literals, POP3 sessions retrieving them, each over a full TCP connection
// (handshake, Ethernet-sized segments, ACKs, close). The output depends
// only on the flags.
//
//	mailtrace-corpus -size 250MB -o corpus.pcapng
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	size := flag.String("size", "250MB", "approximate file size (KB, MB, GB)")
	out := flag.String("o", "corpus.pcapng", "output file")
	seed := flag.Uint64("seed", 1, "random seed")
	scenario := flag.String("scenario", "mail", "mail: submissions and downloads; mailbox: POP3 and IMAP sessions that download a whole mailbox; open: connections that never close; bigmsg: one message of -size bytes; hostile:SHAPE: an adversarial shape ("+strings.Join(hostileShapes, ", ")+")")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailtrace-corpus: -size: %v\n", err)
		os.Exit(2)
	}
	if err := run(*out, n, *seed, *scenario); err != nil {
		fmt.Fprintf(os.Stderr, "mailtrace-corpus: %v\n", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for suffix, m := range map[string]int64{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("want a size such as 250MB, got %q", s)
	}
	return int64(f * float64(mult)), nil
}

func run(path string, size int64, seed uint64, scenario string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := newGenerator(w, seed)
	if err := g.header(); err != nil {
		return err
	}
	switch scenario {
	case "mail":
		for g.written < size && g.err == nil {
			g.mailCycle()
		}
	case "open":
		g.openConns(size)
	case "bigmsg":
		g.bigMessage(size)
	case "mailbox":
		g.mailbox(size)
	default:
		shape, ok := strings.CutPrefix(scenario, "hostile:")
		if !ok {
			return fmt.Errorf("unknown scenario %q", scenario)
		}
		if err := g.hostile(shape, size); err != nil {
			return err
		}
	}
	if g.err != nil {
		return g.err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mailtrace-corpus: %s: %d bytes, %d packets, %d connections\n", path, g.written, g.packets, g.conns)
	return f.Close()
}
