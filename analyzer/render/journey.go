package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/journey"
)

// Journeys writes each message's path across sessions, hop by hop, with
// the time between hops, in o's language and colours.
func Journeys(w io.Writer, js []journey.Journey, o TextOptions) {
	p := painter{o.Color}
	say := func(key string) string { return explain.Say(key, o.Lang) }
	fmt.Fprintln(w, p.paint(colHead, fmt.Sprintf(say("ui.journey.title"), explain.Count("ui.n.message", int64(len(js)), o.Lang))))
	for _, j := range js {
		title := Escape(j.MessageID)
		if j.Subject != "" {
			title += fmt.Sprintf("  %q", Escape(j.Subject))
		}
		fmt.Fprintf(w, "  %s\n", title)
		for _, h := range j.Hops {
			action := explain.Say("ui.report.action."+h.Action, o.Lang)
			if action == "" {
				action = h.Action
			}
			line := fmt.Sprintf(say("ui.journey.hop"), h.Time.UTC().Format("2006-01-02 15:04:05.000"), action,
				strings.ToUpper(string(h.Protocol)), Escape(h.Via))
			if h.User != "" {
				line += fmt.Sprintf(say("ui.journey.by"), Escape(h.User))
			}
			line += fmt.Sprintf(say("ui.journey.session"), h.Session, h.Client, h.Server)
			if h.QueueID != "" {
				line += fmt.Sprintf(say("ui.journey.queued"), Escape(h.QueueID))
			}
			if h.DelayMS != nil {
				line += fmt.Sprintf(say("ui.journey.later"), *h.DelayMS/1000)
			}
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	fmt.Fprintln(w)
}
