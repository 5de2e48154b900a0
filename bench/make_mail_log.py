#!/usr/bin/env python3
"""A day of a mail server's syslog (RFC 3164, as Debian's rsyslog writes /var/log/mail.log):
Postfix smtpd, postscreen, anvil, queue manager and delivery lines, and Dovecot IMAP/POP3 login,
auth and session lines, interleaved in time order, with the variety of real traffic:

  - about 20,000 client addresses (IPv4 and 10% IPv6) with a heavy tail: a few busy relays and
    webmail front ends, many addresses seen a handful of times;
  - clients with and without reverse DNS names, several hostname shapes;
  - delivered mail (connect, the queue and delivery lines, disconnect with command counts),
    relay and recipient rejects, SASL and Dovecot password guessing from a few hundred
    addresses, lost connections after several commands, timeouts, "too many errors",
    postscreen PREGREET, DNSBL and PASS, anvil statistics, rate-limit warnings, process limits;
  - one flood hour from a few networks, as the DoS the monitor is for.

Deterministic with --seed. Not tuned to keikai's parser: the shapes are those of Postfix 3.7 and
Dovecot 2.3 documentation and logs (../shared/data/maillogs/), and the line mix is stated above.

Usage: make_mail_log.py -n LINES [--seed S] [--truth FLOOD.json] > mail.log
(the day is 1 December of the current year; flood_start/end in --truth are seconds into it, UTC)
"""
import argparse
import itertools
import json
import random
import sys

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
USERS = ["info", "sales", "tanaka", "suzuki", "sato", "admin", "support", "yamada", "kobayashi",
         "watanabe", "ito", "nakamura", "takahashi", "kato", "yoshida", "office", "hr", "keiri"]
GUESSES = ["admin", "test", "info", "webmaster", "postmaster", "root", "user", "mail", "guest",
           "sales", "contact", "office", "backup", "oracle", "www", "ftp", "support"]
DOMAINS = ["example.jp", "example.co.jp", "example.ne.jp", "example.com", "example.net",
           "example.org", "mail.example.jp"]
REJECTS = [
    "554 5.7.1 <{to}>: Relay access denied",
    "450 4.1.2 <{to}>: Recipient address rejected: Domain not found",
    "550 5.1.1 <{to}>: Recipient address rejected: User unknown in local recipient table",
    "450 4.7.1 Client host rejected: cannot find your hostname, [{ip}]",
    "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org",
]
LOST_AFTER = ["CONNECT", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "UNKNOWN"]


def v4(rng):
    while True:
        a = rng.choice([1, 5, 14, 27, 36, 43, 45, 49, 58, 59, 60, 61, 91, 103, 106, 110, 111, 114,
                        118, 119, 121, 122, 123, 124, 125, 126, 133, 150, 153, 157, 180, 182, 183,
                        185, 193, 202, 203, 210, 211, 218, 219, 220, 221, 222])
        return f"{a}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def v6(rng):
    return "2001:db8:%x:%x::%x" % (rng.randrange(65536), rng.randrange(65536), rng.randrange(1, 65536))


def host_of(rng, ip):
    r = rng.random()
    if r < 0.45:
        return "unknown"
    if r < 0.7:
        return "mail%d.%s" % (rng.randrange(1, 30), rng.choice(DOMAINS))
    if "." in ip:
        return "%s.ap.example.ne.jp" % ip.replace(".", "-")
    return "host%d.v6.example.net" % rng.randrange(100000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--truth", help="write the flood's hour and addresses here (JSON) for tests")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    # Clients: weight ~ 1/rank (a heavy tail); each with a fixed name.
    clients = []
    for i in range(20000):
        ip = v6(rng) if rng.random() < 0.1 else v4(rng)
        clients.append((ip, host_of(rng, ip)))
    cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.9 for i in range(len(clients))))
    guessers = [(v4(rng), "unknown") for _ in range(300)]
    flooders = []
    for net in range(4):
        base = v4(rng).rsplit(".", 1)[0]
        flooders += [(f"{base}.{h}", "unknown") for h in rng.sample(range(1, 255), 6)]

    day = 86400
    flood_start = rng.randrange(6 * 3600, 18 * 3600)
    out = []
    emit = out.append
    qid = [0x1A2B3C]
    pid = [20000]

    def stamp(t):
        h, m, s = t // 3600, t // 60 % 60, t % 60
        return "Dec %2d %02d:%02d:%02d mx" % (1 + t // day, h % 24, m, s)

    def next_pid():
        pid[0] = 20000 + (pid[0] * 7 + 13) % 30000
        return pid[0]

    def queue_id():
        qid[0] = (qid[0] * 1103515245 + 12345) & 0xFFFFFFFFF
        return "%09X" % qid[0]

    def session(t, ip, name, kind):
        p = next_pid()
        S = stamp(t)
        svc = "postfix/smtpd" if rng.random() < 0.85 else "postfix/submission/smtpd"
        emit(f"{S} {svc}[{p}]: connect from {name}[{ip}]")
        if kind == "deliver":
            q = queue_id()
            frm = "%s@%s" % (rng.choice(USERS), rng.choice(DOMAINS))
            to = "%s@example.jp" % rng.choice(USERS)
            emit(f"{S} {svc}[{p}]: {q}: client={name}[{ip}]")
            emit(f"{S} postfix/cleanup[{next_pid()}]: {q}: message-id=<{rng.randrange(10**12)}@{rng.choice(DOMAINS)}>")
            emit(f"{S} postfix/qmgr[1234]: {q}: from=<{frm}>, size={rng.randrange(900, 400000)}, nrcpt=1 (queue active)")
            emit(f"{S} postfix/local[{next_pid()}]: {q}: to=<{to}>, relay=local, delay=0.{rng.randrange(10, 99)}, "
                 f"delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)")
            emit(f"{S} postfix/qmgr[1234]: {q}: removed")
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5")
        elif kind == "reject":
            to = "%s@%s" % (rng.choice(GUESSES), rng.choice(DOMAINS))
            why = rng.choice(REJECTS).format(to=to, ip=ip)
            emit(f"{S} {svc}[{p}]: NOQUEUE: reject: RCPT from {name}[{ip}]: {why}; from=<{rng.choice(GUESSES)}@{rng.choice(DOMAINS)}> "
                 f"to=<{to}> proto=ESMTP helo=<{rng.choice(['localhost', 'User', name])}>")
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4")
        elif kind == "sasl":
            emit(f"{S} {svc}[{p}]: warning: {name}[{ip}]: SASL {rng.choice(['LOGIN', 'PLAIN'])} authentication failed: "
                 f"{rng.choice(['UGFzc3dvcmQ6', 'authentication failure'])}, sasl_username={rng.choice(GUESSES)}@example.jp")
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] ehlo=1 auth=0/1 quit=1 commands=2/3")
        elif kind == "lost":
            emit(f"{S} {svc}[{p}]: lost connection after {rng.choice(LOST_AFTER)} from {name}[{ip}]")
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] ehlo=1 commands=1")
        elif kind == "timeout":
            emit(f"{S} {svc}[{p}]: timeout after {rng.choice(['CONNECT', 'EHLO', 'DATA'])} from {name}[{ip}]")
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] commands=0/0")
        elif kind == "errors":
            emit(f"{S} {svc}[{p}]: too many errors after {rng.choice(['RCPT', 'AUTH', 'UNKNOWN'])} from {name}[{ip}]")
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] ehlo=1 unknown=0/10 commands=1/11")
        else:  # quick
            emit(f"{S} {svc}[{p}]: disconnect from {name}[{ip}] ehlo=1 quit=1 commands=2")

    def dovecot(t, ip, guess):
        S = stamp(t)
        proto = rng.choice(["imap", "imap", "pop3"])
        sess = "%016x" % rng.getrandbits(64)
        user = rng.choice(GUESSES if guess else USERS)
        if guess:
            emit(f"{S} dovecot: auth: passwd-file({user},{ip},<{sess}>): {rng.choice(['unknown user', 'Password mismatch'])}")
            emit(f"{S} dovecot: {proto}-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<{user}>, "
                 f"method=PLAIN, rip={ip}, lip=192.0.2.25, TLS, session=<{sess}>")
        elif rng.random() < 0.1:
            emit(f"{S} dovecot: {proto}-login: Disconnected (no auth attempts in {rng.randrange(0, 30)} secs): user=<>, "
                 f"rip={ip}, lip=192.0.2.25, TLS handshaking: Disconnected, session=<{sess}>")
        else:
            mpid = next_pid()
            emit(f"{S} dovecot: {proto}-login: Login: user=<{user}>, method=PLAIN, rip={ip}, lip=192.0.2.25, mpid={mpid}, "
                 f"TLS, session=<{sess}>")
            emit(f"{S} dovecot: {proto}({user})<{mpid}><{sess}>: Disconnected: Logged out in={rng.randrange(50, 900)} "
                 f"out={rng.randrange(500, 90000)}")

    t = 0
    while len(out) < args.n:
        t = len(out) * day // args.n
        r = rng.random()
        in_flood = flood_start <= t < flood_start + 3600
        if in_flood and r < 0.35:
            ip, name = rng.choice(flooders)
            if rng.random() < 0.5:
                session(t, ip, name, rng.choice(["lost", "quick", "timeout"]))
            else:
                emit(f"{stamp(t)} postfix/smtpd[{next_pid()}]: warning: Connection rate limit exceeded: "
                     f"{rng.randrange(31, 200)} from {name}[{ip}] for service smtp")
            if rng.random() < 0.01:
                emit(f"{stamp(t)} postfix/master[1201]: warning: service \"smtp\" (25) has reached its process limit \"100\": "
                     f"new clients may experience noticeable delays")
                emit(f"{stamp(t)} dovecot: master: Warning: service(imap-login): process_limit (100) reached, "
                     f"client connections are being dropped")
            continue
        if r < 0.40:
            ip, name = rng.choices(clients, cum_weights=cum)[0]
            session(t, ip, name, rng.choices(["deliver", "reject", "lost", "timeout", "errors", "quick"],
                                             [50, 20, 12, 4, 2, 12])[0])
        elif r < 0.48:
            ip, name = rng.choice(guessers)
            session(t, ip, name, "sasl")
        elif r < 0.80:
            ip, _ = rng.choices(clients, cum_weights=cum)[0]
            dovecot(t, ip, False)
        elif r < 0.88:
            ip, _ = rng.choice(guessers)
            dovecot(t, ip, True)
        elif r < 0.96:
            ip, _ = rng.choices(clients, cum_weights=cum)[0]
            port = rng.randrange(1024, 65535)
            S = stamp(t)
            emit(f"{S} postfix/postscreen[1190]: CONNECT from [{ip}]:{port} to [192.0.2.25]:25")
            k = rng.random()
            if k < 0.2:
                emit(f"{S} postfix/postscreen[1190]: PREGREET 11 after 0.{rng.randrange(10, 99)} from [{ip}]:{port}: EHLO User\\r\\n")
            elif k < 0.35:
                emit(f"{S} postfix/postscreen[1190]: DNSBL rank {rng.randrange(2, 6)} for [{ip}]:{port}")
            else:
                emit(f"{S} postfix/postscreen[1190]: PASS {rng.choice(['NEW', 'OLD'])} [{ip}]:{port}")
        else:
            S = stamp(t)
            ip, _ = rng.choice(guessers)
            emit(f"{S} postfix/anvil[1210]: statistics: max connection rate {rng.randrange(2, 40)}/60s for (smtp:{ip}) "
                 f"at Dec {1 + t // day:2d} {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}")
            emit(f"{S} postfix/anvil[1210]: statistics: max connection count {rng.randrange(1, 12)} for (smtp:{ip}) "
                 f"at Dec {1 + t // day:2d} {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}")
            emit(f"{S} postfix/anvil[1210]: statistics: max cache size {rng.randrange(5, 300)} "
                 f"at Dec {1 + t // day:2d} {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}")
    sys.stdout.write("\n".join(out[: args.n]) + "\n")
    if args.truth:
        with open(args.truth, "w") as f:
            json.dump({"flood_start": flood_start, "flood_end": flood_start + 3600,
                       "flooders": [ip for ip, _ in flooders], "guessers": [ip for ip, _ in guessers]}, f)


if __name__ == "__main__":
    main()
