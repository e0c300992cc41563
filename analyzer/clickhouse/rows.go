package clickhouse

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Row is one row for a table, ready to be written as JSON.
type Row struct {
	Table string
	Data  any
}

// whoRow are the columns every session's row starts with.
// RowTypes are the rows of each table, as a value of each: what the
// published JSON schema describes (docs/schema).
func RowTypes() map[string]any {
	return map[string]any{TableSessions: sessionRow{}, TableExchanges: exchangeRow{}, TableMessages: messageRow{},
		TableAuth: authRow{}, TableFindings: findingRow{}, TableJourneys: journeyRow{}}
}

type whoRow struct {
	Sensor   string `json:"sensor"`
	Trace    string `json:"trace"`
	Session  int    `json:"session"`
	UID      string `json:"uid"`
	Protocol string `json:"protocol"`
	ClientIP string `json:"client_ip"`
	ServerIP string `json:"server_ip"`
}

type sessionRow struct {
	whoRow
	Start        int64    `json:"start"`
	StartUS      int64    `json:"start_us"`
	EndUS        int64    `json:"end_us"`
	DurationMS   float64  `json:"duration_ms"`
	Client       string   `json:"client"`
	ClientPort   uint16   `json:"client_port"`
	Server       string   `json:"server"`
	ServerPort   uint16   `json:"server_port"`
	State        string   `json:"state"`
	TLS          string   `json:"tls"`
	TLSOffered   bool     `json:"tls_offered"`
	BytesClient  int64    `json:"bytes_client"`
	BytesServer  int64    `json:"bytes_server"`
	Commands     int      `json:"commands"`
	Exchanges    int      `json:"exchanges"`
	Messages     int      `json:"messages"`
	AuthAttempts int      `json:"auth_attempts"`
	Anomalies    int      `json:"anomalies"`
	Gaps         int      `json:"gaps"`
	Findings     []string `json:"findings"`
	Capabilities []string `json:"capabilities"`
	Midstream    bool     `json:"midstream"`
	Tunnel       string   `json:"tunnel"`
	Source       string   `json:"source"`
	CommunityID  string   `json:"community_id"`
}

type exchangeRow struct {
	whoRow
	Seq        int      `json:"seq"`
	Time       int64    `json:"time"`
	TimeUS     int64    `json:"time_us"`
	Kind       string   `json:"kind"`
	Tag        string   `json:"tag"`
	Verb       string   `json:"verb"`
	Args       string   `json:"args"`
	Status     string   `json:"status"`
	Enhanced   string   `json:"enhanced"`
	Reply      string   `json:"reply"`
	ReplyLines int      `json:"reply_lines"`
	LatencyMS  *float64 `json:"latency_ms"`
}

type messageRow struct {
	whoRow
	Idx              int      `json:"idx"`
	Time             int64    `json:"time"`
	TimeUS           int64    `json:"time_us"`
	Via              string   `json:"via"`
	Item             string   `json:"item"`
	Content          string   `json:"content"`
	Size             int64    `json:"size"`
	State            string   `json:"state"`
	MailFrom         string   `json:"mail_from"`
	RcptTo           []string `json:"rcpt_to"`
	From             string   `json:"from"`
	To               string   `json:"to"`
	Cc               string   `json:"cc"`
	Subject          string   `json:"subject"`
	Date             string   `json:"date"`
	MessageID        string   `json:"message_id"`
	QueueID          string   `json:"queue_id"`
	ReceivedIDs      []string `json:"received_ids"`
	Flags            []string `json:"flags"`
	PartTypes        []string `json:"part_types"`
	PartDispositions []string `json:"part_dispositions"`
	PartNames        []string `json:"part_names"`
	PartSizes        []int64  `json:"part_sizes"`
	PartSHA256       []string `json:"part_sha256"`
}

type authRow struct {
	whoRow
	Idx          int    `json:"idx"`
	Time         int64  `json:"time"`
	TimeUS       int64  `json:"time_us"`
	Mechanism    string `json:"mechanism"`
	Username     string `json:"username"`
	Result       string `json:"result"`
	PasswordSeen bool   `json:"password_seen"`
	InClear      bool   `json:"in_clear"`
}

type findingRow struct {
	whoRow
	Idx      int    `json:"idx"`
	Time     int64  `json:"time"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Text     string `json:"text"`
}

type journeyRow struct {
	Sensor    string   `json:"sensor"`
	Trace     string   `json:"trace"`
	MessageID string   `json:"message_id"`
	Subject   string   `json:"subject"`
	Hop       int      `json:"hop"`
	Time      int64    `json:"time"`
	TimeUS    int64    `json:"time_us"`
	Session   int      `json:"session"`
	UID       string   `json:"uid"`
	Protocol  string   `json:"protocol"`
	Via       string   `json:"via"`
	Action    string   `json:"action"`
	Client    string   `json:"client"`
	Server    string   `json:"server"`
	User      string   `json:"user"`
	QueueID   string   `json:"queue_id"`
	DelayMS   *float64 `json:"delay_ms"`
}

// Trace names where rows come from: the sensor, and the trace's id and
// source.
type Trace struct {
	Sensor string
	ID     string
	Source string
	// KeepSecrets stores credentials as they crossed (--keep-secrets);
	// otherwise a command that may carry one keeps its verb and loses
	// its arguments.
	KeepSecrets bool
}

// UID is a session's identity in the store, from its connection and not
// from the run: a hash of the sensor, the two endpoints (in a fixed
// order, whichever the run took for the client) and the first packet's
// time. Loading a capture again, with other flags, another version or
// the files in another order, gives each session the same key, and
// ReplacingMergeTree keeps it once.
func UID(sensor string, s *session.Session) string {
	a, b := s.Client, s.Server
	if b < a {
		a, b = b, a
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", sensor, a, b, s.Start.UnixNano())
	return sensor + "/" + hex.EncodeToString(h.Sum(nil)[:12])
}

// SessionRows are the rows of one finished session: its own, then its
// exchanges, messages, authentications and findings.
func SessionRows(tr Trace, s *session.Session) []Row {
	w := whoRow{Sensor: tr.Sensor, Trace: tr.ID, Session: s.ID, UID: UID(tr.Sensor, s), Protocol: string(s.Protocol),
		ClientIP: ip(s.Client), ServerIP: ip(s.Server)}
	sr := sessionRow{whoRow: w, Start: dateTime(s.Start), StartUS: s.Start.UnixMicro(), EndUS: s.End.UnixMicro(),
		DurationMS: ms(s.End.Sub(s.Start)), Client: s.Client, ClientPort: addr(s.Client).Port(), Server: s.Server,
		ServerPort: addr(s.Server).Port(), State: s.State, TLS: s.TLS, TLSOffered: s.TLSOffered, BytesClient: s.BytesClient,
		BytesServer: s.BytesServer, Exchanges: len(s.Exchanges) + s.ExchangesDropped, Messages: len(s.Messages) + s.MessagesDropped,
		AuthAttempts: len(s.Auth) + s.AuthDropped, Anomalies: len(s.Anomalies) + s.AnomaliesDropped, Gaps: len(s.Gaps) + s.GapsDropped,
		Findings: []string{}, Capabilities: safe(s.Capabilities), Midstream: s.Midstream, Tunnel: j(s.Tunnel), Source: j(tr.Source),
		CommunityID: s.CommunityID}
	rows := []Row{{TableSessions, &sr}}
	for i, e := range s.Exchanges {
		r := exchangeRow{whoRow: w, Seq: i, LatencyMS: e.LatencyMS}
		var at time.Time
		if c := e.Command; c != nil {
			at = c.Time
			r.Kind, r.Tag, r.Verb, r.Args = c.Kind, j(c.Tag), j(c.Verb), j(c.Args)
			if c.Secret && !tr.KeepSecrets {
				r.Args = sasl.Redacted
				if c.Verb == "" {
					// SASL data the server read as a command (IMAP's
					// tag says so): its tag is the data.
					r.Tag = sasl.Redacted
				}
			}
			if c.Kind == session.KindCommand {
				sr.Commands++
			}
		}
		if p := e.Response; p != nil {
			if at.IsZero() {
				at = p.Time
			}
			r.Status, r.Enhanced, r.ReplyLines = j(p.Status), p.Enhanced, len(p.Lines)
			// A tagged reply's status is its last line, the others' their first.
			if n := len(p.Lines); n > 0 {
				i := 0
				if r.Tag != "" {
					i = n - 1
				}
				r.Reply = j(p.Lines[i])
				if r.Tag == sasl.Redacted {
					// The server's reply repeats the tag.
					_, rest, _ := strings.Cut(p.Lines[i], " ")
					r.Reply = sasl.Redacted + " " + j(rest)
				}
			}
		}
		r.Time, r.TimeUS = dateTime(at), at.UnixMicro()
		rows = append(rows, Row{TableExchanges, &r})
	}
	for i, m := range s.Messages {
		r := messageRow{whoRow: w, Idx: i, Time: dateTime(m.Time), TimeUS: m.Time.UnixMicro(), Via: m.Via, Item: j(m.Item),
			Content: m.Content, Size: m.Size, State: m.State(), MailFrom: j(m.MailFrom), RcptTo: safe(m.RcptTo), From: j(m.From),
			To: j(m.To), Cc: j(m.Cc), Subject: j(m.Subject), Date: j(m.Date), MessageID: j(m.MessageID), QueueID: j(m.QueueID),
			ReceivedIDs: safe(m.ReceivedIDs), Flags: safe(m.Flags), PartTypes: []string{}, PartDispositions: []string{},
			PartNames: []string{}, PartSizes: []int64{}, PartSHA256: []string{}}
		for _, p := range m.Parts {
			r.PartTypes = append(r.PartTypes, j(p.ContentType))
			r.PartDispositions = append(r.PartDispositions, j(p.Disposition))
			r.PartNames = append(r.PartNames, j(p.Filename))
			r.PartSizes = append(r.PartSizes, p.Size)
			r.PartSHA256 = append(r.PartSHA256, p.SHA256)
		}
		rows = append(rows, Row{TableMessages, &r})
	}
	for i, a := range s.Auth {
		r := authRow{whoRow: w, Idx: i, Time: dateTime(a.Time), TimeUS: a.Time.UnixMicro(), Mechanism: j(a.Mechanism),
			Username: j(a.Username), Result: "unknown", PasswordSeen: a.Password != "",
			InClear: s.InClear(a.Time)}
		if a.Success != nil {
			r.Result = map[bool]string{true: "ok", false: "failed"}[*a.Success]
		}
		rows = append(rows, Row{TableAuth, &r})
	}
	for i, f := range s.Findings {
		sr.Findings = append(sr.Findings, f.Kind)
		rows = append(rows, Row{TableFindings, &findingRow{whoRow: w, Idx: i, Time: dateTime(f.Time), Kind: f.Kind,
			Severity: f.Severity, Text: j(f.Text)}})
	}
	return rows
}

// JourneyRows are the rows of the trace's journeys; uid gives the key of
// the session a hop was (UID, as its rows have it).
func JourneyRows(tr Trace, js []journey.Journey, uid func(session int) string) []Row {
	var rows []Row
	for _, jy := range js {
		id := session.JSONSafe(jy.MessageID)
		if id == "" && len(jy.Hops) > 0 {
			id = j(jy.Hops[0].QueueID)
		}
		for i, h := range jy.Hops {
			rows = append(rows, Row{TableJourneys, &journeyRow{Sensor: tr.Sensor, Trace: tr.ID, MessageID: id, Subject: j(jy.Subject),
				Hop: i, Time: dateTime(h.Time), TimeUS: h.Time.UnixMicro(), Session: h.Session, UID: uid(h.Session),
				Protocol: string(h.Protocol), Via: h.Via, Action: h.Action, Client: h.Client, Server: h.Server, User: j(h.User),
				QueueID: j(h.QueueID), DelayMS: h.DelayMS}})
		}
	}
	return rows
}

func addr(s string) netip.AddrPort {
	a, _ := netip.ParseAddrPort(s)
	return a
}

// ip is the address of "address:port", or "" when it is not one.
func ip(s string) string {
	if a := addr(s); a.IsValid() {
		return a.Addr().String()
	}
	return ""
}

// j keeps bytes from the wire that are not UTF-8 as \xNN, as the JSON
// export does: JSON would turn them into U+FFFD.
func j(s string) string { return session.JSONSafe(s) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// safe is ss for an Array(String) column: never null, each kept as j does.
func safe(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = j(s)
	}
	return out
}

// dateTime is t for a DateTime column, whose range is 1970 to 2106
// (seconds in a UInt32): a time outside it is clamped to its end, not
// wrapped around (2106 stored as 2063). The *_us columns keep the exact
// time.
func dateTime(t time.Time) int64 {
	return min(max(t.Unix(), 0), 1<<32-1)
}
