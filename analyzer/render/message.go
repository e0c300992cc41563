package render

import (
	"fmt"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// PartLines list a message's MIME parts, where it has more than one or an
// attachment: a single text part says nothing the summary does not.
func PartLines(m *session.Message, l explain.Lang) []string {
	if len(m.Parts) == 0 || len(m.Parts) == 1 && m.Parts[0].Filename == "" && m.Parts[0].Disposition != "attachment" {
		return nil
	}
	var out []string
	for i, pt := range m.Parts {
		name := ""
		if pt.Filename != "" {
			name = fmt.Sprintf("%q ", Escape(pt.Filename))
		}
		out = append(out, fmt.Sprintf(explain.Say("ui.msg.part", l), i+1, name, Escape(pt.ContentType), pt.Size, pt.SHA256))
	}
	if m.PartsMore > 0 {
		out = append(out, fmt.Sprintf(explain.Say("ui.msg.partsmore", l), m.PartsMore))
	}
	return out
}

// contentWord names what of a message a reply carried.
func contentWord(content string, l explain.Lang) string {
	if content == "" {
		content = "message"
	}
	return catalogWord("ui.msg.content.", content, l)
}

// partLabel says which message a FETCH item carried and what of it:
// "#3 UID 12 BODY[HEADER.FIELDS (FROM SUBJECT)] header ".
func partLabel(m *session.Message, l explain.Lang) string {
	if m.Item == "" {
		return ""
	}
	var parts []string
	if m.Seq > 0 {
		parts = append(parts, fmt.Sprintf("#%d", m.Seq))
	}
	if m.UID > 0 {
		parts = append(parts, fmt.Sprintf("UID %d", m.UID))
	}
	parts = append(parts, Escape(m.Item))
	if m.Content != "" {
		parts = append(parts, contentWord(m.Content, l))
	}
	return strings.Join(parts, " ") + " "
}

// MessageSummary is a message on one line: which, its size, its
// envelope and the header fields that name it.
func MessageSummary(m *session.Message, l explain.Lang) string {
	return partLabel(m, l) + fmt.Sprintf("%d bytes", m.Size) + messageDetails(m, "; ", l)
}

// messageDetails are what a message summary says past its size: the
// envelope and the headers that name it, after sep, and whether it was
// refused or cut.
func messageDetails(m *session.Message, sep string, l explain.Lang) string {
	s := ""
	if fields := MessageFields(m, l); len(fields) > 0 {
		s = sep + strings.Join(fields, "; ")
	}
	return s + MessageState(m, l)
}

// MessageFields are the envelope and the header fields that name m.
func MessageFields(m *session.Message, l explain.Lang) []string {
	var parts []string
	field := func(name, v string) {
		if v != "" {
			parts = append(parts, name+": "+Escape(v))
		}
	}
	if m.MailFrom != "" || len(m.RcptTo) > 0 {
		envelope := fmt.Sprintf(explain.Say("ui.msg.envelope", l), Escape(m.MailFrom), Escape(strings.Join(m.RcptTo, ">, <")))
		if m.RcptToMore > 0 {
			envelope += fmt.Sprintf(explain.Say("ui.msg.rcptmore", l), m.RcptToMore)
		}
		parts = append(parts, envelope)
	}
	field("From", m.From)
	field("To", m.To)
	field("Cc", m.Cc)
	field("Subject", m.Subject)
	field("Date", m.Date)
	field("Message-ID", m.MessageID)
	return parts
}

// MessageState is " (refused)", " (incomplete)" (the capture lost some
// of it), " (partly kept)" (--max-header or --max-body kept less: the
// summary may lack fields, --full shows the first bytes), some of them or
// nothing.
func MessageState(m *session.Message, l explain.Lang) string {
	s := ""
	if m.Accepted != nil && !*m.Accepted {
		s += explain.Say("ui.msg.refused", l)
	}
	if m.Truncated {
		s += explain.Say("ui.msg.incomplete", l)
	}
	if m.Bounded {
		s += explain.Say("ui.msg.bounded", l)
	}
	return s
}

// summaryLines are a message's summary as the width allows: on one line
// after head and sep, or, in a narrow terminal, head and then a line per field
// under it, after prefix ("C:     "), so From and Subject stay in view.
func summaryLines(head, sep string, m *session.Message, o TextOptions, prefix string) []string {
	if !o.Narrow {
		return []string{head + messageDetails(m, sep, o.Lang)}
	}
	lines := []string{head + MessageState(m, o.Lang)}
	for _, f := range MessageFields(m, o.Lang) {
		lines = append(lines, prefix+f)
	}
	return lines
}

// bodyBlock is the kept bytes of m as lineWriter.body writes them, as
// one block of lines joined by newlines, for the live view (the timeline
// writes them straight). It is "" when nothing was kept.
func bodyBlock(mark, col string, m *session.Message, p painter) string {
	var b strings.Builder
	lw := lineWriter{w: &b}
	lw.body("", mark, col, m, p)
	lw.flush()
	return strings.TrimSuffix(b.String(), "\n")
}
