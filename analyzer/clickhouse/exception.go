package clickhouse

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Exception is ClickHouse's answer to a request it did not carry out: the
// HTTP status, the error code (X-ClickHouse-Exception-Code, else the
// "Code: N." the body begins with) and the first line of its message. As
// ch-go's proto.Exception, the code says what to do next (class).
type Exception struct {
	Status  int
	Code    int // 0: none given (a proxy's answer)
	Message string
}

func (e *Exception) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("%d %s (code %d): %s", e.Status, http.StatusText(e.Status), e.Code, e.Message)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// exception reads a refusal.
func exception(status int, h http.Header, body string) *Exception {
	first, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	e := &Exception{Status: status, Message: first}
	if c, err := strconv.Atoi(h.Get("X-ClickHouse-Exception-Code")); err == nil {
		e.Code = c
	} else if rest, ok := strings.CutPrefix(first, "Code: "); ok {
		// "Code: 117. DB::Exception: ..." and, from older servers,
		// "Code: 117, e.displayText() = DB::Exception: ...".
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		e.Code, _ = strconv.Atoi(rest[:n])
	}
	return e
}

// What to do with a batch the server did not take.
type class int

const (
	retry  class = iota // the server or the way to it is away: the batch waits and goes again, all wait with it
	cool                // the server answered it cannot take this table's batch now (TOO_MANY_PARTS): the table waits, the others go on
	refuse              // the server refused this batch for what it holds: it goes to rejected/, the rest go on
	halt                // no batch can go until someone acts (credentials, no schema): all wait in the spool
)

// Codes of ClickHouse's ErrorCodes.cpp that a retry can get past.
var retryCodes = map[int]bool{
	3:   true, // UNEXPECTED_END_OF_FILE: the upload was cut
	159: true, // TIMEOUT_EXCEEDED
	160: true, // TOO_SLOW
	164: true, // READONLY
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	203: true, // NO_FREE_CONNECTION
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	279: true, // ALL_CONNECTION_TRIES_FAILED
	319: true, // UNKNOWN_STATUS_OF_INSERT
	425: true, // SYSTEM_ERROR
	999: true, // KEEPER_EXCEPTION
}

// Codes no batch gets past until the server or the flags change.
var haltCodes = map[int]bool{
	60:  true, // UNKNOWN_TABLE: the schema is not there (mailtrace clickhouse schema)
	81:  true, // UNKNOWN_DATABASE
	192: true, // UNKNOWN_USER
	193: true, // WRONG_PASSWORD
	194: true, // REQUIRED_PASSWORD
	497: true, // ACCESS_DENIED
	516: true, // AUTHENTICATION_FAILED
}

// classOf says what an error sending a batch calls for: network errors
// and answers without a code are retried (5xx) or halt delivery (401,
// 403, 404: the wrong place or credentials); a code is read by its kind.
func classOf(err error) class {
	var e *Exception
	if !errors.As(err, &e) {
		return retry
	}
	switch {
	case e.Code != 0 && retryCodes[e.Code]:
		return cool
	case e.Code != 0 && haltCodes[e.Code]:
		return halt
	case e.Code != 0:
		return refuse
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Status == http.StatusNotFound:
		return halt
	case e.Status >= 500:
		return retry
	}
	return refuse
}
