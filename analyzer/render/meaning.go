package render

// Reply meanings, one rule for every view's colours: RFC 5321 §4.2.1's
// first digit for SMTP, +OK/-ERR for POP3 (RFC 1939 §3), OK/NO/BAD for
// IMAP (RFC 9051 §7.1); a "+" continuation asks for more.
const (
	MeaningOK   = "ok"
	MeaningMore = "more"
	MeaningTemp = "temp"
	MeaningFail = "fail"
)

// ReplyMeaning says what a reply's status means.
func ReplyMeaning(status string) string {
	switch {
	case status == "":
		return MeaningOK
	case status == "+" || status[0] == '3':
		return MeaningMore
	case status[0] == '4':
		return MeaningTemp
	case status[0] == '5' || status == "-ERR" || status == "NO" || status == "BAD":
		return MeaningFail
	}
	return MeaningOK
}
