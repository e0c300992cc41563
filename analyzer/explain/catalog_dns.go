package explain

// dnsCatalog explains the lookups a sender makes to find where mail goes,
// and says which exchanger the capture shows it tried.
func dnsCatalog() map[string]Text {
	return map[string]Text{
		"dns.MX":             {"RFC 5321 §5.1", "MX: the exchangers that take mail for the domain; the sender tries the one of lowest preference first and, if it cannot deliver there, the next", "MX: los intercambiadores que reciben el correo del dominio; el remitente prueba primero el de menor preferencia y, si no puede entregar ahí, el siguiente"},
		"dns.A":              {"RFC 1035 §3.4.1", "A: the IPv4 address of a name, where the sender connects", "A: la dirección IPv4 de un nombre, adonde se conecta el remitente"},
		"dns.AAAA":           {"RFC 3596 §2.2", "AAAA: the IPv6 address of a name, where the sender connects", "AAAA: la dirección IPv6 de un nombre, adonde se conecta el remitente"},
		"dns.additional":     {"RFC 1035 §4.1", "additional: records the server adds unasked (here the exchangers' addresses) to spare the sender a lookup", "adicional: registros que el servidor agrega sin que se los pidan (acá las direcciones de los intercambiadores) para ahorrarle una consulta al remitente"},
		"ui.dns.tried":       {"", "%d. tried MX %d %s at %s: session %d, %s", "%d. probado MX %d %s en %s: sesión %d, %s"},
		"ui.dns.try.ok":      {"", "reached (%s)", "alcanzado (%s)"},
		"ui.dns.try.refused": {"", "refused (%s)", "rechazado (%s)"},
		"ui.dns.try.silent":  {"", "no greeting seen", "no se vio el saludo"},
	}
}
