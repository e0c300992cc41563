package explain

// pop3Catalog explains POP3 (RFC 1939), its extensions (RFC 2449) and
// response codes (RFC 2449 §8, RFC 3206).
func pop3Catalog() map[string]Text {
	return map[string]Text{
		"pop3.cmd.USER":      {"RFC 1939 §7", "gives the user name; the password follows with PASS, both in clear", "da el nombre de usuario; la contraseña sigue con PASS, ambos sin cifrar"},
		"pop3.cmd.PASS":      {"RFC 1939 §7", "gives the password, in clear: anyone on the path can read it", "da la contraseña sin cifrar: cualquiera en el camino puede leerla"},
		"pop3.cmd.APOP":      {"RFC 1939 §7", "logs in with a digest of the greeting's timestamp and the password, which does not cross", "inicia sesión con un resumen (digest) de la marca del saludo y la contraseña, que no viaja"},
		"pop3.cmd.AUTH":      {"RFC 5034 §4", "starts authentication with the named SASL mechanism (PLAIN and LOGIN carry the password in base64, not encrypted)", "empieza la autenticación con el mecanismo SASL indicado (PLAIN y LOGIN llevan la contraseña en base64, sin cifrar)"},
		"pop3.cmd.AUTH.bare": {"RFC 5034 §4", "AUTH without a mechanism is not in RFC 5034, which requires one; some servers (Dovecot) answer it with their list of mechanisms, an old extension; the standard way to ask is CAPA's SASL line", "AUTH sin mecanismo no está en el RFC 5034, que exige uno; algunos servidores (Dovecot) responden con su lista de mecanismos, una extensión antigua; la forma estándar de preguntar es la línea SASL de CAPA"},
		"pop3.cmd.STAT":      {"RFC 1939 §5", "asks how many messages the mailbox holds and their total size", "pregunta cuántos mensajes tiene el buzón y su tamaño total"},
		"pop3.cmd.LIST":      {"RFC 1939 §5", "lists each message's number and size (or one message's)", "lista el número y el tamaño de cada mensaje (o de uno)"},
		"pop3.cmd.RETR":      {"RFC 1939 §5", "downloads a whole message; it stays on the server unless DELE removes it", "descarga un mensaje completo; queda en el servidor salvo que DELE lo borre"},
		"pop3.cmd.DELE":      {"RFC 1939 §5", "marks a message for deletion; it goes when QUIT ends the session", "marca un mensaje para borrar; se borra cuando QUIT termina la sesión"},
		"pop3.cmd.NOOP":      {"RFC 1939 §5", "does nothing: keeps the connection alive", "no hace nada: mantiene viva la conexión"},
		"pop3.cmd.RSET":      {"RFC 1939 §5", "unmarks the messages marked for deletion", "desmarca los mensajes marcados para borrar"},
		"pop3.cmd.QUIT":      {"RFC 1939 §6", "ends the session; the server deletes the marked messages (UPDATE state)", "termina la sesión; el servidor borra los mensajes marcados (estado UPDATE)"},
		"pop3.cmd.TOP":       {"RFC 1939 §7", "downloads a message's header and its first n lines of body", "descarga el encabezado de un mensaje y las primeras n líneas del cuerpo"},
		"pop3.cmd.UIDL":      {"RFC 1939 §7", "lists each message's unique id, so a client knows what it already downloaded", "lista el identificador único de cada mensaje, para que el cliente sepa qué ya descargó"},
		"pop3.cmd.CAPA":      {"RFC 2449 §5", "asks which extensions the server offers", "pregunta qué extensiones ofrece el servidor"},
		"pop3.cmd.STLS":      {"RFC 2595 §4", "asks to encrypt the connection with TLS from here on", "pide cifrar la conexión con TLS desde aquí"},
		"pop3.cmd.UTF8":      {"RFC 6856 §2", "asks for UTF-8 in user names and messages", "pide UTF-8 en nombres de usuario y mensajes"},
		"pop3.cmd.message":   {"RFC 1939 §3", "the message's bytes; a line with only a dot ends them", "los bytes del mensaje; una línea con solo un punto los termina"},
		"pop3.cmd.sasl":      {"RFC 5034 §4", "the client's answer to the server's + challenge, in base64", "la respuesta del cliente al desafío + del servidor, en base64"},
		"pop3.cmd.unknown":   {"RFC 1939 §3", "not a POP3 command the server knows: it answers -ERR", "no es un comando POP3 que el servidor conozca: responde -ERR"},

		"pop3.status.greeting": {"RFC 1939 §4", "+OK without a command before it: the server's greeting; it is ready to authenticate (the AUTHORIZATION state); a <...> in it is the timestamp APOP digests", "+OK sin un comando antes: el saludo del servidor; está listo para autenticar (el estado AUTHORIZATION); un <...> en él es la marca de tiempo que usa APOP"},
		"pop3.status.+OK":      {"RFC 1939 §3", "+OK: the command succeeded (a multi-line answer ends with a line with only a dot)", "+OK: el comando tuvo éxito (una respuesta de varias líneas termina con una línea con solo un punto)"},
		"pop3.status.-ERR":     {"RFC 1939 §3", "-ERR: the command failed", "-ERR: el comando falló"},
		"pop3.status.+":        {"RFC 5034 §4", "+: an authentication challenge; the server waits for the client's base64 answer", "+: un desafío de autenticación; el servidor espera la respuesta del cliente en base64"},

		"pop3.code.IN-USE":      {"RFC 2449 §8.1.1", "[IN-USE]: the mailbox is in use by another session", "[IN-USE]: otra sesión está usando el buzón"},
		"pop3.code.LOGIN-DELAY": {"RFC 2449 §8.1.2", "[LOGIN-DELAY]: logged in too soon after the last time", "[LOGIN-DELAY]: inició sesión demasiado pronto tras la anterior"},
		"pop3.code.SYS/TEMP":    {"RFC 3206 §4", "[SYS/TEMP]: a temporary problem on the server", "[SYS/TEMP]: un problema temporal del servidor"},
		"pop3.code.SYS/PERM":    {"RFC 3206 §4", "[SYS/PERM]: a lasting problem on the server", "[SYS/PERM]: un problema duradero del servidor"},
		"pop3.code.AUTH":        {"RFC 3206 §5", "[AUTH]: the credentials are wrong (user or password)", "[AUTH]: las credenciales son incorrectas (usuario o contraseña)"},
		"pop3.code.UTF8":        {"RFC 6856 §2", "[UTF8]: the server refused for lack of UTF-8", "[UTF8]: el servidor se negó por falta de UTF-8"},

		// CAPA's lines (RFC 2449 §6), each a capability.
		"pop3.capa.CAPA":           {"RFC 2449 §5", "CAPA: the server answers the CAPA command with this list", "CAPA: el servidor responde al comando CAPA con esta lista"},
		"pop3.capa.TOP":            {"RFC 2449 §6.1", "TOP: the server gives a message's header and first lines", "TOP: el servidor da el encabezado y las primeras líneas de un mensaje"},
		"pop3.capa.USER":           {"RFC 2449 §6.2", "USER: log in with USER and PASS, the password in clear", "USER: inicio de sesión con USER y PASS, la contraseña sin cifrar"},
		"pop3.capa.SASL":           {"RFC 2449 §6.3", "SASL: the mechanisms AUTH takes", "SASL: los mecanismos que acepta AUTH"},
		"pop3.capa.RESP-CODES":     {"RFC 2449 §6.4", "RESP-CODES: -ERR replies may carry a code in brackets ([IN-USE])", "RESP-CODES: las respuestas -ERR pueden llevar un código entre corchetes ([IN-USE])"},
		"pop3.capa.LOGIN-DELAY":    {"RFC 2449 §6.5", "LOGIN-DELAY: the least seconds between two logins", "LOGIN-DELAY: los segundos mínimos entre dos inicios de sesión"},
		"pop3.capa.PIPELINING":     {"RFC 2449 §6.6", "PIPELINING: the client may send several commands without waiting for each reply", "PIPELINING: el cliente puede enviar varios comandos sin esperar cada respuesta"},
		"pop3.capa.EXPIRE":         {"RFC 2449 §6.7", "EXPIRE: how many days the server keeps a message after it was read (NEVER: kept)", "EXPIRE: cuántos días guarda el servidor un mensaje ya leído (NEVER: lo conserva)"},
		"pop3.capa.UIDL":           {"RFC 2449 §6.8", "UIDL: each message has a unique id, so a client knows what it downloaded before", "UIDL: cada mensaje tiene un identificador único, así el cliente sabe qué descargó antes"},
		"pop3.capa.IMPLEMENTATION": {"RFC 2449 §6.9", "IMPLEMENTATION: the server's software", "IMPLEMENTATION: el software del servidor"},
		"pop3.capa.AUTH-RESP-CODE": {"RFC 3206 §6", "AUTH-RESP-CODE: a failed login says why ([AUTH], [SYS/TEMP])", "AUTH-RESP-CODE: un inicio de sesión fallido dice por qué ([AUTH], [SYS/TEMP])"},
		"pop3.capa.STLS":           {"RFC 2595 §4", "STLS: the session can be encrypted from here on, if the client asks", "STLS: la sesión puede cifrarse desde aquí, si el cliente lo pide"},
		"pop3.capa.UTF8":           {"RFC 6856 §2", "UTF8: user names and messages may be in UTF-8", "UTF8: nombres de usuario y mensajes pueden ir en UTF-8"},
		"pop3.capa.LANG":           {"RFC 6856 §3", "LANG: the server can answer in other languages", "LANG: el servidor puede responder en otros idiomas"},
	}
}
