package explain

import (
	"strings"
	"sync"
)

// uiCatalog holds what the views say to the user around the
// explanations.
func uiCatalog() map[string]Text {
	return map[string]Text{
		"ui.session":                     {"", "Session", "Sesión"},
		"ui.header":                      {"", "  start %s  duration %s  client %d B  server %d B  %s%s", "  inicio %s  duración %s  cliente %d B  servidor %d B  %s%s"},
		"ui.tls.from":                    {"", "── TLS from here: %d B client, %d B server, not readable ──", "── TLS desde aquí: %d B del cliente, %d B del servidor, ilegibles ──"},
		"ui.file.notexist":               {"", "no such file", "no existe ese archivo"},
		"ui.file.permission":             {"", "permission denied", "no hay permiso para leerlo"},
		"ui.file.directory":              {"", "is a directory", "es una carpeta, no un archivo"},
		"ui.file.empty":                  {"", "empty file", "el archivo está vacío"},
		"ui.file.short":                  {"", "not a capture file: only %d bytes", "no es una captura: tiene solo %d bytes"},
		"ui.file.notcapture":             {"", "not a pcap or pcapng file (starts with % x)", "no es un archivo pcap ni pcapng (empieza con % x)"},
		"ui.tls.handshake":               {"", "handshake: ", "negociación: "},
		"ui.tls.decrypted":               {"", "── %s, decrypted with the key log ──", "── %s, descifrado con el registro de claves ──"},
		"ui.tls.stopped":                 {"", "decryption stopped: ", "el descifrado se detuvo: "},
		"ui.tls.not":                     {"", "not decrypted, ", "no descifrado, "},
		"ui.tls.why.no-key":              {"", "the key log has no secrets for this session", "el registro de claves no tiene los secretos de esta sesión"},
		"ui.tls.why.auth-failed":         {"", "the key log's secrets do not authenticate its records (wrong key)", "los secretos del registro de claves no autentican sus registros (clave equivocada)"},
		"ui.tls.why.unsupported-suite":   {"", "its cipher suite is not supported (TLS 1.3 and TLS 1.2's AEAD suites are)", "su conjunto de cifrado no está soportado (sí lo están TLS 1.3 y los AEAD de TLS 1.2)"},
		"ui.tls.why.unsupported-version": {"", "SSL 3.0 to TLS 1.1 are not supported", "SSL 3.0 a TLS 1.1 no están soportados"},
		"ui.tls.why.no-handshake":        {"", "its handshake was not captured", "su negociación no fue capturada"},
		"ui.tls.why.renegotiation":       {"", "TLS 1.2 renegotiation is not supported", "la renegociación de TLS 1.2 no está soportada"},
		"ui.tls.why.held-too-long":       {"", "encrypted records came without the hellos that give their keys", "llegaron registros cifrados sin los saludos que dan sus claves"},
		"ui.tls.why.not-tls":             {"", "bytes that are no TLS record", "bytes que no son registros TLS"},
		"ui.tls.hint.start":              {"", "(to see the rest: --tls-keylog with the key log the client wrote, as SSLKEYLOGFILE; or STARTTLS off in the mail client)", "(para ver el resto: --tls-keylog con el registro de claves que escribió el cliente, como SSLKEYLOGFILE; o desactivá STARTTLS en el cliente de correo)"},
		"ui.tls.hint.implicit":           {"", "(to see the protocol: --tls-keylog with the key log the client wrote, as SSLKEYLOGFILE; or SSL/TLS off in the mail client)", "(para ver el protocolo: --tls-keylog con el registro de claves que escribió el cliente, como SSLKEYLOGFILE; o desactivá SSL/TLS en el cliente de correo)"},
		"ui.fold":                        {"", "… %d more lines (--full shows them)", "… %d líneas más (--full las muestra)"},
		"ui.auth.ok":                     {"", "succeeded", "aceptada"},
		"ui.auth.failed":                 {"", "failed", "rechazada"},
		"ui.auth.unknown":                {"", "result unknown", "resultado desconocido"},
		"ui.capture":                     {"", "Capture: %s, %s, %d bytes, %s, %s", "Captura: %s, %s, %d bytes, %s, %s"},
		"ui.capture.filtered":            {"", ", %d left out by --filter", ", %d descartados por --filter"},
		"ui.capture.bad":                 {"", ", %d malformed, %d of unknown link type", ", %d mal formados, %d de enlace desconocido"},
		"ui.nosessions":                  {"", "No mail sessions found.", "No se encontraron sesiones de correo."},
		"ui.stats.head":                  {"", "Protocol|Sessions|Implicit TLS|STARTTLS|Bytes C->S|Bytes S->C|Auth OK|Auth failed|Messages|Message bytes|Gaps|Anomalies", "Protocolo|Sesiones|TLS implícito|STARTTLS|Bytes C->S|Bytes S->C|Autenticación OK|Autenticación fallida|Mensajes|Bytes de mensajes|Huecos|Anomalías"},
		"ui.stats.findings":              {"", "Findings", "Hallazgos"},
		"ui.stats.findings.head":         {"", "Protocol|Finding|Count", "Protocolo|Hallazgo|Cantidad"},
		"ui.stats.commands":              {"", "%s commands", "Comandos %s"},
		"ui.stats.commands.head":         {"", "Command|Count|Latency median (ms)|Latency p95 (ms)", "Comando|Cantidad|Latencia mediana (ms)|Latencia p95 (ms)"},
		"ui.stats.replies":               {"", "%s replies", "Respuestas %s"},
		"ui.stats.replies.head":          {"", "Status|Count", "Estado|Cantidad"},
		"ui.compare.title":               {"", "POP3 and IMAP compared: what each session cost and changed on the server", "POP3 e IMAP comparados: cuánto costó cada sesión y qué cambió en el servidor"},
		"ui.compare.head":                {"", "#|proto|trips|client B|server B|open|idle|msgs|again", "#|proto|viajes|cliente B|serv. B|abierta|IDLE|msjs|repet."},
		"ui.compare.all":                 {"", "all", "total"},
		"ui.compare.changed":             {"", "changed on the server: ", "cambió en el servidor: "},
		"ui.compare.pop3":                {"", "POP3 has no command to mark a message read or to file it in a folder (RFC 1939): what one client read, another sees as new; DELE is the only change it makes on the server.", "POP3 no tiene comandos para marcar un mensaje como leído ni para guardarlo en una carpeta (RFC 1939): lo que un cliente leyó, otro lo ve como nuevo; DELE es el único cambio que hace en el servidor."},
		"ui.compare.pop3.again":          {"", "POP3 downloaded %d message(s) a session before had already downloaded: the server keeps no note of what a client has.", "POP3 descargó %d mensaje(s) que una sesión anterior ya había descargado: el servidor no registra qué tiene cada cliente."},
		"ui.compare.imap":                {"", "IMAP keeps flags and folders on the server (RFC 9051): a body fetched without PEEK is marked \\Seen, STORE changes flags, CREATE/RENAME/DELETE change folders, and every client sees the change.", "IMAP guarda flags y carpetas en el servidor (RFC 9051): un cuerpo descargado sin PEEK queda marcado \\Seen, STORE cambia flags, CREATE/RENAME/DELETE cambian carpetas, y todos los clientes ven el cambio."},
		"ui.compare.imap.idle":           {"", "IMAP IDLE held the connection open %s to hear of new mail at once (RFC 2177): a connection and a server process for each waiting client.", "IMAP IDLE mantuvo la conexión abierta %s para enterarse del correo nuevo al instante (RFC 2177): una conexión y un proceso del servidor por cada cliente que espera."},
		"ui.compare.none":                {"", "No POP3 or IMAP sessions to compare.", "No hay sesiones POP3 ni IMAP para comparar."},
		"ui.live.started":                {"", "started %s", "empezó %s"},
		"ui.live.ended":                  {"", "ended: %s after %s, client %d B, server %d B", "terminó: %s tras %s, cliente %d B, servidor %d B"},
		"ui.summary":                     {"", "%4d  %-4s  %s -> %s  %s  %s  %s  %d auth  %s  %s  tls=%s  %s", "%4d  %-4s  %s -> %s  %s  %s  %s  %d autent.  %s  %s  tls=%s  %s"},
		"ui.clickhouse":                  {"", "ClickHouse %s: %d rows sent in %d batches, %d retries, %d rows spooled, %d sent from the spool, %d left in it", "ClickHouse %s: %d filas enviadas en %d lotes, %d reintentos, %d filas al spool, %d enviadas desde el spool, %d quedan en él"},
		"ui.ladder.tls":                  {"", "TLS: %d B ▶, %d B ◀, not readable", "TLS: %d B ▶, %d B ◀, ilegibles"},
		"ui.ladder.tls.decrypted":        {"", "%s, decrypted", "%s, descifrado"},
		"ui.interrupted":                 {"", "mailtrace: interrupted: the output is incomplete", "mailtrace: interrumpido: la salida está incompleta"},
		"ui.usage.port":                  {"", "--port %q: want PROTO=PORT, for example smtp=1025", "--port %q: tiene que ser PROTOCOLO=PUERTO, por ejemplo smtp=1025"},
		"ui.usage.portproto":             {"", "--port %q: unknown protocol %q (want %s)", "--port %q: protocolo desconocido %q (tiene que ser %s)"},
		"ui.usage.proto":                 {"", "--proto: unknown protocol %q (want %s)", "--proto: protocolo desconocido %q (tiene que ser %s)"},
		"ui.usage.url":                   {"", "--clickhouse %q: want the HTTP interface's URL, for example http://127.0.0.1:8123/", "--clickhouse %q: tiene que ser la URL de la interfaz HTTP, por ejemplo http://127.0.0.1:8123/"},
		"ui.usage.create":                {"", "--create needs the server: --clickhouse URL", "--create necesita el servidor: --clickhouse URL"},
		"ui.usage.send":                  {"", "send: name the server with --clickhouse URL", "send: indicá el servidor con --clickhouse URL"},
		"ui.usage.liveargs":              {"", "live: unexpected argument %q (the interface goes with -i)", "live: argumento inesperado %q (la interfaz va con -i)"},
		"ui.usage.liveiface":             {"", "live: name the interface with -i (mailtrace interfaces lists them)", "live: indicá la interfaz con -i (mailtrace interfaces las lista)"},
		"ui.usage.ringsize":              {"", "--ring-size takes a number of bytes", "--ring-size lleva una cantidad de bytes"},
		"ui.usage.writestdout":           {"", "-w - writes the packets to standard output: send the view elsewhere with -o FILE", "-w - escribe los paquetes en la salida estándar: mandá la vista a otro lado con -o ARCHIVO"},
		"ui.usage.parallel":              {"", "--clickhouse with several files reads them in parallel and shows only the statistics; --one-trace reads them as one trace with any view", "--clickhouse con varios archivos los lee en paralelo y muestra solo las estadísticas; --one-trace los lee como una sola traza, con cualquier vista"},
		"ui.usage.parallelstdin":         {"", "--clickhouse with several files: standard input cannot be read in parallel", "--clickhouse con varios archivos: la entrada estándar no se puede leer en paralelo"},
		"ui.usage.nofile":                {"", "%s: name at least one capture file (or - for standard input)", "%s: indicá al menos un archivo de captura (o - para la entrada estándar)"},
		"ui.usage.reportout":             {"", "report: name the page with -o FILE (-o - writes it to standard output)", "report: indicá la página con -o ARCHIVO (-o - la escribe en la salida estándar)"},
		"ui.usage.diagrams":              {"", "--diagrams takes a number of 0 or more", "--diagrams lleva un número, 0 o más"},
		"ui.usage.views":                 {"", "--follow, --ladder, --compare, --stats, --json, --jsonl, --summary and --journey exclude each other", "--follow, --ladder, --compare, --stats, --json, --jsonl, --summary y --journey se excluyen entre sí"},
		"ui.usage.redactfollow":          {"", "--redact cannot mask the raw bytes of --follow", "--redact no puede ocultar los bytes crudos de --follow"},
		"ui.usage.wherestream":           {"", "--where picks sessions by what they came to, once they end: not with --follow, --extract or live's timeline", "--where elige las sesiones por cómo terminaron, cuando terminan: no va con --follow, --extract ni la línea de tiempo de live"},
		"ui.usage.lang":                  {"", "--lang %q: want en or es", "--lang %q: tiene que ser en o es"},
		"ui.usage.color":                 {"", "--color %q: want auto, always or never", "--color %q: tiene que ser auto, always o never"},
		"ui.usage.bounds":                {"", "the --max-* bounds take a number of 0 or more", "los límites --max-* llevan un número, 0 o más"},
		"ui.usage.width":                 {"", "--width takes a number of columns", "--width lleva una cantidad de columnas"},
		"ui.filter.wrap":                 {"", "filter %q: %s (this build reads host, net, port, portrange, src, dst, tcp, udp, ip, ip6, and, or, not, parentheses)", "filtro %q: %s (esta versión lee host, net, port, portrange, src, dst, tcp, udp, ip, ip6, and, or, not y paréntesis)"},
		"ui.filter.empty":                {"", "empty", "vacío"},
		"ui.filter.long":                 {"", "longer than %d words", "más de %d palabras"},
		"ui.filter.end":                  {"", "%q where the filter should end", "%q donde el filtro debería terminar"},
		"ui.filter.paren":                {"", "a parenthesis not closed", "un paréntesis sin cerrar"},
		"ui.filter.short":                {"", "it ends where a primitive should come", "termina donde debería venir una primitiva"},
		"ui.filter.word":                 {"", "unknown word %q", "palabra desconocida %q"},
		"ui.filter.nothing":              {"", "%s names nothing", "%s no nombra nada"},
		"ui.filter.address":              {"", "%q is no address (names are not resolved)", "%q no es una dirección (los nombres no se resuelven)"},
		"ui.filter.network":              {"", "%q is no network", "%q no es una red"},
		"ui.filter.port":                 {"", "%q is no port", "%q no es un puerto"},
		"ui.filter.range":                {"", "portrange %q: want LOW-HIGH", "portrange %q: tiene que ser DESDE-HASTA"},
		"ui.where.wrap":                  {"", "--where %q: %s (FIELD=VALUE, FIELD!=VALUE or FIELD~VALUE, with and, or, not, parentheses; fields: %s)", "--where %q: %s (CAMPO=VALOR, CAMPO!=VALOR o CAMPO~VALOR, con and, or, not y paréntesis; campos: %s)"},
		"ui.where.empty":                 {"", "empty", "vacío"},
		"ui.where.long":                  {"", "longer than %d words", "más de %d palabras"},
		"ui.where.end":                   {"", "%q where the expression should end", "%q donde la expresión debería terminar"},
		"ui.where.quote":                 {"", "a quote not closed", "unas comillas sin cerrar"},
		"ui.where.char":                  {"", "%q where a word should come", "%q donde debería venir una palabra"},
		"ui.where.paren":                 {"", "a parenthesis not closed", "un paréntesis sin cerrar"},
		"ui.where.short":                 {"", "it ends where a condition should come", "termina donde debería venir una condición"},
		"ui.where.field":                 {"", "no field %q", "no hay un campo %q"},
		"ui.where.op":                    {"", "%s wants =, != or ~ after it", "%s lleva =, != o ~ después"},
		"ui.where.value":                 {"", "%s%s wants a value", "%s%s lleva un valor"},
		"ui.usage.unknownshort":          {"", "unknown shorthand flag: ", "opción corta desconocida: "},
		"ui.usage.didyoumean":            {"", "; did you mean %s?", "; ¿quisiste decir %s?"},
		"ui.usage.unknownflag":           {"", "unknown flag: ", "opción desconocida: "},
		"ui.usage.unknowncommand":        {"", "unknown command ", "comando desconocido "},
		"ui.usage.needsarg":              {"", "flag needs an argument: ", "la opción necesita un valor: "},
		"ui.usage.invalid":               {"", "invalid argument ", "valor inválido "},
		"ui.warn.nopackets":              {"", "mailtrace: warning: %s: the capture holds no packets", "mailtrace: aviso: %s: la captura no tiene paquetes"},
		"ui.warn.cutshort":               {"", "mailtrace: warning: %s: the capture is cut short after %d packets (%s); what was read is shown", "mailtrace: aviso: %s: la captura termina de golpe tras %d paquetes (%s); se muestra lo leído"},
		"ui.warn.other":                  {"", "mailtrace: warning: %s", "mailtrace: aviso: %s"},
		"ui.warn.truncated":              {"", "mailtrace: warning: %d packets were cut by the capture's snap length; their missing bytes show as gaps", "mailtrace: aviso: %d paquetes fueron recortados por el snap length de la captura; sus bytes faltantes se ven como huecos"},
		"ui.warn.keepsecrets":            {"", "mailtrace: warning: --keep-secrets: passwords, tokens and SASL data go into the JSON lines in clear", "mailtrace: aviso: --keep-secrets: las contraseñas, los tokens y los datos SASL van sin ocultar en las líneas JSON"},
		"ui.warn.evicted":                {"", "mailtrace: warning: %d connections were given up to follow at most %d at once (--max-open)", "mailtrace: aviso: se abandonaron %d conexiones para seguir a lo sumo %d a la vez (--max-open)"},
		"ui.warn.ipv6frag":               {"", "mailtrace: warning: %d IPv6 fragments could not be put together (overlapping, late or incomplete); the TCP data they carried shows as gaps", "mailtrace: aviso: %d fragmentos IPv6 no pudieron reensamblarse (superpuestos, tardíos o incompletos); los datos TCP que llevaban se ven como huecos"},
		"ui.warn.future":                 {"", "mailtrace: warning: %d packets were stamped after the year 9999 and are read as stamped at its end", "mailtrace: aviso: %d paquetes tenían fecha posterior al año 9999 y se leen con fecha de su final"},
		"ui.warn.unknownlink":            {"", "mailtrace: warning: %d packets of a link type mailtrace does not decode were skipped", "mailtrace: aviso: se saltearon %d paquetes de un tipo de enlace que mailtrace no decodifica"},
		"ui.nomatch":                     {"", "mailtrace: no session matches --session, --proto or --where; the capture holds %s (numbered 1 to %d)", "mailtrace: ninguna sesión coincide con --session, --proto o --where; la captura tiene %s (numeradas de 1 a %d)"},
		"ui.saved":                       {"", "mailtrace: %d messages saved under %s", "mailtrace: %d mensajes guardados en %s"},
		"ui.saved.error":                 {"", "mailtrace: warning: --extract: %s; the messages it cuts are saved as .incomplete.eml", "mailtrace: aviso: --extract: %s; los mensajes que corta se guardan como .incomplete.eml"},
		"ui.saved.incomplete":            {"", "mailtrace: %d of them cut, named .incomplete.eml (a gap, the end of the capture, or a write that failed)", "mailtrace: %d de ellos cortados, con nombre .incomplete.eml (un hueco, el fin de la captura o una escritura que falló)"},
		"ui.saved.limit":                 {"", "mailtrace: warning: %d files not written: --extract stops at 100 000 files or 8 GiB a capture", "mailtrace: aviso: %d archivos no escritos: --extract se detiene en 100 000 archivos u 8 GiB por captura"},
		"ui.follow.dropped":              {"", "[... %d more bytes of this session, counted, not kept (--max-follow)]", "[... %d bytes más de esta sesión, contados, no guardados (--max-follow)]"},
		"ui.legend": {"", "Legend: C: is what the client (the mail program) sends, S: what the server answers; ↳ explains the line above.",
			"Leyenda: C: es lo que envía el cliente (el programa de correo), S: lo que responde el servidor; ↳ explica la línea de arriba."},
	}
}

// Say returns what the views say to the user, by key, in l; English
// when l is not set, "" for a key the catalogs lack.
func Say(key string, l Lang) string {
	t := shared()[key]
	if l == Spanish {
		return t.Es
	}
	return t.En
}

// Columns returns a table's column headings, by key, in l: the catalogs
// keep them in one text, separated by "|".
func Columns(key string, l Lang) []string { return strings.Split(Say(key, l), "|") }

// shared is the catalog Say and Default read, built once: parsers say
// every anomaly through it, and a hostile capture has many.
var shared = sync.OnceValue(NewCatalog)

// Default is the catalog of every text, shared and not to be changed.
func Default() Catalog { return shared() }

// saslCatalog says what each SASL mechanism's challenge waits for.
func saslCatalog() map[string]Text {
	return map[string]Text{
		"sasl.PLAIN":                       {"RFC 4616 §2", "the server waits for your PLAIN credentials: user and password in one base64 string, readable by anyone on the path", "el servidor espera tus credenciales PLAIN: usuario y contraseña en una sola cadena base64, legible por cualquiera en el camino"},
		"sasl.LOGIN.user":                  {"RFC 4954 §4", "the server asks for your user name, in base64 (LOGIN)", "el servidor pide tu nombre de usuario, en base64 (LOGIN)"},
		"sasl.LOGIN.pass":                  {"RFC 4954 §4", "the server asks for your password, in base64 (LOGIN): base64 is not encryption", "el servidor pide tu contraseña, en base64 (LOGIN): base64 no es cifrado"},
		"sasl.CRAM-MD5":                    {"RFC 2195 §2", "the server sends a challenge; the answer is the user and an HMAC-MD5 of it keyed by the password, which does not cross", "el servidor envía un desafío; la respuesta es el usuario y un HMAC-MD5 del desafío con la contraseña como clave, que no viaja"},
		"sasl.OAUTHBEARER":                 {"RFC 7628 §3.1", "the server waits for an OAuth 2.0 token, in base64", "el servidor espera un token OAuth 2.0, en base64"},
		"sasl.XOAUTH2":                     {"RFC 7628 §3.1", "the server waits for an OAuth 2.0 token, in base64 (XOAUTH2, Google's form of OAUTHBEARER)", "el servidor espera un token OAuth 2.0, en base64 (XOAUTH2, la forma de Google de OAUTHBEARER)"},
		"sasl.other":                       {"RFC 4422 §3", "the server waits for the next step of the authentication mechanism, in base64", "el servidor espera el siguiente paso del mecanismo de autenticación, en base64"},
		"ui.journey.title":                 {"", "Journeys: %s in more than one session", "Recorridos: %s en más de una sesión"},
		"ui.journey.hop":                   {"", "%s  %s over %s %s", "%s  %s por %s %s"},
		"ui.journey.by":                    {"", " by %s", " de %s"},
		"ui.journey.session":               {"", ", session %d, %s -> %s", ", sesión %d, %s -> %s"},
		"ui.journey.queued":                {"", ", queued as %s", ", encolado como %s"},
		"ui.journey.later":                 {"", ", %.3fs later", ", %.3fs después"},
		"ui.dns.title":                     {"", "DNS lookups: %d", "Consultas DNS: %d"},
		"ui.hop.submission":                {"", "  hop: submission, a client hands its message to its own server (RFC 6409)", "  salto: envío, un cliente entrega su mensaje a su propio servidor (RFC 6409)"},
		"ui.hop.relay":                     {"", "  hop: relay, a server hands the message on to the next (RFC 5321 §3.6)", "  salto: reenvío, un servidor pasa el mensaje al siguiente (RFC 5321 §3.6)"},
		"ui.hop.delivery":                  {"", "  hop: delivery, a server puts the message in the mailbox store (RFC 2033)", "  salto: depósito, un servidor deja el mensaje en el buzón (RFC 2033)"},
		"ui.hop.reading":                   {"", "  hop: reading, a mail client reads its mailbox (RFC 1939, RFC 9051)", "  salto: lectura, un cliente de correo lee su buzón (RFC 1939, RFC 9051)"},
		"ui.dns.reached":                   {"", "  reached by MX lookup: %s MX %d %s -> %s, asked by %s of %s at %s", "  alcanzado por consulta MX: %s MX %d %s -> %s, preguntado por %s a %s a las %s"},
		"ui.compare.change.DELE (deleted)": {"", "DELE (deleted)", "DELE (borrados)"},
		"ui.compare.change.DELE (marked, not deleted)":  {"", "DELE (marked, not deleted)", "DELE (marcados, no borrados)"},
		"ui.compare.change.\\Seen (set)":                {"", "\\Seen (set)", "\\Seen (puesto)"},
		"ui.compare.change.\\Seen (cleared)":            {"", "\\Seen (cleared)", "\\Seen (quitado)"},
		"ui.compare.change.\\Deleted (set)":             {"", "\\Deleted (set)", "\\Deleted (puesto)"},
		"ui.compare.change.STORE (flags)":               {"", "STORE (flags)", "STORE (otros flags)"},
		"ui.compare.change.EXPUNGE (deleted)":           {"", "EXPUNGE (deleted)", "EXPUNGE (borrados)"},
		"ui.compare.change.CREATE (folders)":            {"", "CREATE (folders)", "CREATE (carpetas)"},
		"ui.compare.change.DELETE (folders)":            {"", "DELETE (folders)", "DELETE (carpetas)"},
		"ui.compare.change.RENAME (folders)":            {"", "RENAME (folders)", "RENAME (carpetas)"},
		"ui.compare.change.APPEND (messages)":           {"", "APPEND (messages)", "APPEND (mensajes)"},
		"ui.compare.change.COPY (messages)":             {"", "COPY (messages)", "COPY (mensajes)"},
		"ui.compare.change.MOVE (messages)":             {"", "MOVE (messages)", "MOVE (mensajes)"},
		"ui.compare.change.SUBSCRIBE (subscriptions)":   {"", "SUBSCRIBE (subscriptions)", "SUBSCRIBE (suscripciones)"},
		"ui.compare.change.UNSUBSCRIBE (subscriptions)": {"", "UNSUBSCRIBE (subscriptions)", "UNSUBSCRIBE (suscripciones)"},
		"ui.dns.noanswer":                               {"", "no answer", "sin respuesta"},
		"ui.dns.in":                                     {"", "%s in %.1f ms", "%s en %.1f ms"},
		"ui.dns.rcode.Success":                          {"", "answered", "respondida"},
		"ui.dns.rcode.NameError":                        {"", "no such name (NXDOMAIN)", "el nombre no existe (NXDOMAIN)"},
		"ui.dns.rcode.ServerFailure":                    {"", "the server failed (SERVFAIL)", "falló el servidor (SERVFAIL)"},
		"ui.dns.rcode.Refused":                          {"", "refused (REFUSED)", "rechazada (REFUSED)"},
		"ui.dns.section.answer":                         {"", "answer", "respuesta"},
		"ui.dns.section.additional":                     {"", "additional", "adicional"},
	}
}
