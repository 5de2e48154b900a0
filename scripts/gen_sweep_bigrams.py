#!/usr/bin/env python3
"""Prints the English bigram table of src/sweep/names.cc (kBigramBucket).

The counts come from English prose every Debian system has: the licence texts in
/usr/share/common-licenses. Each letter pair (a-z, inside words) gets the bucket
min(9, floor(log2(count + 1))). The table is facts about English, not tuned to any list of
AppData names; docs/sweep.md says how the threshold on it was chosen.
"""
import collections
import math
import re

FILES = ["GPL-3", "Apache-2.0", "GFDL-1.3", "Artistic", "LGPL-3", "MPL-2.0", "CC0-1.0", "BSD"]


def main() -> None:
    text = ""
    for name in FILES:
        with open("/usr/share/common-licenses/" + name, encoding="utf-8", errors="replace") as f:
            text += f.read().lower() + " "
    counts = collections.Counter()
    for word in re.findall(r"[a-z]+", text):
        for i in range(len(word) - 1):
            counts[word[i:i + 2]] += 1
    letters = "abcdefghijklmnopqrstuvwxyz"
    for a in letters:
        row = "".join(str(min(9, int(math.log2(counts[a + b] + 1)))) for b in letters)
        print(f'    "{row}",  // {a}')


if __name__ == "__main__":
    main()
