package explain

// uiCatalog holds what the views say to the user around the
// explanations.
func uiCatalog() map[string]Text {
	return map[string]Text{
		"ui.session":           {"", "Session", "Sesión"},
		"ui.header":            {"", "  start %s  duration %s  client %d B  server %d B  %s%s", "  inicio %s  duración %s  cliente %d B  servidor %d B  %s%s"},
		"ui.tls.from":          {"", "── TLS from here: %d B client, %d B server, not readable ──", "── TLS desde aquí: %d B del cliente, %d B del servidor, ilegibles ──"},
		"ui.tls.handshake":     {"", "handshake: ", "negociación: "},
		"ui.tls.hint.start":    {"", "(turn off STARTTLS in the mail client to see the rest)", "(desactive STARTTLS en el cliente de correo para ver el resto)"},
		"ui.tls.hint.implicit": {"", "(turn off SSL/TLS in the mail client to see the protocol)", "(desactive SSL/TLS en el cliente de correo para ver el protocolo)"},
		"ui.fold":              {"", "… %d more lines (--full shows them)", "… %d líneas más (--full las muestra)"},
		"ui.auth.ok":           {"", "succeeded", "aceptada"},
		"ui.auth.failed":       {"", "failed", "rechazada"},
		"ui.auth.unknown":      {"", "result unknown", "resultado desconocido"},
		"ui.legend": {"", "Legend: C: is what the client (the mail program) sends, S: what the server answers; ↳ explains the line above.",
			"Leyenda: C: es lo que envía el cliente (el programa de correo), S: lo que responde el servidor; ↳ explica la línea de arriba."},
	}
}

// Say returns the user message key in l.
func (c Catalog) Say(key string, l Lang) string { return Say(key, l) }

// Say returns what the views say to the user, by key, in l; English
// when l is not set.
func Say(key string, l Lang) string {
	t := uiCatalog()[key]
	if l == Spanish {
		return t.Es
	}
	return t.En
}

// saslCatalog says what each SASL mechanism's challenge waits for.
func saslCatalog() map[string]Text {
	return map[string]Text{
		"sasl.PLAIN":       {"RFC 4616 §2", "the server waits for your PLAIN credentials: user and password in one base64 string, readable by anyone on the path", "el servidor espera sus credenciales PLAIN: usuario y contraseña en una sola cadena base64, legible por cualquiera en el camino"},
		"sasl.LOGIN.user":  {"RFC 4954 §4", "the server asks for your user name, in base64 (LOGIN)", "el servidor pide su nombre de usuario, en base64 (LOGIN)"},
		"sasl.LOGIN.pass":  {"RFC 4954 §4", "the server asks for your password, in base64 (LOGIN): base64 is not encryption", "el servidor pide su contraseña, en base64 (LOGIN): base64 no es cifrado"},
		"sasl.CRAM-MD5":    {"RFC 2195 §2", "the server sends a challenge; the answer is the user and an HMAC-MD5 of it keyed by the password, which does not cross", "el servidor envía un desafío; la respuesta es el usuario y un HMAC-MD5 del desafío con la contraseña como clave, que no viaja"},
		"sasl.OAUTHBEARER": {"RFC 7628 §3.1", "the server waits for an OAuth 2.0 token, in base64", "el servidor espera un token OAuth 2.0, en base64"},
		"sasl.XOAUTH2":     {"RFC 7628 §3.1", "the server waits for an OAuth 2.0 token, in base64 (XOAUTH2, Google's form of OAUTHBEARER)", "el servidor espera un token OAuth 2.0, en base64 (XOAUTH2, la forma de Google de OAUTHBEARER)"},
		"sasl.other":       {"RFC 4422 §3", "the server waits for the next step of the authentication mechanism, in base64", "el servidor espera el siguiente paso del mecanismo de autenticación, en base64"},
	}
}
