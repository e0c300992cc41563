package clickhouse

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Config says where rows go and how they are batched, retried and
// spooled.
type Config struct {
	// URL is the server's HTTP interface, http://host:8123/; a user and
	// password in it are sent as basic authentication.
	URL      string
	Database string
	// Spool is the directory batches go to when the server does not take
	// them: past MaxMemory while it is away, and at the end when Wait
	// ran out. Its batches, also those an earlier run left, are sent
	// when the server is back.
	Spool string
	// A table's rows are sent when BatchRows are waiting, or the first of
	// them has waited BatchAge.
	BatchRows int
	BatchAge  time.Duration
	// MaxMemory bounds the compressed batches held waiting for the
	// server; past it the oldest go to the spool.
	MaxMemory int64
	// Wait is how long Close keeps trying before it spools the rest; 0
	// spools at once what is not sent.
	Wait time.Duration
	// Backoff is the first pause after a failed send; it doubles up to
	// MaxBackoff.
	Backoff, MaxBackoff time.Duration
	Client              *http.Client
	// Warn is told, once per outage, that the server did not take a batch.
	Warn func(string)
}

// DefaultConfig returns the defaults for url.
func DefaultConfig(url string) Config {
	return Config{URL: url, Database: "mailtrace", BatchRows: 10000, BatchAge: time.Second, MaxMemory: 64 << 20,
		Wait: 30 * time.Second, Backoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second,
		Client: &http.Client{Timeout: 30 * time.Second}, Warn: func(string) {}}
}

// Writer batches rows per table and sends them from a goroutine of its
// own, so the analysis never waits for the server. Its methods may be
// called from several goroutines.
type Writer struct {
	cfg      Config
	mu       sync.Mutex
	wake     *sync.Cond
	open     map[string]*building
	queue    []*batch // sealed, waiting in memory
	queued   int64    // their compressed bytes
	closing  bool
	deadline time.Time
	counters stats.Delivery
	seq      int
	sending  *batch // the batch the sender has in hand
	// abortSend ends the request in flight; Close calls it when its
	// deadline passes.
	abortSend context.CancelFunc
	spoolErr  error
	outage    bool // a send failed and none succeeded since
	sent      chan struct{}
	stop      chan struct{}
	// hurry is closed by Interrupt: the sender's pause between retries
	// ends at once.
	hurry     chan struct{}
	hurryOnce sync.Once
	// cooling says until when a table's batches wait, after the server
	// answered that it could not take them now (TOO_MANY_PARTS): the
	// other tables go on meanwhile. pauses are each table's next wait.
	cooling map[string]time.Time
	pauses  map[string]time.Duration
	poke    chan struct{} // a batch was sealed: a sender waiting on a cooling table looks again
}

type building struct {
	buf   bytes.Buffer
	rows  int
	since time.Time
}

// batch is a table's rows as a compressed JSONEachRow body; file is its
// spool file when it came from there.
type batch struct {
	table string
	rows  int
	body  []byte
	file  string // claimed while sent
	name  string // its name in the spool, to give it back
}

// NewWriter starts a writer; Close must be called to send what is left.
func NewWriter(cfg Config) *Writer {
	d := DefaultConfig(cfg.URL)
	if cfg.Database == "" {
		cfg.Database = d.Database
	}
	if cfg.BatchRows <= 0 {
		cfg.BatchRows = d.BatchRows
	}
	if cfg.BatchAge <= 0 {
		cfg.BatchAge = d.BatchAge
	}
	if cfg.MaxMemory <= 0 {
		cfg.MaxMemory = d.MaxMemory
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = d.Backoff
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = max(d.MaxBackoff, cfg.Backoff)
	}
	if cfg.Client == nil {
		cfg.Client = d.Client
	}
	if cfg.Warn == nil {
		cfg.Warn = d.Warn
	}
	w := &Writer{cfg: cfg, open: map[string]*building{}, sent: make(chan struct{}), stop: make(chan struct{}), hurry: make(chan struct{}),
		cooling: map[string]time.Time{}, pauses: map[string]time.Duration{}, poke: make(chan struct{}, 1)}
	w.counters.URL = RedactURL(cfg.URL)
	w.counters.Tables = map[string]int64{}
	w.wake = sync.NewCond(&w.mu)
	go w.send()
	go w.tick()
	return w
}

// Add queues a row for its table.
func (w *Writer) Add(r Row) error {
	line, err := json.Marshal(r.Data)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.open[r.Table]
	if b == nil {
		b = &building{since: time.Now()}
		w.open[r.Table] = b
	}
	b.buf.Write(line)
	b.buf.WriteByte('\n')
	b.rows++
	if b.rows >= w.cfg.BatchRows {
		w.seal(r.Table)
	}
	return nil
}

// seal turns the table's rows into a batch; w.mu is held.
func (w *Writer) seal(table string) {
	b := w.open[table]
	if b == nil || b.rows == 0 {
		return
	}
	delete(w.open, table)
	var z bytes.Buffer
	gz := gzip.NewWriter(&z)
	gz.Write(b.buf.Bytes())
	gz.Close()
	w.queue = append(w.queue, &batch{table: table, rows: b.rows, body: z.Bytes()})
	w.queued += int64(z.Len())
	select {
	case w.poke <- struct{}{}:
	default:
	}
	// Past the memory bound the oldest batches wait on disk.
	for w.queued > w.cfg.MaxMemory && len(w.queue) > 1 {
		w.spill(w.queue[0])
		w.queue = w.queue[1:]
	}
	w.wake.Broadcast()
}

// spill writes a batch to the spool; w.mu is held.
func (w *Writer) spill(b *batch) {
	w.queued -= int64(len(b.body))
	if _, err := w.toSpool(b); err != nil {
		if w.spoolErr == nil {
			w.spoolErr = err
		}
		return
	}
	w.counters.Spooled += int64(b.rows)
}

// tick seals batches that have waited BatchAge.
func (w *Writer) tick() {
	t := time.NewTicker(w.cfg.BatchAge / 2)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.mu.Lock()
			for table, b := range w.open {
				if now.Sub(b.since) >= w.cfg.BatchAge {
					w.seal(table)
				}
			}
			w.mu.Unlock()
		}
	}
}

// next is the batch to send: from memory, else from the spool; nil when
// closing and nothing is left, or the deadline passed.
func (w *Writer) next() *batch {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		now := time.Now()
		if w.closing && now.After(w.deadline) {
			return nil
		}
		// One queue per table, in effect: the oldest batch of a table
		// that is not cooling goes first.
		waiting := false
		for i, b := range w.queue {
			if w.cooling[b.table].After(now) {
				waiting = true
				continue
			}
			w.queue = append(w.queue[:i:i], w.queue[i+1:]...)
			w.queued -= int64(len(b.body))
			w.sending = b
			return b
		}
		b, cooled := w.fromSpool(now)
		if b != nil {
			w.sending = b
			return b
		}
		if waiting || cooled {
			// Only tables the server asked to wait have batches: until
			// the first is due, or another table's batch is sealed.
			until := w.soonest(now)
			if w.closing && w.deadline.Before(until) {
				until = w.deadline
			}
			w.mu.Unlock()
			t := time.NewTimer(time.Until(until))
			select {
			case <-t.C:
			case <-w.hurry:
			case <-w.poke:
			}
			t.Stop()
			w.mu.Lock()
			continue
		}
		if w.closing {
			return nil
		}
		w.wake.Wait()
	}
}

// soonest is when the first table still cooling at now is due; w.mu is
// held.
func (w *Writer) soonest(now time.Time) time.Time {
	var at time.Time
	for _, t := range w.cooling {
		if t.After(now) && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at
}

// coolDown puts back a batch the server answered it could not take now
// (a code a retry gets past, as TOO_MANY_PARTS): its table waits a pause
// that doubles while it lasts, and the other tables' batches go on.
func (w *Writer) coolDown(b *batch, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counters.Retries++
	p := w.pauses[b.table]
	if p == 0 {
		p = w.cfg.Backoff
		w.cfg.Warn(fmt.Sprintf("clickhouse: table %s: %v; it is retried later, the other tables go on", b.table, err))
	}
	w.cooling[b.table] = time.Now().Add(p)
	w.pauses[b.table] = min(2*p, w.cfg.MaxBackoff)
	w.sending = nil
	if b.file != "" {
		os.Rename(b.file, b.name) // back in the spool, for its turn
		return
	}
	w.queue = append(w.queue, b)
	w.queued += int64(len(b.body))
}

// send delivers batches until Close says to stop, retrying each with a
// growing pause while the server does not take it.
func (w *Writer) send() {
	defer close(w.sent)
	for {
		b := w.next()
		if b == nil {
			return
		}
		pause := w.cfg.Backoff
		for {
			err := w.post(b)
			if err == nil {
				w.delivered(b)
				break
			}
			c := classOf(err)
			switch c {
			case refuse:
				w.refused(b, err)
			case cool:
				w.coolDown(b, err)
			case halt:
				w.halted(b, err)
				return
			}
			if c != retry {
				break // done with, or back in turn while its table cools
			}
			w.mu.Lock()
			w.counters.Retries++
			if !w.outage {
				w.outage = true
				w.cfg.Warn(fmt.Sprintf("clickhouse: %v; retrying, rows wait in memory then in the spool", err))
			}
			closing, deadline := w.closing, w.deadline
			w.mu.Unlock()
			if closing && time.Now().Add(pause).After(deadline) {
				w.giveBack(b)
				return
			}
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-w.hurry:
				t.Stop()
			}
			pause = min(2*pause, w.cfg.MaxBackoff)
		}
	}
}

func (w *Writer) delivered(b *batch) {
	if b.file != "" {
		os.Remove(b.file)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sending = nil
	w.outage = false
	delete(w.cooling, b.table)
	delete(w.pauses, b.table)
	w.counters.Rows += int64(b.rows)
	w.counters.Batches++
	w.counters.Tables[b.table] += int64(b.rows)
	if b.file != "" {
		w.counters.FromSpool += int64(b.rows)
	}
}

// refused puts a batch the server refused for what it holds in the
// spool's rejected/, with the server's words, so that the other batches
// go on (delivery by error class, as ch-go's clients do).
func (w *Writer) refused(b *batch, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sending = nil
	if b.file == "" {
		path, serr := w.toSpool(b)
		if serr != nil {
			w.counters.Rejected += int64(b.rows)
			w.cfg.Warn(fmt.Sprintf("clickhouse: %d rows of %s refused (%v) and could not be kept", b.rows, b.table, err))
			return
		}
		b.file, b.name = path, path
	}
	w.reject(b.file, filepath.Base(b.name), "refused by the server: "+err.Error(), b.rows)
}

// halted stops delivery when no batch can go until someone acts (wrong
// credentials, no schema): the batch in hand and every later one wait in
// the spool for "mailtrace clickhouse send".
func (w *Writer) halted(b *batch, err error) {
	w.cfg.Warn(fmt.Sprintf("clickhouse: %v; rows go to the spool (mailtrace clickhouse send delivers them once it is mended)", err))
	w.giveBack(b)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counters.Halted = true
}

// giveBack returns a batch the deadline left unsent: one from memory
// goes to the spool, one from the spool is put back.
func (w *Writer) giveBack(b *batch) {
	if b.file != "" {
		os.Rename(b.file, b.name)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sending = nil
	w.queued += int64(len(b.body))
	w.spill(b)
}

// Interrupt stops delivery at once for a run interrupted: no more
// retries, the request in flight ended, and Close, called after it, puts
// every row not sent into the spool without waiting.
func (w *Writer) Interrupt() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closing = true
	w.deadline = time.Now()
	w.wake.Broadcast()
	if w.abortSend != nil {
		w.abortSend()
	}
	w.hurryOnce.Do(func() { close(w.hurry) })
}

// post sends one batch. It ends, sent or not, when Close's deadline
// passes, also against a server that took the request and hangs.
func (w *Writer) post(b *batch) error {
	u, err := url.Parse(w.cfg.URL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("query", fmt.Sprintf("INSERT INTO %s.%s FORMAT JSONEachRow", quoteIdent(w.cfg.Database), quoteIdent(b.table)))
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.mu.Lock()
	if w.closing {
		var stop context.CancelFunc
		ctx, stop = context.WithDeadline(ctx, w.deadline)
		defer stop()
	}
	w.abortSend = cancel
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.abortSend = nil
		w.mu.Unlock()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := send(w.cfg.Client, req)
	if err != nil {
		return err
	}
	return acknowledged(resp.Header, b.rows)
}

// acknowledged reports whether ClickHouse said it stored rows rows: its
// own answer, not any 200 (a proxy's, a captive portal's). Servers since
// 19.x send X-ClickHouse-Summary, whose written_rows must count them all;
// older ones send only their name.
func acknowledged(h http.Header, rows int) error {
	if s := h.Get("X-ClickHouse-Summary"); s != "" {
		var sum struct {
			Written string `json:"written_rows"`
		}
		if json.Unmarshal([]byte(s), &sum) != nil {
			return fmt.Errorf("unreadable X-ClickHouse-Summary %q", s)
		}
		if n, err := strconv.Atoi(sum.Written); err != nil || n < rows {
			return fmt.Errorf("the server wrote %s of %d rows", sum.Written, rows)
		}
		return nil
	}
	if h.Get("X-ClickHouse-Server-Display-Name") == "" && h.Get("X-ClickHouse-Query-Id") == "" {
		return errors.New("200 OK without ClickHouse's headers: not the server's acknowledgement")
	}
	return nil
}

// do sends a request and reads ClickHouse's answer: 200, or an error
// with the first line of the exception it wrote.
func do(client *http.Client, req *http.Request) error {
	_, err := send(client, req)
	return err
}

// send sends a request; an answer other than 200 is an error with the
// first line of the exception ClickHouse wrote.
func send(client *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return nil, exception(resp.StatusCode, resp.Header, string(msg))
	}
	return resp, nil
}

// Exec runs one statement (the schema's) on the server.
func (w *Writer) Exec(ctx context.Context, sql string) error {
	return Exec(ctx, w.cfg.Client, w.cfg.URL, sql)
}

// Exec runs one statement on the server at url.
func Exec(ctx context.Context, client *http.Client, serverURL, sql string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL, strings.NewReader(sql))
	if err != nil {
		return err
	}
	if client == nil {
		client = http.DefaultClient
	}
	return do(client, req)
}

// Close sends what is left, trying for at most Wait while the server is
// away; what it could not send is left in the spool. It returns the
// counters, and an error when rows could not be spooled either: only
// then are rows lost.
func (w *Writer) Close() (stats.Delivery, error) {
	w.mu.Lock()
	for table := range w.open {
		w.seal(table)
	}
	wait := w.cfg.Wait
	if w.closing { // interrupted: no wait
		wait = 0
	}
	w.closing = true
	w.deadline = time.Now().Add(wait)
	w.wake.Broadcast()
	w.mu.Unlock()
	// A request already in flight does not know the deadline.
	cut := time.AfterFunc(wait, func() {
		w.mu.Lock()
		if w.abortSend != nil {
			w.abortSend()
		}
		w.mu.Unlock()
	})
	defer cut.Stop()
	close(w.stop)
	<-w.sent
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.queue {
		w.spill(b)
	}
	w.queue = nil
	for _, f := range w.spooled() {
		if _, rows, ok := parseSpoolName(filepath.Base(f)); ok {
			w.counters.LeftInSpool += int64(rows)
		}
	}
	c := w.counters
	c.Tables = map[string]int64{}
	for k, v := range w.counters.Tables {
		c.Tables[k] = v
	}
	if w.spoolErr != nil {
		return c, fmt.Errorf("clickhouse: rows could not be sent nor spooled: %v", w.spoolErr)
	}
	return c, nil
}

// redactURL is url without its password, for messages and statistics.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
