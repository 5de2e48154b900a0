#!/usr/bin/env python3
"""Sends every .eml file of a folder to an SMTP server over SESSIONS parallel connections (each
connection sends message after message, as a relay does) and prints one JSON line: messages,
wall seconds, messages/s, and the end-of-DATA latency (from sending DATA to the server's reply
after the final dot: the time a milter adds to) in ms: median, p95, max; and the replies by code.

Envelope: the message's own From and To; a message without them is sent from/to a fixed address.
Bounded: each connection times out after 120 s of silence; the whole run after LIMIT seconds.

Usage: smtp_load.py HOST PORT DIR [SESSIONS] [LIMIT]
"""
import email.parser
import email.utils
import json
import os
import queue
import smtplib
import statistics
import sys
import threading
import time


def envelope(raw):
    h = email.parser.BytesHeaderParser().parsebytes(raw)
    frm = email.utils.parseaddr(h.get('From', ''))[1] or 'sender@bench.example'
    to = [a for _, a in email.utils.getaddresses(h.get_all('To', []))] or ['rcpt@bench.example']
    return frm, to[:5]


def main():
    host, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sessions = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    limit = float(sys.argv[5]) if len(sys.argv) > 5 else 1800
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith('.eml'))
    msgs = []
    for f in files:
        with open(f, 'rb') as fh:
            raw = fh.read()
        msgs.append((raw,) + envelope(raw))
    work = queue.Queue()
    for m in msgs:
        work.put(m)
    lat, codes, lock = [], {}, threading.Lock()
    start = time.monotonic()

    def run():
        s = smtplib.SMTP(host, port, timeout=120)
        s.ehlo('bench.example')
        while time.monotonic() - start < limit:
            try:
                raw, frm, to = work.get_nowait()
            except queue.Empty:
                break
            s.mail(frm)
            ok = False
            for r in to:
                code, _ = s.rcpt(r)
                ok = ok or code < 300
            if not ok:
                s.rset()
                with lock:
                    codes['rcpt'] = codes.get('rcpt', 0) + 1
                continue
            code, _ = s.docmd('DATA')
            if code != 354:
                s.rset()
                continue
            body = raw.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
            body = b'\r\n'.join(b'.' + l if l.startswith(b'.') else l for l in body.split(b'\r\n'))
            if not body.endswith(b'\r\n'):
                body += b'\r\n'
            t0 = time.monotonic()
            s.send(body + b'.\r\n')
            code, _ = s.getreply()
            t1 = time.monotonic()
            with lock:
                lat.append((t1 - t0) * 1000)
                codes[str(code)] = codes.get(str(code), 0) + 1
        s.quit()

    threads = [threading.Thread(target=run) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    lat.sort()
    out = {
        'messages': len(lat), 'sessions': sessions, 'wall_s': round(wall, 3),
        'per_s': round(len(lat) / wall, 1) if wall > 0 else 0,
        'latency_ms': {
            'median': round(statistics.median(lat), 2) if lat else None,
            'p95': round(lat[int(len(lat) * 0.95) - 1], 2) if lat else None,
            'max': round(lat[-1], 2) if lat else None,
        },
        'replies': codes,
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
