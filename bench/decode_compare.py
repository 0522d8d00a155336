#!/usr/bin/env python3
"""decode_compare: the kiosk's decoder (`kioskctl decode`) against zbarimg
(QR only) on the same images, per category (one folder a category).

An image counts as read exactly when the decoder returns the expected text
(the whole .txt next to it, newlines included) among the texts it finds. Times:
the kiosk's own per-frame decode time from `kioskctl decode` (in process,
image already loaded), and zbarimg's per-image time measured the same way
by running it on one image at a time minus its start-up cost on a blank
image, so both are decode time only. Prints ratios; absolute times are not
comparable across machines.

usage: decode_compare.py KIOSKCTL DIR [DIR...]
"""
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET


def expected(img):
    """The one code's text: the whole .txt next to the image."""
    base = os.path.splitext(img)[0]
    try:
        with open(base + ".txt", encoding="utf-8", newline="") as f:
            return f.read()
    except FileNotFoundError:
        return None


LEGACY = ("shift_jis", "gb18030")


def kiosk_read(texts, want):
    """The kiosk hands back the code's bytes ("hex:..." when not UTF-8),
    never a charset guess: a read is exact when the bytes are the expected
    text in UTF-8, or in a legacy charset the shared photos' codes use."""
    if want in texts:
        return True
    for t in texts:
        if not t.startswith("hex:"):
            continue
        raw = bytes.fromhex(t[4:])
        for cs in LEGACY:
            try:
                if raw == want.encode(cs):
                    return True
            except UnicodeEncodeError:
                pass
    return False


def zbar_once(img):
    """zbarimg's texts for IMG, and its wall time in ms. --raw prints each
    symbol's text and a newline (its --xml mode garbles non-ASCII text), so
    the output is kept whole and matched symbol by symbol in read_by()."""
    t0 = time.perf_counter()
    p = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", img],
                       capture_output=True)
    dt = (time.perf_counter() - t0) * 1000
    out = p.stdout.decode("utf-8", "replace") if p.returncode == 0 else ""
    return out, dt


def read_by_zbarimg(out, want):
    return ("\n" + out).find("\n" + want + "\n") >= 0


def main():
    kioskctl, dirs = sys.argv[1], sys.argv[2:]
    # zbarimg's start-up and image-load cost, to take off its times.
    with tempfile.TemporaryDirectory() as tmp:
        blank = os.path.join(tmp, "blank.png")
        subprocess.run(["python3", "-c", "import zlib,struct,sys\n"
                        "w=h=64\nraw=b''.join(b'\\x00'+b'\\xff'*w for _ in range(h))\n"
                        "def c(t,d):return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d))\n"
                        "open(sys.argv[1],'wb').write(b'\\x89PNG\\r\\n\\x1a\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,0,0,0,0))+c(b'IDAT',zlib.compress(raw))+c(b'IEND',b''))",
                        blank], check=True)
        base = statistics.median(zbar_once(blank)[1] for _ in range(5))

    total = {"n": 0, "k": 0, "z": 0, "kms": [], "zms": [], "lost": []}
    print(f"{'category':<28} {'images':>6} {'kiosk':>6} {'zbarimg':>7}  {'kiosk ms':>8} {'zbar ms':>8} {'ratio':>6}")
    for d in dirs:
        cats = sorted(set(os.path.dirname(os.path.join(r, f)) for r, _, fs in os.walk(d)
                          for f in fs if f.endswith((".png", ".jpg", ".jpeg"))))
        for cat in cats:
            imgs = sorted(os.path.join(cat, f) for f in os.listdir(cat)
                          if f.endswith((".png", ".jpg", ".jpeg")))
            imgs = [i for i in imgs if expected(i) is not None]
            if not imgs:
                continue
            out = subprocess.run([kioskctl, "decode"] + imgs, capture_output=True, text=True)
            kres = {}
            for line in out.stdout.splitlines():
                j = json.loads(line)
                kres[j["file"]] = (set(j["texts"]), j["ms"])
            c = {"n": 0, "k": 0, "z": 0, "kms": [], "zms": []}
            for img in imgs:
                want = expected(img)
                ktexts, kms = kres.get(img, (set(), 0))
                ztexts, zms = zbar_once(img)
                c["n"] += 1
                kok = kiosk_read(ktexts, want)
                zok = read_by_zbarimg(ztexts, want)
                c["k"] += kok
                c["z"] += zok
                c["kms"].append(kms)
                c["zms"].append(max(zms - base, 0.01))
                if zok and not kok:
                    total["lost"].append(img)
            km, zm = statistics.median(c["kms"]), statistics.median(c["zms"])
            name = os.path.relpath(cat, os.path.dirname(d.rstrip("/")))
            print(f"{name:<28} {c['n']:>6} {c['k']:>6} {c['z']:>7}  {km:>8.2f} {zm:>8.2f} {km / zm:>6.2f}")
            for k in ("n", "k", "z"):
                total[k] += c[k]
            total["kms"] += c["kms"]
            total["zms"] += c["zms"]
    km, zm = statistics.median(total["kms"]), statistics.median(total["zms"])
    print(f"{'all':<28} {total['n']:>6} {total['k']:>6} {total['z']:>7}  {km:>8.2f} {zm:>8.2f} {km / zm:>6.2f}")
    print(f"decode: kiosk reads {total['k']}/{total['n']} exactly, zbarimg {total['z']}/{total['n']}; "
          f"median ms per frame kiosk/zbarimg = {km / zm:.2f} (target <= 2)")
    if total["lost"]:
        print("read by zbarimg but not by the kiosk: " + " ".join(total["lost"]))


if __name__ == "__main__":
    main()
