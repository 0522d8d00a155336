#!/usr/bin/python3
"""console_bench: the web console's time to first paint, in headless
Chromium (tests/cdp.py), for bench/bench_console.sh.

usage: console_bench.py URL TRACER_TOKEN PATROL_TOKEN WARD SUBJECT FROM TO

For the ward report and for a trace answer: from the press of the button
to the first frame painted after the answer is drawn (the page's own
measure, window.consoleTimes), median of ROUNDS; beside it, in the same
run, the same answer fetched bare over HTTP (the server's time and the
transfer, no browser). Prints one JSON object.
"""
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from cdp import Browser  # noqa: E402
from console_browser import Console  # noqa: E402

ROUNDS = int(os.environ.get("CONSOLE_ROUNDS", "3"))


def bare(url, token):
    """Milliseconds to fetch URL whole, and its size."""
    rq = urllib.request.Request(url, headers={"Authorization":
                                              "Bearer " + token})
    t = time.perf_counter()
    with urllib.request.urlopen(rq, timeout=600) as r:
        n = len(r.read())
    return (time.perf_counter() - t) * 1000, n


def main():
    url, tracer, patrol, ward, subject, frm, to = sys.argv[1:8]
    browser = Browser("1366,768")
    out = {"rounds": ROUNDS}
    try:
        page = browser.page
        page.call("Emulation.setTimezoneOverride",
                  timezoneId="Asia/Ho_Chi_Minh")
        c = Console(page, url, tempfile.gettempdir())
        c.size((1366, 768), False)
        c.login(patrol)
        out["shell_fcp_ms"] = page.js(
            "(performance.getEntriesByName('first-contentful-paint')[0]"
            " || {}).startTime")
        rep, bare_rep = [], []
        q = urllib.parse.urlencode({"ward": ward})
        for _ in range(ROUNDS):
            if not c.report(ward=ward):
                raise RuntimeError("the report did not paint: %s" % c.msg())
            rep.append(page.js("window.consoleTimes.report_ms"))
            ms, size = bare(url + "/api/v1/report?" + q, patrol)
            bare_rep.append(ms)
        out["report_venues"] = page.js("window.consoleTimes && "
                                       "document.querySelectorAll("
                                       "'#r-venues tbody tr').length")
        out["report_summary"] = c.text("#report-summary")
        out["report_bytes"] = size
        out["report_ms"] = statistics.median(rep)
        out["report_bare_ms"] = statistics.median(bare_rep)
        c.login(tracer)
        tr, bare_tr = [], []
        q = urllib.parse.urlencode({"subject": subject, "reason": "bench",
                                    "from": frm, "to": to, "depth": "2",
                                    "sealed": "1"})
        for i in range(ROUNDS):
            if not c.trace(subject, "bench %d" % i, frm, to):
                raise RuntimeError("the trace did not paint: %s" % c.msg())
            tr.append(page.js("window.consoleTimes.trace_ms"))
            ms, size = bare(url + "/api/v1/trace?" + q, tracer)
            bare_tr.append(ms)
        out["trace_summary"] = c.text("#trace-summary")
        out["trace_bytes"] = size
        out["trace_ms"] = statistics.median(tr)
        out["trace_bare_ms"] = statistics.median(bare_tr)
    finally:
        browser.close()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
