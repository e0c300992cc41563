#!/usr/bin/env python3
"""Mail clients that reproduce the seed practice's sessions against the lab
servers on loopback (see servers.sh). Some type commands by hand, as a
student at a telnet prompt would: one line, wait for the answer, the next.
Others use Python's own mail libraries, as a mail program would.

    python3 samples/clients.py SCENARIO
"""
import base64
import hashlib
import hmac
import imaplib
import os
import struct
import zlib
from email.message import EmailMessage
import poplib
import smtplib
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"


class Telnet:
    """A person at a telnet prompt: sends a line, reads until the server
    has been quiet for a moment."""

    def __init__(self, port):
        self.sock = socket.create_connection((HOST, port))
        self.sock.settimeout(0.4)
        self.read()

    def read(self):
        data = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return data
            if not chunk:
                return data
            data += chunk

    def type(self, line):
        time.sleep(0.05)
        self.sock.sendall(line.encode() + b"\r\n")
        return self.read()

    def until(self, marker, timeout=40):
        """Reads until marker has come, for replies a server delays."""
        data, end = b"", time.time() + timeout
        while marker not in data and time.time() < end:
            data += self.read()
        return data

    def close(self):
        self.sock.close()


def plain(user, password):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()


def smtp_seed():
    """Practice 3c: the SMTP exercise typed by hand."""
    t = Telnet(25)
    t.type("ehlo redes")
    t.type("mail from:<alumnoimap@redes.unlp.edu.ar>")
    t.type("rcpt to: <alumnopop@redes.unlp.edu.ar>")
    t.type("data")
    t.sock.sendall(b"mensaje 7\r\n")
    t.type(".")
    t.type("quit")
    t.close()


def smtp_spoofed_from():
    """Practice 3d: a made-up From: that the server accepts as it is."""
    t = Telnet(25)
    t.type("ehlo redes")
    t.type("mail from:pepe@redes.unlp.edu.ar")
    t.type("rcpt to: alumnoimap@redes.unlp.edu.ar")
    t.type("data")
    t.sock.sendall(b"From: pepe@redes.unlp.edu.ar\r\nsubject:fff\r\n\r\nffff\r\n")
    t.type(".")
    t.type("quit")
    t.close()


def smtp_forged_from():
    """Practice 3d as the lab asks it: the envelope says one sender, the
    From: that the reader sees says another."""
    t = Telnet(25)
    t.type("ehlo redes")
    t.type("mail from:<alumnopop@redes.unlp.edu.ar>")
    t.type("rcpt to:<alumnoimap@redes.unlp.edu.ar>")
    t.type("data")
    t.sock.sendall(b"From: Decano <decano@redes.unlp.edu.ar>\r\nTo: alumnoimap@redes.unlp.edu.ar\r\n"
                   b"Subject: Aprobado\r\n\r\nFelicitaciones, aprobaste.\r\n")
    t.type(".")
    t.type("quit")
    t.close()


def pop3_seed():
    """Practice 3e/3f: POP3 with AUTH PLAIN, typed as the lab's client sent it."""
    t = Telnet(110)
    t.type("AUTH")
    t.type("CAPA")
    t.type("AUTH PLAIN")
    t.type(plain("alumnopop", "alumnopoppass"))
    t.type("STAT")
    t.type("LIST")
    t.type("UIDL")
    t.type("RETR 1")
    t.type("TOP 2 0")
    t.type("LIST 2")
    t.type("RETR 9")
    t.type("QUIT")
    t.close()


def pop3_poplib():
    """A mail program's POP3: poplib with USER/PASS, STLS refused is not
    tried; it reads and deletes nothing."""
    p = poplib.POP3(HOST, 110)
    p.capa()
    p.user("alumnopop")
    p.pass_("alumnopoppass")
    p.stat()
    p.list()
    p.uidl()
    for i in range(1, len(p.list()[1]) + 1):
        p.retr(i)
    p.quit()


def imap_seed():
    """Practice 3g/3h: the IMAP session of the lab's client, typed."""
    t = Telnet(143)
    t.type("1 authenticate plain")
    t.type(plain("alumnoimap", "alumnoimappass"))
    t.type("2 namespace")
    t.type('3 ID ("name" "Icedove" "version" "38.6.0")')
    t.type('4 list (subscribed) "" "*" return (special-use)')
    t.type('5 list "" "INBOX"')
    t.type('6 select "INBOX"')
    t.type("7 UID fetch 1:* (FLAGS)")
    t.type("8 fetch 1 body[]")
    t.type("9 IDLE")
    time.sleep(0.3)
    t.type("DONE")
    t.type("10 logout")
    t.close()


def imap_imaplib():
    """A mail program's IMAP: imaplib logs in, appends a message (a
    synchronizing literal), fetches it back (a literal from the server)."""
    m = imaplib.IMAP4(HOST, 143)
    m.login("alumnoimap", "alumnoimappass")
    m.select("INBOX")
    msg = (b"From: alumnoimap@redes.unlp.edu.ar\r\nTo: alumnoimap@redes.unlp.edu.ar\r\n"
           b"Subject: =?UTF-8?Q?Borrador_con_=C3=B1?=\r\n\r\nGuardado con APPEND.\r\n")
    m.append("INBOX", None, None, msg)
    typ, data = m.search(None, "ALL")
    for num in data[0].split():
        m.fetch(num, "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    last = data[0].split()[-1]
    m.fetch(last, "(BODY[])")
    m.logout()


def smtp_auth_login():
    """AUTH LOGIN typed by hand on the submission port: the server asks
    for the user and the password in base64 (334 VXNlcm5hbWU6)."""
    t = Telnet(587)
    t.type("ehlo redes")
    t.type("auth login")
    t.type(base64.b64encode(b"alumnoimap").decode())
    t.type(base64.b64encode(b"alumnoimappass").decode())
    t.type("mail from:<alumnoimap@redes.unlp.edu.ar>")
    t.type("rcpt to:<alumnopop@redes.unlp.edu.ar>")
    t.type("data")
    t.sock.sendall(b"Subject: con AUTH LOGIN\r\n\r\nenviado autenticado\r\n")
    t.type(".")
    t.type("quit")
    t.close()


def pop3_typeahead():
    """A wrong password, then AUTH PLAIN with its base64 typed before the
    server's "+": Dovecot delays every answer after a failed login."""
    t = Telnet(110)
    t.type("USER alumnopop")
    t.sock.sendall(b"PASS equivocada\r\n")
    t.until(b"-ERR")
    t.sock.sendall(b"AUTH PLAIN\r\n")
    time.sleep(0.3)
    t.sock.sendall(plain("alumnopop", "alumnopoppass").encode() + b"\r\n")
    t.until(b"+OK Logged in")
    t.type("STAT")
    t.type("TOP 1 0")
    t.type("TOP 1 2")
    t.type("QUIT")
    t.close()


def imap_fetch_many():
    """A mail program reading a whole mailbox: Thunderbird fetches every
    message in one command, each a literal of its own."""
    m = imaplib.IMAP4(HOST, 143)
    m.login("alumnoimap", "alumnoimappass")
    m.select("INBOX")
    m.fetch("1:7", "(UID RFC822.SIZE FLAGS BODY.PEEK[])")
    m.logout()


def imap_sections():
    """Practice 3h by hand: parts of a message, the text alone and two
    header fields."""
    t = Telnet(143)
    t.type("a1 login alumnoimap alumnoimappass")
    t.type("a2 select inbox")
    t.type("a3 fetch 1 body[text]")
    t.type("a4 fetch 2 body[header.fields (from subject)]")
    t.type("a5 uid fetch 1:* (uid body.peek[1])")
    t.type("a6 logout")
    t.close()


def imap_idle():
    """Practice 3h: a mail arrives while the client waits in IDLE, and the
    server says so at once (* n EXISTS), before the client's DONE."""
    t = Telnet(143)
    t.type("a1 login alumnoimap alumnoimappass")
    t.type("a2 select INBOX")
    t.type("a3 idle")
    time.sleep(1)
    s = smtplib.SMTP(HOST, 25, local_hostname="redes")
    s.sendmail("alumnopop@redes.unlp.edu.ar", ["alumnoimap@redes.unlp.edu.ar"],
               b"From: alumnopop@redes.unlp.edu.ar\r\nTo: alumnoimap@redes.unlp.edu.ar\r\n"
               b"Subject: llega durante IDLE\r\n\r\nnuevo\r\n")
    s.quit()
    t.until(b"EXISTS")
    time.sleep(0.5)
    t.type("DONE")
    t.type("a4 logout")
    t.close()


def png_image():
    """A real 8x8 PNG: a gradient, as a student's screenshot stands in."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 32, y * 32, 128)) for x in range(8)) for y in range(8))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf_document():
    """A minimal valid PDF of one page."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def attachments_journey():
    """A message with a PNG and a PDF attachment, built and sent with
    Python's email and smtplib to both lab users, then read back over
    POP3 (poplib, alumnopop) and IMAP (imaplib, alumnoimap)."""
    msg = EmailMessage()
    msg["From"] = "alumnoimap@redes.unlp.edu.ar"
    msg["To"] = "alumnopop@redes.unlp.edu.ar, alumnoimap@redes.unlp.edu.ar"
    msg["Subject"] = "Informe de la práctica 4 con captura"
    msg.set_content("Adjunto la captura de Wireshark y el informe.\n")
    msg.add_attachment(png_image(), maintype="image", subtype="png", filename="captura.png")
    msg.add_attachment(pdf_document(), maintype="application", subtype="pdf", filename="informe-práctica.pdf")
    s = smtplib.SMTP(HOST, 25, local_hostname="redes")
    s.send_message(msg)
    s.quit()
    time.sleep(1.5)  # local delivery
    p = poplib.POP3(HOST, 110)
    p.user("alumnopop")
    p.pass_("alumnopoppass")
    for i in range(1, len(p.list()[1]) + 1):
        p.retr(i)
    p.quit()
    m = imaplib.IMAP4(HOST, 143)
    m.login("alumnoimap", "alumnoimappass")
    m.select("INBOX")
    m.fetch("1:*", "(UID BODY.PEEK[])")
    m.logout()


def b64(text):
    return base64.b64encode(text.encode()).decode()


def paste(t, *lines, end="\r\n"):
    """A student pasting several lines at once: they leave in one write,
    before any answer to the first."""
    t.sock.sendall("".join(line + end for line in lines).encode())


def cram_md5(reply, user, password):
    """The CRAM-MD5 response (RFC 2195) to the challenge in a 334 or "+" line."""
    challenge = base64.b64decode(reply.split()[-1])
    digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
    return b64(user + " " + digest)


def smtp_auth_pasted():
    """AUTH and the command after it pasted before the server answered, in
    PLAIN (initial response), LOGIN and CRAM-MD5: the command is a command,
    answered after the outcome."""
    user, password = "alumnoimap", "alumnoimappass"
    mail = "MAIL FROM:<alumnoimap@redes.unlp.edu.ar>"
    t = Telnet(587)
    t.type("EHLO redes")
    paste(t, "AUTH PLAIN " + plain(user, password), mail)
    t.until(b"250 2.1.0")
    t.type("QUIT")
    t.close()
    t = Telnet(587)
    t.type("EHLO redes")
    paste(t, "AUTH LOGIN", b64(user), b64(password), mail)
    t.until(b"250 2.1.0")
    t.type("QUIT")
    t.close()
    t = Telnet(587)
    t.type("EHLO redes")
    challenge = t.type("AUTH CRAM-MD5").decode()
    paste(t, cram_md5(challenge, user, password), "RSET")
    t.until(b"250 2.0.0")
    t.type("QUIT")
    t.close()


def pop3_auth_pasted():
    """POP3 AUTH with its data and STAT pasted at once, in PLAIN, LOGIN and
    CRAM-MD5."""
    user, password = "alumnopop", "alumnopoppass"
    t = Telnet(110)
    paste(t, "AUTH PLAIN", plain(user, password), "STAT")
    t.until(b"+OK 1 ")
    t.type("QUIT")
    t.close()
    t = Telnet(110)
    paste(t, "AUTH LOGIN", b64(user), b64(password), "STAT")
    t.until(b"+OK 1 ")
    t.type("QUIT")
    t.close()
    t = Telnet(110)
    challenge = t.type("AUTH CRAM-MD5").decode()
    paste(t, cram_md5(challenge, user, password), "STAT")
    t.until(b"+OK 1 ")
    t.type("QUIT")
    t.close()


def imap_auth_pasted():
    """IMAP AUTHENTICATE with its data and the next tagged command pasted,
    in PLAIN, LOGIN and CRAM-MD5; then a mechanism the server refuses,
    with the data typed ahead, which the server reads as a command."""
    user, password = "alumnoimap", "alumnoimappass"
    t = Telnet(143)
    paste(t, "a1 AUTHENTICATE PLAIN", plain(user, password), "a2 SELECT inbox")
    t.until(b"a2 OK")
    t.type("a3 LOGOUT")
    t.close()
    t = Telnet(143)
    paste(t, "a1 AUTHENTICATE LOGIN", b64(user), b64(password), "a2 NOOP")
    t.until(b"a2 OK")
    t.type("a3 LOGOUT")
    t.close()
    t = Telnet(143)
    challenge = t.type("a1 AUTHENTICATE CRAM-MD5").decode()
    paste(t, cram_md5(challenge, user, password), "a2 NOOP")
    t.until(b"a2 OK")
    t.type("a3 LOGOUT")
    t.close()
    t = Telnet(143)
    paste(t, "a1 AUTHENTICATE X-UNKNOWN", b64("datos"), "a2 NOOP")
    t.until(b"a2 ")
    t.type("a3 LOGOUT")
    t.close()


def smtp_bare_lf():
    """The lab's SMTP exercise typed with nc: every line ends in a bare LF."""
    t = Telnet(25)
    for line in ("EHLO redes", "MAIL FROM:<alumnopop@redes.unlp.edu.ar>", "RCPT TO:<alumnoimap@redes.unlp.edu.ar>",
                 "DATA", "Subject: escrito con nc", "", "Cada linea termina en LF.", ".", "QUIT"):
        time.sleep(0.05)
        t.sock.sendall(line.encode() + b"\n")
        t.read()
    t.close()


def smtp_smuggling():
    """SMTP smuggling: a "." beside bare LFs inside DATA, then a second
    message's commands and data, all in one write."""
    t = Telnet(25)
    t.type("EHLO redes")
    t.type("MAIL FROM:<alumnopop@redes.unlp.edu.ar>")
    t.type("RCPT TO:<alumnoimap@redes.unlp.edu.ar>")
    t.type("DATA")
    t.sock.sendall(b"Subject: visible\r\n\r\nEl mensaje que se ve.\n.\n"
                   b"MAIL FROM:<director@redes.unlp.edu.ar>\r\nRCPT TO:<alumnoimap@redes.unlp.edu.ar>\r\nDATA\r\n"
                   b"From: director@redes.unlp.edu.ar\r\nSubject: oculto\r\n\r\nEl mensaje escondido.\r\n.\r\n")
    t.read()
    time.sleep(0.5)
    t.read()
    t.type("QUIT")
    t.close()


def imap_literals():
    """Literals where the grammar puts them: APPEND with its mailbox as a
    literal (a name, not the message), BINARY.PEEK[] (a literal8) and a
    partial fetch. (Dovecot takes a {0} with "+ OK", so a refused {0} is
    in the parser's table tests only.)"""
    t = Telnet(143)
    t.type("a1 LOGIN alumnoimap alumnoimappass")
    t.type("a2 SELECT inbox")
    msg = "Subject: por APPEND\r\n\r\nGuardado.\r\n"
    t.type("a3 APPEND {5}")
    t.type("INBOX (\\Seen) {%d}" % len(msg))
    t.type(msg)  # the literal, then the end of the command line
    t.type("a4 FETCH 1 (BINARY.PEEK[])")
    t.type("a5 FETCH 1 (BODY.PEEK[]<0.20>)")
    t.type("a6 LOGOUT")
    t.close()


def pop3_dele_endings():
    """DELE three ways (RFC 1939 §6): then QUIT (deleted), then RSET and
    QUIT (nothing deleted), then the connection dropped (nothing)."""
    for ending in ("quit", "rset", "drop"):
        t = Telnet(110)
        t.type("USER alumnopop")
        t.type("PASS alumnopoppass")
        t.type("DELE 1")
        if ending == "rset":
            t.type("RSET")
        if ending != "drop":
            t.type("QUIT")
        t.close()


def imap_seen():
    """\\Seen cleared, then set by a fetch that asks RFC822.SIZE too (as
    Thunderbird opens a message); set by STORE; not set by PEEK."""
    t = Telnet(143)
    t.type("a1 LOGIN alumnoimap alumnoimappass")
    t.type("a2 SELECT INBOX")
    t.type("a3 STORE 1 -FLAGS (\\Seen)")
    t.type("a4 FETCH 1 (UID RFC822.SIZE BODY[])")
    t.type("a5 STORE 2 +FLAGS (\\Seen)")
    t.type("a6 FETCH 3 (BODY.PEEK[])")
    t.type("a7 LOGOUT")
    t.close()


def long_line():
    """A message whose body holds one line of 200 000 bytes, sent over
    SMTP, then read over POP3 and IMAP: saved whole in all three."""
    body = "Subject: una linea larga\r\n\r\n" + "x" * 200000 + "\r\nfin\r\n"
    s = smtplib.SMTP(HOST, 25)
    s.sendmail("alumnopop@redes.unlp.edu.ar", ["alumnoimap@redes.unlp.edu.ar", "alumnopop@redes.unlp.edu.ar"], body)
    s.quit()
    time.sleep(2)  # local delivery
    poplib._MAXLINE = 1 << 20  # poplib refuses lines over 2048 bytes
    p = poplib.POP3(HOST, 110)
    p.user("alumnopop")
    p.pass_("alumnopoppass")
    p.retr(1)
    p.quit()
    m = imaplib.IMAP4(HOST, 143)
    m.login("alumnoimap", "alumnoimappass")
    m.select("INBOX")
    m.fetch("1", "(BODY.PEEK[])")
    m.logout()


def smtp_auth_other_user():
    """Logged in as alumnoimap, sending as alumnopop (the lab's exercise 3d
    done with authentication)."""
    s = smtplib.SMTP(HOST, 587)
    s.login("alumnoimap", "alumnoimappass")
    msg = EmailMessage()
    msg["From"] = "alumnopop@redes.unlp.edu.ar"
    msg["To"] = "alumnoimap@redes.unlp.edu.ar"
    msg["Subject"] = "enviado como otro"
    msg.set_content("Autenticado como alumnoimap.")
    s.send_message(msg, from_addr="alumnopop@redes.unlp.edu.ar")
    s.quit()


def smtp_encodings():
    """Names and encodings as mail programs write them: a display name with
    a comma in RFC 2047 (one address, not two), an attachment named in
    ISO-8859-1 by RFC 2231, and a base64 part with a stray byte in it."""
    raw = ("From: =?utf-8?q?P=C3=A9rez=2C_Ana?= <alumnopop@redes.unlp.edu.ar>\r\n"
           "To: alumnoimap@redes.unlp.edu.ar\r\n"
           "Subject: nombres y codificaciones\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nadjuntos\r\n"
           "--B\r\nContent-Type: text/plain\r\n"
           "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.txt\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode(b"cafe con leche").decode() + "\r\n"
           "--B\r\nContent-Type: application/octet-stream; name=\"datos.bin\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n"
           "aG9s\r\n!\r\nYQ==\r\n"
           "--B--\r\n")
    s = smtplib.SMTP(HOST, 25)
    s.sendmail("alumnopop@redes.unlp.edu.ar", ["alumnoimap@redes.unlp.edu.ar"], raw.encode())
    s.quit()


def imap_read_all():
    """A mail program reading every message of the INBOX over IMAP."""
    m = imaplib.IMAP4(HOST, 143)
    m.login("alumnoimap", "alumnoimappass")
    m.select("INBOX")
    m.fetch("1:*", "(BODY[])")
    m.logout()


class Upgradable(Telnet):
    """A typed session that can go over TLS: from the first byte (implicit
    TLS, RFC 8314) or after the server accepts STARTTLS/STLS."""

    def __init__(self, port, ctx=None):
        self.sock = socket.create_connection((HOST, port))
        if ctx is not None:
            self.sock = ctx.wrap_socket(self.sock, server_hostname="mail.redes.unlp.edu.ar")
        self.sock.settimeout(0.4)
        self.read()

    def upgrade(self, ctx):
        self.sock.settimeout(None)
        self.sock = ctx.wrap_socket(self.sock, server_hostname="mail.redes.unlp.edu.ar")
        self.sock.settimeout(0.4)


def tls_context(version, cipher=None):
    """A client's TLS with one version (and TLS 1.2 suite) forced, writing
    its secrets to the key log that SSLKEYLOGFILE names, as curl and
    Thunderbird do."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the lab's snakeoil certificate
    ctx.minimum_version = ctx.maximum_version = version
    if cipher:
        ctx.set_ciphers(cipher)
    ctx.keylog_filename = os.environ["SSLKEYLOGFILE"]
    return ctx


REPORT = base64.b64encode(b"Informe cifrado de la practica 4.\n" * 40).decode()
SMTP_LINES = ["EHLO cliente.redes.unlp.edu.ar", "AUTH PLAIN " + plain("alumnoimap", "alumnoimappass"),
              "MAIL FROM:<alumnoimap@redes.unlp.edu.ar>", "RCPT TO:<alumnopop@redes.unlp.edu.ar>", "DATA",
              "From: alumnoimap@redes.unlp.edu.ar\r\nTo: alumnopop@redes.unlp.edu.ar\r\n"
              "Subject: Informe por TLS\r\nMessage-ID: <informe-tls@redes.unlp.edu.ar>\r\nMIME-Version: 1.0\r\n"
              "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
              "Va el informe.\r\n--B\r\nContent-Type: application/octet-stream; name=informe.txt\r\n"
              "Content-Disposition: attachment; filename=informe.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n"
              + "\r\n".join(REPORT[i:i + 76] for i in range(0, len(REPORT), 76)) + "\r\n--B--\r\n.",
              "QUIT"]
POP3_LINES = ["USER alumnopop", "PASS alumnopoppass", "STAT", "LIST", "RETR 1", "QUIT"]
IMAP_LINES = ["a LOGIN alumnoimap alumnoimappass", "b SELECT INBOX", "c FETCH 1 (FLAGS BODY.PEEK[])", "d LOGOUT"]


def typed(port, lines, ctx=None, upgrade=None):
    """Types lines in a session on port: over implicit TLS with ctx, or in
    clear until upgrade (the command that starts TLS) is accepted."""
    t = Upgradable(port, ctx if upgrade is None else None)
    if upgrade is not None:
        if lines[0].startswith("EHLO"):
            t.type(lines[0])
        t.type(upgrade)
        t.upgrade(ctx)
    for line in lines:
        t.type(line)
    t.close()


def tls_keylog():
    """The same sessions in clear, after STARTTLS/STLS and over implicit
    TLS (465, 995, 993), TLS 1.3 and TLS 1.2 with each AEAD kind, the
    client writing its key log: what mailtrace --tls-keylog reads."""
    v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
    typed(587, SMTP_LINES)
    typed(587, SMTP_LINES, tls_context(v13), upgrade="STARTTLS")
    typed(465, SMTP_LINES, tls_context(v12, "ECDHE-RSA-AES128-GCM-SHA256"))
    time.sleep(2)  # the mail just sent is in the mailbox before POP3 counts it
    typed(110, POP3_LINES)
    typed(110, POP3_LINES, tls_context(v12, "ECDHE-RSA-CHACHA20-POLY1305"), upgrade="STLS")
    typed(995, POP3_LINES, tls_context(v13))
    typed(143, IMAP_LINES)
    typed(143, IMAP_LINES, tls_context(v12, "ECDHE-RSA-AES256-GCM-SHA384"), upgrade="z STARTTLS")
    typed(993, IMAP_LINES, tls_context(v13))


SCENARIOS = {f.__name__.replace("_", "-"): f for f in
             (smtp_seed, smtp_spoofed_from, smtp_forged_from, smtp_auth_login, pop3_seed, pop3_poplib, pop3_typeahead,
              imap_seed, imap_imaplib, imap_fetch_many, imap_sections, imap_idle, attachments_journey,
              smtp_auth_pasted, pop3_auth_pasted, imap_auth_pasted, smtp_bare_lf, smtp_smuggling, imap_literals,
              pop3_dele_endings, imap_seen, long_line, smtp_auth_other_user, smtp_encodings, tls_keylog,
              imap_read_all)}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        sys.exit("usage: clients.py " + "|".join(SCENARIOS))
    SCENARIOS[sys.argv[1]]()
