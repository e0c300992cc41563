package explain

// findingsCatalog holds the texts of the findings (analyzer/findings),
// formats whose arguments the finding keeps; the English one is the
// finding's text in JSON.
func findingsCatalog() map[string]Text {
	return map[string]Text{
		"ui.finding":                          {"", "finding", "hallazgo"},
		"ui.severity.high":                    {"", "high", "alto"},
		"ui.severity.medium":                  {"", "medium", "medio"},
		"ui.severity.low":                     {"", "low", "bajo"},
		"ui.finding.nonstandard-port":         {"", "%s on port %s, which is not a mail port: recognized by its content", "%s en el puerto %s, que no es de correo: reconocido por su contenido"},
		"ui.finding.credentials.digest":       {"", "%s authentication of user %q crossed the network unencrypted: the digest can be attacked offline", "la autenticación %s del usuario %q cruzó la red sin cifrar: el resumen puede atacarse fuera de línea"},
		"ui.finding.credentials.password":     {"", "%s authentication sent user %q and the password in clear: anyone on the path can read them", "la autenticación %s envió el usuario %q y la contraseña sin cifrar: cualquiera en el camino puede leerlos"},
		"ui.finding.credentials.token":        {"", "%s authentication sent user %q and the access token in clear: anyone on the path can read them", "la autenticación %s envió el usuario %q y el token de acceso sin cifrar: cualquiera en el camino puede leerlos"},
		"ui.finding.tls-not-used.nothing":     {"", "the server offered to encrypt (STARTTLS/STLS) and the session stayed in clear; nothing else crossed unencrypted", "el servidor ofreció cifrar (STARTTLS/STLS) y la sesión siguió sin cifrar; nada más cruzó sin cifrar"},
		"ui.finding.tls-not-used.credentials": {"", "the server offered to encrypt (STARTTLS/STLS) and the session stayed in clear; credentials crossed unencrypted", "el servidor ofreció cifrar (STARTTLS/STLS) y la sesión siguió sin cifrar; las credenciales cruzaron sin cifrar"},
		"ui.finding.tls-not-used.messages":    {"", "the server offered to encrypt (STARTTLS/STLS) and the session stayed in clear; messages crossed unencrypted", "el servidor ofreció cifrar (STARTTLS/STLS) y la sesión siguió sin cifrar; los mensajes cruzaron sin cifrar"},
		"ui.finding.auth-failures":            {"", "%d failed authentications from %s so far: password guessing?", "%d autenticaciones fallidas desde %s hasta ahora: ¿adivinan contraseñas?"},
		"ui.finding.relay.accepted":           {"", "mail to %q, outside %s, accepted without authentication: an open relay", "correo para %q, fuera de %s, aceptado sin autenticación: un relay abierto"},
		"ui.finding.relay.refused":            {"", "mail to %q, outside %s, without authentication: a relay attempt, refused", "correo para %q, fuera de %s, sin autenticación: un intento de relay, rechazado"},
		"ui.finding.enumeration.vrfy":         {"", "%d VRFY/EXPN commands: asking the server which mailboxes exist", "%d comandos VRFY/EXPN: preguntan al servidor qué buzones existen"},
		"ui.finding.enumeration.refused":      {"", "%d recipients refused in one session: guessing mailboxes?", "%d destinatarios rechazados en una sesión: ¿adivinan buzones?"},
		"ui.finding.smuggling.dot":            {"", `a "." beside a bare LF inside DATA: a server that takes it for the end of the data reads what follows as new commands (SMTP smuggling)`, `un "." junto a un LF suelto dentro de DATA: un servidor que lo tome por el fin de los datos lee lo que sigue como comandos nuevos (SMTP smuggling)`},
		"ui.finding.smuggling.taken":          {"", `the server took a "." beside a bare LF as the end of the data, as its replies show, and read what followed as commands (SMTP smuggling)`, `el servidor tomó un "." junto a un LF suelto como fin de los datos, como muestran sus respuestas, y leyó lo que seguía como comandos (SMTP smuggling)`},
		"ui.finding.smuggling.hidden":         {"", "the server accepted a second message hidden in the data of the one before, after a \".\" beside a bare LF (SMTP smuggling)", "el servidor aceptó un segundo mensaje escondido en los datos del anterior, tras un \".\" junto a un LF suelto (SMTP smuggling)"},
		"ui.finding.smuggling.lf":             {"", "lines ended by a bare LF inside DATA (RFC 5321 §2.3.8): servers read them differently, which SMTP smuggling plays on", "líneas terminadas por un LF suelto dentro de DATA (RFC 5321 §2.3.8): los servidores las leen de distinto modo, y de eso se vale el SMTP smuggling"},
		"ui.finding.sender-not-user":          {"", "user %q, authenticated, sent as %q, another user of the server's domain: an alias or a shared mailbox, or a stolen password used to impersonate", "el usuario %q, autenticado, envió como %q, otro usuario del dominio del servidor: un alias o un buzón compartido, o una contraseña robada usada para suplantarlo"},
		"ui.finding.starttls.masked":          {"", "the offer of TLS was masked on the way (%q where STARTTLS/STLS should be): something on the path keeps the session in clear (a STARTTLS stripping attack, or a firewall's inspection)", "la oferta de TLS fue enmascarada en el camino (%q donde debería estar STARTTLS/STLS): algo en el camino mantiene la sesión en claro (un ataque de STARTTLS stripping, o la inspección de un firewall)"},
		"ui.finding.starttls.refused":         {"", "TLS was offered, then refused when the client took it (%q): the session stays in clear", "se ofreció TLS y se rechazó cuando el cliente lo pidió (%q): la sesión sigue en claro"},
		"ui.finding.from-mismatch":            {"", "the header says the message is From: %q, the envelope's sender (MAIL FROM) is %q: what a reader sees is not who sent it", "el encabezado dice que el mensaje es From: %q y el remitente del sobre (MAIL FROM) es %q: lo que ve el lector no es quien lo envió"},
		"ui.finding.unauthenticated-local":    {"", "a message from %q, of the server's own domain, accepted without authentication: anyone can send as the domain's users", "un mensaje de %q, del propio dominio del servidor, aceptado sin autenticación: cualquiera puede enviar como los usuarios del dominio"},
	}
}
