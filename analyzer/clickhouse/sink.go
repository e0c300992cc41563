package clickhouse

import (
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Sink writes each session's rows as it ends, and the trace's journeys
// when the capture is finished, to a Writer that several traces may
// share.
type Sink struct {
	sink.Nop
	w        *Writer
	trace    Trace
	journeys *journey.Collector
	// uids are the sessions' keys, for the journeys' rows at the end
	// (a few tens of bytes a session, kept only with journeys).
	uids map[int]string
	err  error
}

// NewSink writes trace's rows to w; j, when not nil, must see every
// session before the sink (sink.Multi(j, ...)).
func NewSink(w *Writer, trace Trace, j *journey.Collector) *Sink {
	return &Sink{w: w, trace: trace, journeys: j, uids: map[int]string{}}
}

// SessionEnded queues the session's rows.
func (s *Sink) SessionEnded(ss *session.Session) {
	if s.journeys != nil {
		s.uids[ss.ID] = UID(s.trace.Sensor, ss)
	}
	for _, r := range SessionRows(s.trace, ss) {
		if err := s.w.Add(r); err != nil && s.err == nil {
			s.err = err
		}
	}
}

// CaptureFinished queues the journeys. The Writer is closed by its owner.
func (s *Sink) CaptureFinished(stats.Capture) error {
	if s.journeys != nil {
		for _, r := range JourneyRows(s.trace, s.journeys.Journeys(), func(id int) string { return s.uids[id] }) {
			if err := s.w.Add(r); err != nil && s.err == nil {
				s.err = err
			}
		}
	}
	return s.err
}
