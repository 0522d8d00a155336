#!/usr/bin/env python3
"""phone_flood.py URL TOKEN SECONDS [CONNECTIONS]: flood a collector's
phone check-in with made-up numbers from one address with one venue code,
as the attack on the first version did (a photo of the venue QR), and
print what the collector did with them:

  sent N in S s: accepted A (a/s), refused R (r/s: 429 x, 400 y, ...),
  first Retry-After T s

CONNECTIONS threads (default 4) each keep one connection alive. The
numbers are valid mobile numbers, all different, so each one would be a
new visit if the collector took it. Exit 0 always; the caller judges.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse


def flood(url, token, seconds, out, lock, seed):
    u = urllib.parse.urlsplit(url)
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    end = time.time() + seconds
    while time.time() < end:
        who = "09" + "".join(rnd.choice("0123456789") for _ in range(8))
        body = json.dumps({"token": token, "who": who})
        try:
            conn.request("POST", "/api/v1/phone-checkin", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            status, retry = r.status, r.getheader("Retry-After")
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            status, retry = 0, None
        with lock:
            out["sent"] += 1
            out[status] = out.get(status, 0) + 1
            if retry is not None and out["retry"] is None:
                out["retry"] = retry
    conn.close()


def main():
    url, token, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    out, lock = {"sent": 0, "retry": None}, threading.Lock()
    t0 = time.time()
    threads = [threading.Thread(target=flood, args=(url, token, seconds,
                                                    out, lock, i))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - t0
    ok = out.get(200, 0)
    refused = out["sent"] - ok
    kinds = ", ".join("%s %d" % (k, v) for k, v in sorted(
        (k, v) for k, v in out.items() if isinstance(k, int) and k != 200))
    print("sent %d in %.1f s: accepted %d (%.1f/s), refused %d (%.1f/s: %s),"
          " first Retry-After %s s" % (out["sent"], took, ok, ok / took,
                                      refused, refused / took, kinds or "none",
                                      out["retry"]))


if __name__ == "__main__":
    main()
