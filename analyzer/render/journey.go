package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/journey"
)

// Journeys writes each message's path across sessions, hop by hop, with
// the time between hops.
func Journeys(w io.Writer, js []journey.Journey, color bool) {
	p := painter{color}
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf("Journeys: %d messages seen in more than one session", len(js))))
	for _, j := range js {
		title := Escape(j.MessageID)
		if j.Subject != "" {
			title += fmt.Sprintf("  %q", Escape(j.Subject))
		}
		fmt.Fprintf(w, "  %s\n", title)
		for _, h := range j.Hops {
			line := fmt.Sprintf("%s  %s over %s %s", h.Time.UTC().Format("2006-01-02 15:04:05.000"), h.Action,
				strings.ToUpper(string(h.Protocol)), Escape(h.Via))
			if h.User != "" {
				line += fmt.Sprintf(" by %s", Escape(h.User))
			}
			line += fmt.Sprintf(", session %d, %s -> %s", h.Session, h.Client, h.Server)
			if h.QueueID != "" {
				line += ", queued as " + Escape(h.QueueID)
			}
			if h.DelayMS != nil {
				line += fmt.Sprintf(", %.3fs later", *h.DelayMS/1000)
			}
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	fmt.Fprintln(w)
}
