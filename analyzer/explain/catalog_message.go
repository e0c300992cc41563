package explain

// messageCatalog holds how the views name a message and what of it
// crossed: its size, envelope, state and parts.
func messageCatalog() map[string]Text {
	return map[string]Text{
		"ui.msg.content.message": {"", "message", "mensaje"},
		"ui.msg.content.partial": {"", "partial message", "mensaje parcial"},
		"ui.msg.content.header":  {"", "header", "encabezado"},
		"ui.msg.content.text":    {"", "text", "texto"},
		"ui.msg.content.part":    {"", "part", "parte"},
		"ui.msg.bracket":         {"", "<%s %d bytes>", "<%s de %d bytes>"},
		"ui.msg.envelope":        {"", "envelope <%s> -> <%s>", "sobre <%s> -> <%s>"},
		"ui.msg.rcptmore":        {"", " and %d more", " y %d más"},
		"ui.msg.refused":         {"", " (refused)", " (rechazado)"},
		"ui.msg.incomplete":      {"", " (incomplete)", " (incompleto)"},
		"ui.msg.bounded":         {"", " (partly kept)", " (guardado en parte)"},
		"ui.msg.part":            {"", "part %d: %s%s, %d bytes, sha256 %.16s…", "parte %d: %s%s, %d bytes, sha256 %.16s…"},
		"ui.msg.partsmore":       {"", "... and %d more parts", "... y %d partes más"},
		"ui.header.midstream":    {"", "  midstream", "  empezada a mitad"},
		"ui.header.compressed":   {"", "  compressed", "  comprimida"},
		"ui.header.via":          {"", "  via %s", "  vía %s"},
		"ui.tls.none":            {"", "none", "ninguno"},
		"ui.typed":               {"", "   (typed over %.1f s)", "   (tecleado durante %.1f s)"},
		"ui.legend.colours":      {"", "Colours: %s the client; %s done; %s asks for more; %s try later; %s refused; %s what mailtrace notes.", "Colores: %s el cliente; %s hecho; %s pide más; %s reintentar más tarde; %s rechazado; %s lo que anota mailtrace."},
		"ui.colour.client":       {"", "blue", "azul"},
		"ui.colour.ok":           {"", "green", "verde"},
		"ui.colour.more":         {"", "cyan", "cian"},
		"ui.colour.temp":         {"", "yellow", "amarillo"},
		"ui.colour.fail":         {"", "red", "rojo"},
		"ui.colour.warn":         {"", "magenta", "fucsia"},
		"ui.dir.client->server":  {"", "client->server", "cliente->servidor"},
		"ui.dir.server->client":  {"", "server->client", "servidor->cliente"},
		"ui.gap":                 {"", "gap: %d bytes lost %s", "hueco: %d bytes perdidos %s"},
		"ui.gap.lost":            {"", "%d bytes lost %s", "%d bytes perdidos %s"},
		"ui.ladder.onemsg":       {"", " + a message", " + un mensaje"},
		"ui.ladder.msgs":         {"", " + %d messages", " + %d mensajes"},
		"ui.ladder.after":        {"", " (after %s)", " (después de %s)"},
		"ui.ladder.more":         {"", " (+%s)", " (y %s)"},
		"ui.ladder.line":         {"", "1 line", "1 línea"},
		"ui.ladder.lines":        {"", "%d lines", "%d líneas"},
	}
}
