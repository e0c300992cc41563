package explain

// lmtpCatalog holds what LMTP (RFC 2033) says that SMTP does not; the rest
// it says as SMTP ("lmtp.like").
func lmtpCatalog() map[string]Text {
	return map[string]Text{
		"lmtp.like":          {"", "smtp", "smtp"},
		"lmtp.cmd.LHLO":      {"RFC 2033 §4.1", "greets the server in LMTP, as EHLO does in SMTP: the reply lists its extensions", "saluda al servidor en LMTP, como EHLO en SMTP: la respuesta lista sus extensiones"},
		"lmtp.cmd.message":   {"RFC 2033 §4.2", "the message, handed to the mailbox store: after the final \".\" the server answers once for each recipient it accepted, in RCPT order", "el mensaje, entregado al almacén de buzones: después del \".\" final el servidor responde una vez por cada destinatario que aceptó, en el orden de los RCPT"},
		"lmtp.reply.message": {"RFC 2033 §4.2", "the answer for the recipient named: a 2xx means the message is in that mailbox", "la respuesta para el destinatario indicado: un 2xx significa que el mensaje está en ese buzón"},
	}
}
