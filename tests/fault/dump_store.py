#!/usr/bin/env python3
"""Prints everything a keikai store holds about what was scanned, in a canonical order, so that
two stores can be compared byte for byte: hourly counts, sources, behaviour verdicts and
findings (without row ids, timestamps of writing, or resume marks).

Usage: dump_store.py DB [--summary]
"""
import sqlite3
import sys

QUERIES = [
    ("request_hours", "SELECT site, hour, count FROM request_hours ORDER BY 1, 2"),
    ("class_hours", "SELECT site, hour, cls, count FROM class_hours ORDER BY 1, 2, 3"),
    ("attack_hours", "SELECT site, hour, cls, ip, count FROM attack_hours ORDER BY 1, 2, 3, 4"),
    ("sources", "SELECT ip, country, first_seen, last_seen FROM sources ORDER BY 1"),
    ("source_behaviour", "SELECT ip, classification, scenarios, evidence, requests, first_seen, "
                         "last_seen, crawler, verified FROM source_behaviour ORDER BY 1"),
    ("findings", "SELECT site, time, ip, classes, detectors, evidence, method, target, status, "
                 "user_agent, file, line FROM findings ORDER BY file, line, time, ip"),
]


def main():
    db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
    summary = "--summary" in sys.argv
    for name, q in QUERIES:
        rows = db.execute(q).fetchall()
        if summary:
            extra = ""
            if name == "request_hours":
                extra = " requests=%d" % sum(r[2] for r in rows)
            if name == "source_behaviour":
                by = {}
                for r in rows:
                    by[r[1]] = by.get(r[1], 0) + 1
                extra = " " + " ".join("%s=%d" % kv for kv in sorted(by.items()))
            print("%s: %d rows%s" % (name, len(rows), extra))
            continue
        for r in rows:
            print(name, "\t".join(str(x) for x in r), sep="\t")


if __name__ == "__main__":
    main()
