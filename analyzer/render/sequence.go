package render

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// StepKind says what crossed at a step of a sequence diagram.
type StepKind uint8

const (
	StepCommand StepKind = iota // client to server: a command, its data, a message
	StepReply                   // server to client: a reply, at its first line (the tagged last for IMAP)
	StepData                    // server to client: untagged data sent while a command ran, at its own time
	StepTLS                     // from here the session is encrypted
	StepGap                     // the capture lost bytes here
)

// Step is one arrow or mark of a session's sequence diagram (the ladder,
// the report's SVG): what crossed, when, in the order it crossed. Text is
// escaped for a terminal (Escape), so control bytes show the same in
// every view.
type Step struct {
	Kind StepKind
	Time time.Time
	Text string
	// Label names the command a reply answers where pipelining or typing
	// ahead separate them ("← RCPT #2"): a view may cut Text, never it.
	Label string
	// Detail is a message's From and Subject where the From differs from
	// the envelope sender: the evidence of a forged sender, for a view to
	// show on a line of its own rather than cut.
	Detail string
	// Exchange indexes Session.Exchanges for commands, replies and data;
	// -1 for marks.
	Exchange int
	// Messages index Session.Messages: those the command or reply carried.
	Messages []int
	// Bytes are the TLS step's client and server bytes, or the gap's
	// bytes (Bytes[0]) and direction (Dir).
	Bytes [2]int64
	Dir   string
}

// Steps are the session's commands, replies, untagged data sent at its
// own time, the start of TLS and the gaps, sorted by time; steps at the
// same time keep the order of the exchanges. Their words are in l.
func Steps(s *session.Session, l explain.Lang) []Step {
	var steps []Step
	labels := answers(s)
	for i, e := range s.Exchanges {
		if c := e.Command; c != nil && !c.Again {
			st := Step{Kind: StepCommand, Time: c.Time, Exchange: i,
				Text: strings.TrimPrefix(commandLines(s, c, TextOptions{Lang: l}, painter{})[0], "C: ")}
			if c.Message != nil {
				st.Messages = []int{*c.Message}
				st.Detail = forgedDetail(s.Messages[*c.Message])
			}
			steps = append(steps, st)
		}
		r := e.Response
		if r == nil || len(r.Lines) == 0 {
			continue
		}
		// A tagged reply (IMAP) is its completion, the last line; the
		// untagged data before it is counted.
		tagged := e.Command != nil && e.Command.Tag != ""
		folded := len(r.Lines) - 1
		if tagged {
			// Data the server sent while the command ran (the EXISTS
			// IDLE announces) gets its own arrow, at its time.
			for j, l := range r.Lines[:len(r.Lines)-1] {
				if t := r.LineTime(j); !t.Equal(r.LineTime(len(r.Lines) - 1)) {
					steps = append(steps, Step{Kind: StepData, Time: t, Text: Escape(l), Exchange: i})
					folded--
				}
			}
		}
		text, at := replyText(r, tagged, folded, l)
		steps = append(steps, Step{Kind: StepReply, Time: at, Text: text, Label: labels[e], Exchange: i, Messages: r.Messages})
	}
	if e := s.Encrypted; e != nil {
		steps = append(steps, Step{Kind: StepTLS, Time: e.Since, Exchange: -1, Bytes: [2]int64{e.BytesClient, e.BytesServer}, Text: TLSStep(e, l)})
	}
	for _, g := range s.Gaps {
		steps = append(steps, Step{Kind: StepGap, Time: g.Time, Exchange: -1, Bytes: [2]int64{int64(g.Bytes)}, Dir: g.Dir,
			Text: fmt.Sprintf(explain.Say("ui.gap.lost", l), g.Bytes, DirWord(g.Dir, l))})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Time.Before(steps[j].Time) })
	return steps
}

// forgedDetail is m's From and Subject when its From is not the envelope
// sender, and "" when they agree or there is no envelope to compare with.
func forgedDetail(m *session.Message) string {
	if _, forged := message.ForgedFrom(m); !forged {
		return ""
	}
	d := "From: " + Escape(m.From)
	if m.Subject != "" {
		d += "; Subject: " + Escape(m.Subject)
	}
	return d
}
