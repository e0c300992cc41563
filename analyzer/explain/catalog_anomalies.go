package explain

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Anomaly records on s an anomaly said by the catalog's key with args:
// its text in English, and the key and arguments for the views to say it
// in another language.
func Anomaly(s *session.Session, t time.Time, d session.Dir, key string, args ...any) {
	if s.AnomaliesFull() {
		// Counted, not said: a flood of one anomaly (a bare-LF dot on
		// every line) costs no text past the bound.
		s.AnomalySaid(t, d, "", "", nil)
		return
	}
	key = "ui.anomaly." + key
	for i, a := range args {
		// An anomaly quotes the start of what it names (a line that is
		// no reply, a verb nobody knows): a thousand of them must not
		// hold a thousand lines of 64 KiB.
		if text, ok := a.(string); ok && len(text) > session.ShortLine {
			args[i] = strings.Clone(text[:session.ShortLine])
		}
	}
	s.AnomalySaid(t, d, fmt.Sprintf(Say(key, English), args...), key, args)
}

// Note adds to s a note said by the catalog's key.
func Note(s *session.Session, key string) {
	key = "ui.note." + key
	s.NoteSaid(Say(key, English), key)
}

// anomaliesCatalog holds the texts of the anomalies the parsers and the
// tracker record.
func anomaliesCatalog() map[string]Text {
	return map[string]Text{
		"ui.anomaly":                       {"", "anomaly", "anomalía"},
		"ui.note":                          {"", "note", "nota"},
		"ui.note.client.missing":           {"", "the client's direction was not captured: replies are listed without their commands", "la dirección del cliente no fue capturada: las respuestas se listan sin sus comandos"},
		"ui.note.packets.dropped":          {"", "the capture dropped packets while this session was open (the kernel's buffer was full): it may lack more than its gaps show, at its start or its end", "la captura descartó paquetes mientras esta sesión estaba abierta (el búfer del núcleo se llenó): puede faltarle más de lo que muestran sus huecos, al principio o al final"},
		"ui.note.server.missing":           {"", "the server's direction was not captured: commands are listed without replies", "la dirección del servidor no fue capturada: los comandos se listan sin respuestas"},
		"ui.state.closed":                  {"", "closed", "cerrada"},
		"ui.state.reset":                   {"", "reset", "reiniciada (RST)"},
		"ui.state.open":                    {"", "open", "abierta"},
		"ui.state.evicted":                 {"", "evicted", "abandonada"},
		"ui.anomaly.cut.server":            {"", "server line longer than the limit (--max-line) was cut", "una línea del servidor más larga que el límite (--max-line) fue recortada"},
		"ui.anomaly.cut.client":            {"", "client line longer than the limit (--max-line) was cut", "una línea del cliente más larga que el límite (--max-line) fue recortada"},
		"ui.anomaly.tls.corrupt":           {"", "%d TLS record(s) did not authenticate (changed on the wire): passed over, what they carried is missing", "%d registro(s) TLS no se autenticaron (alterados en el camino): se saltearon, falta lo que llevaban"},
		"ui.anomaly.tls.plain":             {"", "%s accepted but the bytes that follow are not TLS (decrypted capture?): parsing goes on", "%s aceptado pero los bytes que siguen no son TLS (¿captura descifrada?): el análisis sigue"},
		"ui.anomaly.reply.lost":            {"", "the reply to %s was lost in a capture gap", "la respuesta a %s se perdió en un hueco de la captura"},
		"ui.anomaly.unknown.command":       {"", "unknown command %q", "comando desconocido %q"},
		"ui.anomaly.short.reply":           {"", "multi-line reply cut short", "respuesta de varias líneas cortada"},
		"ui.anomaly.short.message":         {"", "message cut short", "mensaje cortado"},
		"ui.anomaly.bdat.args":             {"", "BDAT with bad arguments: %s", "BDAT con argumentos incorrectos: %s"},
		"ui.anomaly.smuggling.dot":         {"", `a lone "." with a bare LF beside it does not end DATA (RFC 5321 §4.1.1.4); a server that took it as the end would read what follows as commands (SMTP smuggling)`, `un "." solo con un LF suelto al lado no termina DATA (RFC 5321 §4.1.1.4); un servidor que lo tomara por el final leería lo que sigue como comandos (SMTP smuggling)`},
		"ui.anomaly.smuggling.undecided":   {"", `the server's replies fit both readings of a "." beside a bare LF (the end of DATA, or message text): read as RFC 5321 reads it, message text`, `las respuestas del servidor encajan con las dos lecturas de un "." junto a un LF suelto (fin de DATA, o texto del mensaje): se lee como lo lee el RFC 5321, texto del mensaje`},
		"ui.anomaly.base64.stray":          {"", "part %q: %d bytes outside the base64 alphabet, skipped (RFC 2045 §6.8)", "parte %q: %d bytes fuera del alfabeto de base64, ignorados (RFC 2045 §6.8)"},
		"ui.anomaly.reply.lines":           {"", "%d more lines of one reply not kept (it keeps %d)", "%d líneas más de una respuesta no guardadas (guarda %d)"},
		"ui.anomaly.bound.messages":        {"", "more messages than the bound (--max-messages): the rest are read and counted, not kept", "más mensajes que el límite (--max-messages): el resto se lee y se cuenta, no se guarda"},
		"ui.anomaly.mime.bounds":           {"", "the MIME structure went past its bounds (a header of %d KiB or %d fields, %d levels of nesting): past them it is counted as one part's body, not read", "la estructura MIME pasó sus límites (un encabezado de %d KiB o %d campos, %d niveles de anidamiento): después se cuenta como el cuerpo de una parte, sin leerse"},
		"ui.anomaly.mime.header":           {"", "a part's header held a line that is no header field: the header ends there and the part goes on, as mail programs read it (its later parts are listed)", "el encabezado de una parte tenía una línea que no es un campo: el encabezado termina ahí y la parte sigue, como la leen los programas de correo (sus partes siguientes se listan)"},
		"ui.anomaly.pop3.dot.text":         {"", `a "." beside a bare LF inside a message the server went on sending: text, not the end (RFC 1939 §3 ends it at CRLF "." CRLF)`, `un "." junto a un LF suelto dentro de un mensaje que el servidor siguió enviando: texto, no el final (el RFC 1939 §3 lo termina en CRLF "." CRLF)`},
		"ui.anomaly.bare.lf":               {"", "message line ended by a bare LF (RFC 5321 §2.3.8)", "línea del mensaje terminada por un LF suelto (RFC 5321 §2.3.8)"},
		"ui.anomaly.bare.cr":               {"", "message line holds a bare CR (RFC 5321 §2.3.8)", "línea del mensaje con un CR suelto (RFC 5321 §2.3.8)"},
		"ui.anomaly.nul":                   {"", "message holds a NUL byte", "el mensaje tiene un byte NUL"},
		"ui.anomaly.message.lost.end":      {"", "the end of the message was lost in a capture gap", "el final del mensaje se perdió en un hueco de la captura"},
		"ui.anomaly.code.range":            {"", "reply code %s out of range (RFC 5321 §4.2)", "código de respuesta %s fuera de rango (RFC 5321 §4.2)"},
		"ui.anomaly.code.missing":          {"", "reply line without a 3-digit code: %s", "línea de respuesta sin código de 3 dígitos: %s"},
		"ui.anomaly.code.changes":          {"", "multi-line reply changes its code from %s to %s", "una respuesta de varias líneas cambia su código de %s a %s"},
		"ui.anomaly.reply.orphan":          {"", "reply %s answers no command", "la respuesta %s no responde a ningún comando"},
		"ui.anomaly.reply.orphan.pop3":     {"", "reply answers no command", "la respuesta no responde a ningún comando"},
		"ui.anomaly.imap.notresponse":      {"", "server line that is not a response (a literal of the wrong length?): %s", "línea del servidor que no es una respuesta (¿un literal de longitud equivocada?): %s"},
		"ui.anomaly.imap.unknowntag":       {"", "completion for unknown tag %s", "finalización para una etiqueta desconocida %s"},
		"ui.anomaly.imap.untagged":         {"", "untagged data with no command open", "datos sin etiqueta sin ningún comando abierto"},
		"ui.anomaly.imap.continuation":     {"", "continuation request with no command waiting", "pedido de continuación sin ningún comando esperando"},
		"ui.anomaly.imap.nopart":           {"", "completion of %s %s answers no pending part", "la finalización de %s %s no responde a ninguna parte pendiente"},
		"ui.anomaly.imap.literal.gap":      {"", "a capture gap took the end of a literal and the bytes after it", "un hueco de la captura se llevó el final de un literal y los bytes siguientes"},
		"ui.anomaly.imap.literal.long":     {"", "literal longer than the rest of the stream", "literal más largo que el resto del flujo"},
		"ui.anomaly.reply.waiting.bound":   {"", "more than %d commands waiting for their replies: the oldest were given up, unanswered", "más de %d comandos a la espera de su respuesta: los más antiguos se dieron por perdidos, sin respuesta"},
		"ui.anomaly.bound.text":            {"", "past %d MiB of command and reply lines, the session keeps the first %d bytes of each longer line", "pasados %d MiB de líneas de comandos y respuestas, la sesión guarda los primeros %d bytes de cada línea más larga"},
		"ui.anomaly.imap.open.bound":       {"", "more than %d commands awaiting their completion: the oldest were given up, unanswered", "más de %d comandos a la espera de su respuesta final: los más antiguos se dieron por perdidos, sin respuesta"},
		"ui.anomaly.imap.line.long":        {"", "a server line with literals went past %d bytes (--max-line): its text is cut there, its literals still read", "una línea del servidor con literales pasó de %d bytes (--max-line): su texto se recorta ahí, sus literales se siguen leyendo"},
		"ui.anomaly.imap.idle":             {"", "IDLE ended by something other than DONE: %s", "IDLE terminado por algo distinto de DONE: %s"},
		"ui.anomaly.imap.notag":            {"", "command line without a tag and a command: %s", "línea de comando sin etiqueta y comando: %s"},
		"ui.anomaly.bound.auth":            {"", "more authentications than the bound: the rest are followed and counted, not kept", "más autenticaciones que el límite: el resto se sigue y se cuenta, no se guarda"},
		"ui.anomaly.bound.gaps":            {"", "more gaps than the bound: the rest are counted with their bytes, not listed", "más huecos que el límite: el resto se cuenta con sus bytes, no se lista"},
		"ui.anomaly.bound.exchanges":       {"", "more exchanges than the bound (--max-exchanges): the rest are parsed and counted, not kept", "más intercambios que el límite (--max-exchanges): el resto se analiza y se cuenta, no se guarda"},
		"ui.anomaly.implicit.clear.client": {"", "port %d is for implicit TLS (RFC 8314), but the client's first bytes are not TLS: see them with --follow", "el puerto %d es de TLS implícito (RFC 8314), pero los primeros bytes del cliente no son TLS: véalos con --follow"},
		"ui.anomaly.implicit.clear.server": {"", "port %d is for implicit TLS (RFC 8314), but the server's first bytes are not TLS: see them with --follow", "el puerto %d es de TLS implícito (RFC 8314), pero los primeros bytes del servidor no son TLS: véalos con --follow"},
		"ui.anomaly.retransmission":        {"", "a retransmission carried other bytes than the first copy (%d bytes differ); the first copy was kept", "una retransmisión llevó otros bytes que la primera copia (%d bytes distintos); se guardó la primera copia"},
		"ui.anomaly.pop3.lost.end":         {"", "the end of a multi-line reply was lost in a capture gap", "el final de una respuesta de varias líneas se perdió en un hueco de la captura"},
		"ui.anomaly.pop3.status":           {"", "reply without +OK or -ERR: %s", "respuesta sin +OK ni -ERR: %s"},
	}
}
