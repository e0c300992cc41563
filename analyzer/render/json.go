package render

import (
	"encoding/json"
	"io"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// JSONVersion is the version of the JSON export format; it changes when a
// field changes meaning or goes away.
const JSONVersion = 1

// Document is the whole JSON export.
type Document struct {
	Version  int                `json:"version"`
	Sessions []*session.Session `json:"sessions"`
	Stats    StatsDoc           `json:"stats"`
}

// StatsDoc is the statistics part of the export.
type StatsDoc struct {
	Capture   Capture          `json:"capture"`
	Protocols []stats.Protocol `json:"protocols"`
}

// JSON writes one indented document.
func JSON(w io.Writer, d Document) error {
	if d.Sessions == nil {
		d.Sessions = []*session.Session{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "<message 45 bytes>", not "\u003cmessage..."
	return enc.Encode(d)
}

// JSONLine writes one session as one line (JSON Lines), with the format
// version in every line so that each stands alone.
func JSONLine(w io.Writer, s *session.Session) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Version int `json:"version"`
		*session.Session
	}{JSONVersion, s})
}
