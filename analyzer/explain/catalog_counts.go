package explain

import "fmt"

// Count says n things of a kind, as one or as many: "1 TCP connection",
// "2 conexiones TCP". The catalog keeps each kind's two forms under
// key+".one" and key+".other".
func Count(key string, n int64, l Lang) string {
	form := ".other"
	if n == 1 {
		form = ".one"
	}
	return fmt.Sprintf(Say(key+form, l), n)
}

// countsCatalog holds the two forms of every counted kind.
func countsCatalog() map[string]Text {
	return map[string]Text{
		"ui.n.session.one":      {"", "%d session", "%d sesión"},
		"ui.n.session.other":    {"", "%d sessions", "%d sesiones"},
		"ui.n.file.one":         {"", "%d file", "%d archivo"},
		"ui.n.file.other":       {"", "%d files", "%d archivos"},
		"ui.n.packet.one":       {"", "%d packet", "%d paquete"},
		"ui.n.packet.other":     {"", "%d packets", "%d paquetes"},
		"ui.n.tcppacket.one":    {"", "%d TCP packet", "%d paquete TCP"},
		"ui.n.tcppacket.other":  {"", "%d TCP packets", "%d paquetes TCP"},
		"ui.n.connection.one":   {"", "%d TCP connection", "%d conexión TCP"},
		"ui.n.connection.other": {"", "%d TCP connections", "%d conexiones TCP"},
		"ui.n.command.one":      {"", "%d command", "%d comando"},
		"ui.n.command.other":    {"", "%d commands", "%d comandos"},
		"ui.n.message.one":      {"", "%d message", "%d mensaje"},
		"ui.n.message.other":    {"", "%d messages", "%d mensajes"},
		"ui.n.gap.one":          {"", "%d gap", "%d hueco"},
		"ui.n.gap.other":        {"", "%d gaps", "%d huecos"},
	}
}
