package proto

import (
	"io"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// told says which of the events told as they happen the events read
// (Events): the others are not told, nor made ready. An IMAP flood of
// untagged data told millions of reply lines, and a FETCH of a million
// literals a million messages (a tenth of its time), to sinks that read
// none.
type told struct{ replyLines, exchanges, messages bool }

// tells is what e reads: all of it, but what a method ReadsReplyLines,
// ReadsExchanges or ReadsMessages says it does not (sink.ReadsReplyLines).
func tells(e Events) told {
	t := told{true, true, true}
	if r, ok := e.(interface{ ReadsReplyLines() bool }); ok {
		t.replyLines = r.ReadsReplyLines()
	}
	if r, ok := e.(interface{ ReadsExchanges() bool }); ok {
		t.exchanges = r.ReadsExchanges()
	}
	if r, ok := e.(interface{ ReadsMessages() bool }); ok {
		t.messages = r.ReadsMessages()
	}
	return t
}

// completed tells the events that e is complete, where they read it.
func (c *Conn) completed(e *session.Exchange) {
	if c.tell.exchanges {
		c.events.ExchangeCompleted(c.S, e)
	}
}

// started tells the events that m begins to arrive, where they read
// messages, and returns where its bytes go (nil: nowhere).
func (c *Conn) started(m *session.Message) io.Writer {
	if !c.tell.messages {
		return nil
	}
	return c.events.MessageStarted(c.S, m)
}

// ended tells the events that m is whole, or gets no more bytes.
func (c *Conn) ended(m *session.Message) {
	if c.tell.messages {
		c.events.MessageEnded(c.S, m)
	}
}
