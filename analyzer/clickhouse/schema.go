// Package clickhouse stores sessions in ClickHouse: each session, its
// exchanges, messages (with their parts), authentications and findings,
// and the journeys of messages, as rows of the tables Tables documents,
// sent over ClickHouse's HTTP interface as JSONEachRow, batched,
// compressed, retried, and spooled to disk while the server is away.
//
// Every row has a stable identity (the sensor, the trace, the session
// and the row's index in it), and every table is a ReplacingMergeTree
// ordered by a key that holds it: a batch a retry sent twice, or a
// capture loaded twice, counts once in queries that read with FINAL or
// count distinct identities (docs/clickhouse.md).
package clickhouse

import (
	"errors"
	"fmt"
	"strings"
)

// Column is one column of a table.
type Column struct {
	Name, Type, Doc string
}

// Table is one table of the schema.
type Table struct {
	Name    string
	Doc     string
	Columns []Column
	// Time is the column the table is partitioned by, by day; OrderBy its
	// sorting key, which is also the identity ReplacingMergeTree keeps
	// one row of.
	Time    string
	OrderBy string
	// Shard is the Distributed table's sharding key: the rows of one
	// session on one shard.
	Shard string
}

// The tables.
const (
	TableSessions  = "sessions"
	TableExchanges = "exchanges"
	TableMessages  = "messages"
	TableAuth      = "auth"
	TableFindings  = "findings"
	TableJourneys  = "journeys"
)

// who are the columns that say where a row came from and which session
// it belongs to.
func who() []Column {
	return []Column{
		{"sensor", "String", "the sensor that captured it (--sensor, default the host name)"},
		{"trace", "String", "the trace: a capture file (or the files read as one), or a live capture"},
		{"session", "UInt32", "the session's number in its trace"},
		{"uid", "String", "sensor/hash of the connection (its endpoints and first packet's time): the session, the same however often and with whatever flags the capture is loaded"},
		{"protocol", "String", "smtp, pop3, imap"},
		{"client_ip", "String", "the client's address"},
		{"server_ip", "String", "the server's address"},
	}
}

func columns(groups ...[]Column) []Column {
	var out []Column
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// Tables returns the schema.
func Tables() []Table {
	return []Table{
		{Name: TableSessions, Doc: "one row per session", Time: "start", OrderBy: "protocol, start, uid", Shard: "cityHash64(uid)",
			Columns: columns(who(), []Column{
				{"start", "DateTime('UTC')", "when the connection began"},
				{"start_us", "Int64", "the same, in microseconds since 1970"},
				{"end_us", "Int64", "when it ended, in microseconds since 1970"},
				{"duration_ms", "Float64", ""},
				{"client", "String", "address:port"},
				{"client_port", "UInt16", ""},
				{"server", "String", "address:port"},
				{"server_port", "UInt16", ""},
				{"state", "String", "closed, reset, open"},
				{"tls", "String", "none, starttls, implicit"},
				{"tls_offered", "UInt8", "the server offered STARTTLS/STLS"},
				{"bytes_client", "UInt64", ""},
				{"bytes_server", "UInt64", ""},
				{"commands", "UInt32", "client commands (not data or messages)"},
				{"exchanges", "UInt32", ""},
				{"messages", "UInt32", ""},
				{"auth_attempts", "UInt32", ""},
				{"anomalies", "UInt32", ""},
				{"gaps", "UInt32", "runs of bytes the capture lost"},
				{"findings", "Array(String)", "the kinds of its findings"},
				{"capabilities", "Array(String)", "the server's last capability list"},
				{"midstream", "UInt8", "the capture began after the connection"},
				{"tunnel", "String", "how it reached its server through a proxy"},
				{"source", "String", "the files or interface of the trace"},
				{"community_id", "String", "the flow's Community ID (v1, seed 0), as Zeek, Suricata, Arkime and tshark log it: what joins a session with their records"},
			})},
		{Name: TableExchanges, Doc: "one row per command and its reply (a reply nothing asked for has an empty kind)", Time: "time",
			OrderBy: "protocol, verb, time, uid, seq", Shard: "cityHash64(uid)",
			Columns: columns(who(), []Column{
				{"seq", "UInt32", "its index in the session"},
				{"time", "DateTime('UTC')", "when the command was sent, or the reply came"},
				{"time_us", "Int64", ""},
				{"kind", "String", "command, continuation, message; empty for a reply alone"},
				{"tag", "String", "IMAP's tag"},
				{"verb", "String", "the command in upper case"},
				{"args", "String", "its arguments (masked by --redact)"},
				{"status", "String", "the reply's status: 250, +OK, OK, NO, ...; empty when unanswered"},
				{"enhanced", "String", "SMTP's enhanced status code"},
				{"reply", "String", "the reply's status line"},
				{"reply_lines", "UInt32", ""},
				{"latency_ms", "Nullable(Float64)", "from command to reply"},
			})},
		{Name: TableMessages, Doc: "one row per message seen, with its MIME parts as parallel arrays", Time: "time",
			OrderBy: "message_id, uid, idx", Shard: "cityHash64(uid)",
			Columns: columns(who(), []Column{
				{"idx", "UInt32", "its index in the session"},
				{"time", "DateTime('UTC')", ""},
				{"time_us", "Int64", ""},
				{"via", "String", "DATA, BDAT, RETR, TOP, FETCH, APPEND"},
				{"item", "String", "the FETCH item"},
				{"content", "String", "what of it was carried when not all: header, text, part, partial"},
				{"size", "UInt64", ""},
				{"state", "String", "complete, incomplete, refused"},
				{"mail_from", "String", "the envelope sender"},
				{"rcpt_to", "Array(String)", "the envelope recipients"},
				{"from", "String", "the From header field"},
				{"to", "String", ""},
				{"cc", "String", ""},
				{"subject", "String", "decoded (RFC 2047)"},
				{"date", "String", ""},
				{"message_id", "String", ""},
				{"queue_id", "String", "the id the accepting server gave it"},
				{"received_ids", "Array(String)", "the ids its Received fields name"},
				{"flags", "Array(String)", "bare-lf, bare-cr, nul, lone-dot-bare-lf"},
				{"part_types", "Array(String)", "each MIME leaf part's content type"},
				{"part_dispositions", "Array(String)", ""},
				{"part_names", "Array(String)", "file names"},
				{"part_sizes", "Array(UInt64)", "decoded sizes"},
				{"part_sha256", "Array(String)", "of the decoded bytes"},
			})},
		{Name: TableAuth, Doc: "one row per authentication attempt", Time: "time", OrderBy: "username, time, uid, idx", Shard: "cityHash64(uid)",
			Columns: columns(who(), []Column{
				{"idx", "UInt32", ""},
				{"time", "DateTime('UTC')", ""},
				{"time_us", "Int64", ""},
				{"mechanism", "String", "PLAIN, LOGIN, USER, APOP, ..."},
				{"username", "String", ""},
				{"result", "String", "ok, failed, unknown"},
				{"password_seen", "UInt8", "a password crossed readable (the password itself is not stored)"},
				{"in_clear", "UInt8", "before any TLS: anyone on the path could read it"},
			})},
		{Name: TableFindings, Doc: "one row per finding", Time: "time", OrderBy: "kind, time, uid, idx", Shard: "cityHash64(uid)",
			Columns: columns(who(), []Column{
				{"idx", "UInt32", ""},
				{"time", "DateTime('UTC')", ""},
				{"kind", "String", "see the README's findings table"},
				{"severity", "String", "high, medium, low"},
				{"text", "String", "in English"},
			})},
		{Name: TableJourneys, Doc: "one row per hop of a message seen in more than one session of a trace", Time: "time",
			OrderBy: "message_id, sensor, trace, hop", Shard: "cityHash64(message_id)",
			Columns: []Column{
				{"sensor", "String", ""},
				{"trace", "String", ""},
				{"message_id", "String", "the Message-ID, or the queue id where it had none"},
				{"subject", "String", ""},
				{"hop", "UInt32", "its place in the journey"},
				{"time", "DateTime('UTC')", ""},
				{"time_us", "Int64", ""},
				{"session", "UInt32", ""},
				{"uid", "String", "the hop's session"},
				{"protocol", "String", ""},
				{"via", "String", ""},
				{"action", "String", "sent, read, stored"},
				{"client", "String", ""},
				{"server", "String", ""},
				{"user", "String", "who had authenticated in the session"},
				{"queue_id", "String", ""},
				{"delay_ms", "Nullable(Float64)", "since the hop before"},
			}},
	}
}

// Schema is the SQL that makes the database and its tables. With a
// cluster, each table is made as NAME_local on every node and NAME is a
// Distributed table over them; the statements are run on every node
// (ON CLUSTER needs a coordinator this does not assume).
func Schema(database, cluster string) []string {
	db := quoteIdent(database)
	out := []string{"CREATE DATABASE IF NOT EXISTS " + db}
	for _, t := range Tables() {
		var cols []string
		for _, c := range t.Columns {
			col := fmt.Sprintf("    %s %s", quoteIdent(c.Name), c.Type)
			if c.Doc != "" {
				col += " COMMENT " + quoteString(c.Doc)
			}
			cols = append(cols, col)
		}
		local := t.Name
		if cluster != "" {
			local += "_local"
		}
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s\n(\n%s\n)\nENGINE = ReplacingMergeTree()\nPARTITION BY toDate(%s)\nORDER BY (%s)",
			db, quoteIdent(local), strings.Join(cols, ",\n"), t.Time, t.OrderBy))
		if cluster != "" {
			out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s\nENGINE = Distributed(%s, %s, %s, %s)",
				db, quoteIdent(t.Name), db, quoteIdent(local), quoteIdent(cluster), db, quoteIdent(local), t.Shard))
		}
		// Tables made by an earlier version gain the columns added since,
		// or their rows would be refused (Unknown field). ClickHouse
		// before 19 has no ADD COLUMN IF NOT EXISTS: Apply passes over
		// the answer that the column is there.
		for _, c := range t.Columns {
			if !added(t.Name, c.Name) {
				continue
			}
			def := fmt.Sprintf("%s %s COMMENT %s", quoteIdent(c.Name), c.Type, quoteString(c.Doc))
			for _, name := range []string{local, t.Name} {
				out = append(out, fmt.Sprintf("ALTER TABLE %s.%s ADD COLUMN %s", db, quoteIdent(name), def))
				if cluster == "" {
					break
				}
			}
		}
	}
	return out
}

// Apply runs the schema's statements with exec, in order, passing over
// the answer to an ADD COLUMN that the column is there already.
func Apply(stmts []string, exec func(sql string) error) error {
	for _, sql := range stmts {
		if err := exec(sql); err != nil && !columnThere(sql, err) {
			return err
		}
	}
	return nil
}

// columnThere tells ClickHouse's answer that a column added is there
// already (44 in 18.x, 15 DUPLICATE_COLUMN later).
func columnThere(sql string, err error) bool {
	var e *Exception
	return strings.Contains(sql, " ADD COLUMN ") && errors.As(err, &e) && (e.Code == 44 || e.Code == 15) &&
		strings.Contains(e.Message, "already exists")
}

// added tells the columns added to a table after it was first published.
func added(table, column string) bool {
	return table == TableSessions && column == "community_id"
}

// quoteIdent quotes a name for ClickHouse's SQL (backquotes).
func quoteIdent(s string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(s) + "`"
}

func quoteString(s string) string {
	return "'" + strings.NewReplacer("\\", "\\\\", "'", "\\'").Replace(s) + "'"
}
