package explain

// uiCatalog holds what the views say to the user around the
// explanations.
func uiCatalog() map[string]Text {
	return map[string]Text{
		"ui.legend": {"", "Legend: C: is what the client (the mail program) sends, S: what the server answers; ↳ explains the line above.",
			"Leyenda: C: es lo que envía el cliente (el programa de correo), S: lo que responde el servidor; ↳ explica la línea de arriba."},
	}
}

// Say returns the user message key in l.
func (c Catalog) Say(key string, l Lang) string {
	t := c[key]
	if l == Spanish {
		return t.Es
	}
	return t.En
}
