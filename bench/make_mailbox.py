#!/usr/bin/env python3
"""A generated mailbox for the mail-gate benchmark: N messages as .eml files in OUT/ (and their
truth in OUT/truth.json), with the variety of a Japanese company's inbox in the Emotet period:

  - 62% ordinary mail: plain text in ISO-2022-JP or UTF-8, HTML alternatives, attachments of
    random bytes named .pdf/.jpg/.png/.xlsx-like (20 KB to 600 KB), some inline images;
  - 14% PPAP: a ZipCrypto or AES ZIP of clean files with the password in the body (several
    phrasings, full-width digits), or in the next mail;
  - 4% encrypted archives whose password is nowhere (ZIP and 7z with encrypted headers);
  - 8% Office documents with macros: VBA (an .xlsm built with xlsxwriter around the shared
    sample's vbaProject.bin), Excel 4.0 macro sheets (the shared oletools samples), inside a
    password ZIP with the password in the body as Emotet sent them;
  - 6% programs and carriers: a program inside a password ZIP, double extensions, .lnk, .js;
  - 6% clean Office and archives (docx/xlsx/zip without macros).

Deterministic with --seed. The shared samples are read from ../shared/data/maldoc at run time
(not copied into the repository). Needs zip and 7z (Debian zip, p7zip-full) and
python3-xlsxwriter.

Usage: make_mailbox.py -n 2000 --seed 1 OUT
"""
import argparse
import email.message
import email.utils
import json
import os
import random
import shutil
import subprocess
import tempfile

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "maldoc")
NAMES = ["田中", "鈴木", "佐藤", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
COMPANIES = ["example.co.jp", "example.jp", "example.ne.jp", "example.com", "example.net"]
SUBJECTS = ["お見積りの件", "請求書送付のご案内", "打ち合わせの日程について", "資料送付", "発注書", "議事録",
            "Re: ご確認のお願い", "【至急】ご確認ください", "Invoice for November", "Meeting notes", "納品書の送付"]
BODY = ("いつもお世話になっております。\n{company}の{name}です。\n\n{what}をお送りいたします。\nご確認のほど、よろしくお願いいたします。\n\n"
        "--\n{name} {company}\n")
PHRASES = ["パスワード：{pw}", "【解凍パスワード】{pw}", "PW: {pw}", "パスワードは以下の通りです。\n\n{pw}",
           "The password is {pw}", "解凍パスワードは「{pw}」です。"]


def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp()
    truth = []

    def rand_bytes(n):
        return rng.getrandbits(8 * n).to_bytes(n, "little")

    # Building blocks, made once (and varied by name and password per message).
    vba_bin = None
    try:
        subprocess.run(["unzip", "-o", "-q", os.path.join(SHARED, "generated", "with_vba.xlsm"), "xl/vbaProject.bin"],
                       cwd=work, check=True)
        vba_bin = os.path.join(work, "xl", "vbaProject.bin")
    except Exception:
        pass
    import xlsxwriter  # python3-xlsxwriter

    def xlsm(path):
        wb = xlsxwriter.Workbook(path)
        ws = wb.add_worksheet()
        for r in range(rng.randrange(5, 60)):
            ws.write_row(r, 0, [rng.randrange(1000) for _ in range(6)])
        if vba_bin:
            wb.add_vba_project(vba_bin)
        wb.close()

    def xlsx(path):
        wb = xlsxwriter.Workbook(path)
        ws = wb.add_worksheet()
        for r in range(rng.randrange(5, 200)):
            ws.write_row(r, 0, [rng.randrange(100000) for _ in range(8)])
        wb.close()

    xlm_samples = [os.path.join(SHARED, "oletools-tests", "tests", "test-data", "excel4-macros", f)
                   for f in ("excel4_sample_macro.xls", "excel4_sample_macro.xlsm")]
    counter = [0]

    def fresh(name):
        counter[0] += 1
        d = os.path.join(work, "m%d" % counter[0])
        os.makedirs(d)
        return d, os.path.join(d, name)

    def zipped(files, pw=None, aes=False, seven=False, hide=False):
        d, _ = fresh("x")
        names = []
        for name, data in files:
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            names.append(name)
        out = os.path.join(d, "out.7z" if seven else "out.zip")
        if seven:
            run(["7z", "a", "-p" + pw] + (["-mhe=on"] if hide else []) + [out] + names, d)
        elif pw and aes:
            run(["7z", "a", "-tzip", "-mem=AES256", "-p" + pw, out] + names, d)
        elif pw:
            run(["zip", "-q", "-P", pw, out] + names, d)
        else:
            run(["zip", "-q", out] + names, d)
        return open(out, "rb").read()

    def message(subject, body, attachments, charset=None, html=False):
        m = email.message.EmailMessage()
        name, company = rng.choice(NAMES), rng.choice(COMPANIES)
        m["From"] = "%s <%s@%s>" % (name, "user%d" % rng.randrange(500), company)
        m["To"] = "keiri@example.jp"
        m["Subject"] = subject
        m["Date"] = email.utils.format_datetime(email.utils.localtime())
        m["Message-ID"] = "<%d.%d@%s>" % (rng.getrandbits(40), len(truth), company)
        m.set_content(body, charset=charset or rng.choice(["iso-2022-jp", "utf-8"]))
        if html:
            m.add_alternative("<html><body><p>%s</p></body></html>" % body.replace("\n", "<br>"), subtype="html")
        for fname, data in attachments:
            m.add_attachment(data, maintype="application", subtype="octet-stream", filename=fname)
        return bytes(m)

    def body(what):
        return BODY.format(company=rng.choice(COMPANIES), name=rng.choice(NAMES), what=what)

    def pw():
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(10))

    def phrase(p):
        text = rng.choice(PHRASES).format(pw=p)
        return fullwidth(text) if rng.random() < 0.2 else text

    i = 0
    pending_password = None
    while i < args.n:
        if pending_password:  # the follow-up mail with the password
            data = message("パスワードのお知らせ", body("先ほどのファイルのパスワード") + "\n" + phrase(pending_password) + "\n", [])
            kind, expect = "ppap_password_mail", "clean"
            pending_password = None
        else:
            r = rng.random()
            if r < 0.62:
                atts = []
                for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
                    ext = rng.choice(["pdf", "jpg", "png", "dat", "pdf"])
                    atts.append(("資料%d.%s" % (rng.randrange(100), ext), rand_bytes(rng.randrange(5_000, 120_000))))
                data = message(rng.choice(SUBJECTS), body("資料"), atts, html=rng.random() < 0.4)
                kind, expect = "ordinary", "clean"
            elif r < 0.76:
                p = pw()
                inner = [("見積書.pdf", rand_bytes(rng.randrange(10_000, 80_000))), ("明細.txt", "明細\n".encode() * 50)]
                z = zipped(inner, p, aes=rng.random() < 0.3)
                if rng.random() < 0.35:
                    data = message(rng.choice(SUBJECTS), body("資料（パスワードは別途お送りします）"), [("資料.zip", z)])
                    pending_password = p
                    kind = "ppap_separate_password"
                else:
                    data = message(rng.choice(SUBJECTS), body("資料") + "\n" + phrase(p) + "\n", [("資料.zip", z)])
                    kind = "ppap"
                expect = "clean"
            elif r < 0.80:
                inner = [("document.doc", rand_bytes(rng.randrange(10_000, 80_000)))]
                z = zipped(inner, pw(), seven=rng.random() < 0.5, hide=True)
                data = message(rng.choice(SUBJECTS), body("資料"), [("資料.zip" if z[:2] == b"PK" else "資料.7z", z)])
                kind, expect = "encrypted_no_password", "suspicious"
            elif r < 0.88:
                p = pw()
                if rng.random() < 0.5 and vba_bin:
                    d, path = fresh("請求書.xlsm")
                    xlsm(path)
                    kind, expect = "vba_in_password_zip", "suspicious"
                else:
                    sample = rng.choice(xlm_samples)
                    d, path = fresh("請求書" + os.path.splitext(sample)[1])
                    shutil.copy(sample, path)
                    kind, expect = "xlm_in_password_zip", "malicious"
                z = zipped([(os.path.basename(path), open(path, "rb").read())], p)
                data = message("Re: " + rng.choice(SUBJECTS), body("請求書") + "\n" + phrase(p) + "\n", [("請求書.zip", z)])
            elif r < 0.94:
                p = pw()
                c = rng.random()
                if c < 0.4:
                    z = zipped([("請求書.exe", b"MZ" + rand_bytes(rng.randrange(20_000, 100_000)))], p)
                    data = message(rng.choice(SUBJECTS), body("請求書") + "\n" + phrase(p) + "\n", [("請求書.zip", z)])
                elif c < 0.6:
                    data = message(rng.choice(SUBJECTS), body("請求書"), [("請求書.pdf.exe", b"MZ" + rand_bytes(80_000))])
                elif c < 0.8:
                    z = zipped([("請求書.lnk", rand_bytes(3000))])
                    data = message(rng.choice(SUBJECTS), body("請求書"), [("請求書.zip", z)])
                else:
                    data = message(rng.choice(SUBJECTS), body("請求書"), [("invoice.js", b"var s = new ActiveXObject('WScript.Shell');")])
                kind, expect = "program", "malicious"
            else:
                d, path = fresh("売上.xlsx")
                xlsx(path)
                atts = [("売上.xlsx", open(path, "rb").read())]
                if rng.random() < 0.5:
                    atts = [("売上.zip", zipped(atts))]
                data = message(rng.choice(SUBJECTS), body("売上表"), atts)
                kind, expect = "clean_office", "clean"
        name = "%05d.eml" % i
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        truth.append({"file": name, "kind": kind, "expect": expect})
        i += 1
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, ensure_ascii=False, indent=0)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
