"""Mail traffic for the real benchmark capture (record-real.sh): real
Python clients against the lab's Postfix and Dovecot on loopback. Each
round sends messages with attachments of 10 KB to 1.2 MB (random bytes,
base64 in MIME) through Postfix, half on 587 after AUTH PLAIN, half on
25, to both lab users; waits for local delivery; then reads them back
and deletes them, alumnopop's over POP3 (RETR, DELE) and alumnoimap's
over IMAP (FETCH BODY[], STORE \\Deleted, EXPUNGE). It stops once the
messages sent add up to the bytes asked for.

    python3 workload.py BYTES
"""
import imaplib
import poplib
import random
import smtplib
import sys
import time
from email.message import EmailMessage

HOST = "127.0.0.1"
USERS = {"alumnopop": "alumnopoppass", "alumnoimap": "alumnoimappass"}
PER_ROUND = 4  # messages to each user


def message(rng, n, to):
    m = EmailMessage()
    m["From"] = "alumnoimap@redes.unlp.edu.ar"
    m["To"] = to + "@redes.unlp.edu.ar"
    m["Subject"] = "Entrega %d de la practica 4" % n
    m.set_content("Adjunto la captura %d.\n" % n)
    size = rng.randint(10_000, 1_200_000)
    m.add_attachment(rng.randbytes(size), maintype="application", subtype="octet-stream",
                     filename="captura-%d.bin" % n)
    return m


def send(rng, n, to):
    m = message(rng, n, to)
    if n % 2:
        s = smtplib.SMTP(HOST, 587, local_hostname="redes")
        s.login("alumnoimap", USERS["alumnoimap"])
    else:
        s = smtplib.SMTP(HOST, 25, local_hostname="redes")
    s.send_message(m)
    s.quit()
    return len(m.as_bytes())


def wait_pop(count):
    for _ in range(600):
        p = poplib.POP3(HOST, 110)
        p.user("alumnopop")
        p.pass_(USERS["alumnopop"])
        have = p.stat()[0]
        if have >= count:
            return p
        p.quit()
        time.sleep(0.2)
    sys.exit("workload.py: messages did not reach alumnopop")


def read_pop(count):
    p = wait_pop(count)
    for i in range(1, p.stat()[0] + 1):
        p.retr(i)
        p.dele(i)
    p.quit()


def read_imap(count):
    for _ in range(600):
        m = imaplib.IMAP4(HOST, 143)
        m.login("alumnoimap", USERS["alumnoimap"])
        have = int(m.select("INBOX")[1][0])
        if have >= count:
            break
        m.logout()
        time.sleep(0.2)
    else:
        sys.exit("workload.py: messages did not reach alumnoimap")
    m.fetch("1:*", "(UID BODY[])")
    m.store("1:*", "+FLAGS", "\\Deleted")
    m.expunge()
    m.logout()


def main():
    target = int(sys.argv[1])
    rng = random.Random(4)
    sent, n = 0, 0
    while sent < target:
        for to in USERS:
            for _ in range(PER_ROUND):
                n += 1
                sent += send(rng, n, to)
        read_pop(PER_ROUND)
        read_imap(PER_ROUND)
    print("workload.py: %d messages, %d bytes sent and read back" % (n, sent))


main()
