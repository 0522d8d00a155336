#!/usr/bin/python3
"""console_browser: the web console in a real browser (headless Chromium
over the DevTools protocol, tests/cdp.py), for tests/e2e_console.sh.

usage: console_browser.py BASE_URL DIR OUT_DIR

DIR holds the tokens (tracer, patrol, admin), the authority's key file
(authority.sec) and a patrol receipt (receipt.txt), as e2e_console.sh
made them. Logs in with each role by typing the token and pressing Enter,
runs the scenario's trace, opens the sealed names with the key file,
downloads the CSV, reads the ward report, checks a receipt, issues and
revokes a token; at a desktop's size (1366x768) and a phone's (390x844),
in Vietnamese and in English. Prints one JSON object of what a person
would see; saves screenshots (console-*.png) in OUT_DIR.
"""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

from cdp import Browser

DESKTOP = (1366, 768)
PHONE = (390, 844)


def read(d, name):
    with open(os.path.join(d, name)) as f:
        return f.read().strip()


class Console:
    def __init__(self, page, base, out):
        self.p = page
        self.base = base
        self.out = out

    def size(self, wh, mobile):
        self.p.call("Emulation.setDeviceMetricsOverride", width=wh[0],
                    height=wh[1], deviceScaleFactor=1, mobile=mobile)

    def shot(self, name, full=True):
        """A screenshot of the whole page (not only the screen's height)."""
        if full:
            h = self.p.js("Math.ceil(document.documentElement.scrollHeight)")
            w = self.p.js("window.innerWidth")
            data = self.p.call("Page.captureScreenshot", format="png",
                               captureBeyondViewport=True,
                               clip={"x": 0, "y": 0, "width": w,
                                     "height": min(h, 6000), "scale": 1})
        else:
            data = self.p.call("Page.captureScreenshot", format="png")
        import base64
        with open(os.path.join(self.out, "console-%s.png" % name), "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def text(self, sel):
        return self.p.js("(function(){var e=document.querySelector(%s);"
                         "return e ? e.innerText : null;})()" % json.dumps(sel))

    def visible(self, sel):
        return self.p.js("(function(){var e=document.querySelector(%s);"
                         "return !!e && e.offsetParent !== null;})()"
                         % json.dumps(sel))

    def msg(self):
        return self.p.js("(function(){var m=document.getElementById('msg');"
                         "return m.hidden ? '' : m.textContent;})()")

    def fill(self, sel, value):
        self.p.js("(function(){var e=document.querySelector(%s);e.value=%s;"
                  "e.dispatchEvent(new Event('input'));"
                  "e.dispatchEvent(new Event('change'));})()"
                  % (json.dumps(sel), json.dumps(value)))

    def click(self, sel):
        self.p.js("document.querySelector(%s).click()" % json.dumps(sel))

    def rows(self, sel):
        """A table's body as lists of cell texts."""
        return self.p.js("Array.from(document.querySelectorAll(%s + ' tbody "
                         "tr')).map(function(r){return Array.from(r.cells)"
                         ".map(function(c){return c.innerText.trim();});})"
                         % json.dumps(sel))

    def heads(self, sel):
        return self.p.js("Array.from(document.querySelectorAll(%s + ' thead "
                         "th')).map(function(c){return c.innerText.replace("
                         "/ [▲▼]$/, '').trim();})" % json.dumps(sel))

    def login(self, token):
        """Open the console fresh and log in as a person does: focus the
        field, type the token, press Enter."""
        self.p.js("try { sessionStorage.clear(); } catch (e) {}")
        self.p.open(self.base + "/", "login-form")
        self.p.js("sessionStorage.clear()")
        self.p.wait("document.activeElement && "
                    "document.activeElement.id === 'token'")
        self.p.js("document.getElementById('token').focus()")
        self.p.type(token)
        self.p.key("Enter", 13)
        return self.p.wait("!document.getElementById('nav').hidden || "
                           "!document.getElementById('msg').hidden", 15)

    def lang(self, want):
        if self.p.js("document.documentElement.lang") != want:
            self.click("#lang")
            self.p.wait("document.documentElement.lang === %s"
                        % json.dumps(want))

    def nav(self):
        return self.p.js("document.getElementById('nav').hidden ? [] : "
                         "Array.from(document.querySelectorAll('#nav a'))"
                         ".filter(function(a){return !a.hidden;})"
                         ".map(function(a){return a.dataset.page;})")

    def trace(self, case, reason, frm="2026-11-16T00:00",
              to="2026-11-18T00:00"):
        self.p.js("location.hash = '#trace'")
        self.p.wait("!document.getElementById('page-trace').hidden")
        self.fill("#t-case", case)
        self.fill("#t-from", frm)
        self.fill("#t-to", to)
        self.fill("#t-depth", "2")
        self.fill("#t-reason", reason)
        self.p.js("window.consoleTimes = {}")
        self.click("#trace-form button[type=submit]")
        return self.p.wait("window.consoleTimes.trace_ms !== undefined", 30)

    def report(self, ward=None, date=None):
        self.p.js("location.hash = '#report'")
        self.p.wait("!document.getElementById('page-report').hidden")
        if ward is not None:
            self.fill("#r-ward", ward)
        if date is not None:
            self.fill("#r-date", date)
        self.p.js("window.consoleTimes = {}")
        self.click("#report-form button[type=submit]")
        return self.p.wait("window.consoleTimes.report_ms !== undefined", 60)


def downloads(page, where):
    for method, params in (("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": where}),
                           ("Page.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": where})):
        try:
            page.call(method, **params)
            return
        except RuntimeError:
            continue


def wait_file(path, seconds=15):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            time.sleep(0.2)
            return True
        time.sleep(0.1)
    return False


def main():
    base, d, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    tok = {r: read(d, r) for r in ("tracer", "patrol", "admin")}
    dl = tempfile.mkdtemp(prefix="kiosk-console-dl-")
    browser = Browser("%d,%d" % DESKTOP)
    f = {}
    try:
        page = browser.page
        page.call("Emulation.setTimezoneOverride",
                  timezoneId="Asia/Ho_Chi_Minh")
        downloads(page, dl)
        c = Console(page, base, out)
        c.size(DESKTOP, False)

        # Log-in: the page, a wrong token, then the tracer.
        page.open(base + "/", "login-form")
        f["login_page"] = {"lang": page.js("document.documentElement.lang"),
                           "title": c.text("h1"),
                           "focus": page.js("document.activeElement.id")}
        c.shot("login-vi-1366")
        c.login("not-a-token-" + "x" * 30)
        f["bad_token"] = {"msg": c.msg(), "nav": c.nav(),
                          "login_shown": c.visible("#login-form"),
                          "stored": page.js("sessionStorage.length")}

        c.login(tok["tracer"])
        f["tracer"] = {"nav": c.nav(), "who": c.text("#whoami"),
                       "url": page.js("location.href"),
                       "token_in_storage": page.js(
                           "sessionStorage.getItem('kiosk-console-token') "
                           "=== %s" % json.dumps(tok["tracer"]))}
        f["trace_done"] = c.trace("cccd:079090000001", "ca E2E-WEB-1")
        f["trace_ms"] = page.js("window.consoleTimes.trace_ms")
        f["trace"] = {"summary": c.text("#trace-summary"),
                      "f1_heads": c.heads("#t-f1"),
                      "f1": c.rows("#t-f1"), "f2": c.rows("#t-f2"),
                      "visits": c.rows("#t-visits"),
                      "key_state": c.text("#key-state"),
                      "timelines": page.js("document.querySelectorAll("
                                           "'#timelines canvas').length"),
                      "charts_drawn": page.js("Array.from(document."
                                              "querySelectorAll('#timelines "
                                              "canvas')).every(function(c){"
                                              "return c.width > 0;})")}
        c.shot("trace-vi-1366")
        # Sorting by overlap, with the keyboard's Enter on the header.
        page.js("document.querySelectorAll('#t-f1 thead th button')[5]"
                ".focus()")
        page.key("Enter", 13)
        page.key("Enter", 13)
        f["f1_sorted_desc"] = [r[5] for r in c.rows("#t-f1")]
        # The sealed names: opened here, with the key file.
        c.p.set_files("#trace-key", [os.path.join(d, "authority.sec")])
        page.wait("document.getElementById('key-state').textContent"
                  ".indexOf('Đã mở') === 0 || document.getElementById('msg')"
                  ".className === 'error'", 30)
        f["opened"] = {"key_state": c.text("#key-state"),
                       "case_name": c.rows("#t-visits")[0][1],
                       "names": sorted(r[1] for r in c.rows("#t-f1") +
                                       c.rows("#t-f2")),
                       "msg": c.msg()}
        c.shot("trace-opened-vi-1366")
        # A wrong key file (the authority's public key) is refused.
        c.p.set_files("#trace-key", [os.path.join(d, "authority.pub")])
        page.wait("document.getElementById('msg').className === 'error'")
        f["wrong_key"] = c.msg()
        # CSV download, read back.
        c.click("#trace-csv")
        csv_path = os.path.join(dl, "trace.csv")
        f["csv_downloaded"] = wait_file(csv_path)
        if f["csv_downloaded"]:
            with open(csv_path, encoding="utf-8-sig") as fh:
                f["csv"] = list(csv.DictReader(io.StringIO(fh.read())))
        c.click("#trace-json")
        f["json_downloaded"] = wait_file(os.path.join(dl, "trace.json"))
        if f["json_downloaded"]:
            with open(os.path.join(dl, "trace.json"), encoding="utf-8") as fh:
                text = fh.read()
            f["json_has_opened"] = "Nguyễn" in text or "_personal" in text
            f["json_f1"] = len(json.loads(text)["f1"])
        # Log out and in again: nothing opened is left on the page.
        c.click("#logout")
        page.wait("document.readyState === 'complete' && "
                  "!document.getElementById('login-form').offsetParent "
                  "=== false")
        time.sleep(0.5)
        c.login(tok["tracer"])
        page.js("location.hash = '#trace'")
        page.wait("!document.getElementById('page-trace').hidden")
        f["after_logout"] = {
            "out_hidden": page.js("document.getElementById('trace-out')"
                                  ".hidden"),
            "name_on_page": page.js("document.body.innerText.indexOf("
                                    "'Nguyễn') >= 0"),
            "case_field": page.js("document.getElementById('t-case')"
                                  ".value")}
        c.trace("cccd:079090000001", "ca E2E-WEB-1")
        c.lang("en")
        f["trace_en"] = {"summary": c.text("#trace-summary"),
                         "f1_heads": c.heads("#t-f1"),
                         "title": c.text("#page-trace h2")}
        c.shot("trace-en-1366")
        c.lang("vi")
        # A case written wrongly: said on the page, nothing sent.
        c.fill("#t-case", "079090000001")
        c.click("#trace-form button[type=submit]")
        f["bad_case"] = c.msg()
        # A tracer has no report page.
        page.js("location.hash = '#report'")
        page.wait("document.getElementById('msg').textContent !== ''")
        f["tracer_report"] = {"msg": c.msg(),
                              "report_shown": c.visible("#page-report")}

        # Patrol: no tracer page; the ward's report; a receipt.
        c.login(tok["patrol"])
        f["patrol"] = {"nav": c.nav(), "who": c.text("#whoami"),
                       "ward": page.js("document.getElementById('r-ward')"
                                       ".value")}
        page.js("location.hash = '#trace'")
        page.wait("document.getElementById('msg').textContent !== ''")
        f["patrol_trace"] = {"msg": c.msg(),
                             "trace_shown": c.visible("#page-trace"),
                             "report_shown": c.visible("#page-report")}
        f["report_done"] = c.report()
        f["report_ms"] = page.js("window.consoleTimes.report_ms")
        f["report"] = {"summary": c.text("#report-summary"),
                       "heads": c.heads("#r-venues"),
                       "rows": c.rows("#r-venues"),
                       "chart": page.js("!!Chart.getChart(document."
                                        "getElementById('report-chart'))")}
        c.shot("report-vi-1366")
        f["report_day_done"] = c.report(date="2026-11-16")
        page.js("document.querySelector('#r-venues tbody button.link')"
                ".click()")
        page.wait("!document.getElementById('venue-detail').hidden")
        f["detail"] = c.text("#venue-detail")
        c.shot("report-detail-vi-1366")
        page.call("Emulation.setEmulatedMedia", media="print")
        c.shot("report-print-a4")
        page.call("Emulation.setEmulatedMedia", media="")
        pdf = page.call("Page.printToPDF", paperWidth=8.27, paperHeight=11.69,
                        preferCSSPageSize=True)
        import base64
        with open(os.path.join(out, "console-report-print.pdf"), "wb") as fh:
            fh.write(base64.b64decode(pdf["data"]))
        page.js("location.hash = '#receipt'")
        page.wait("!document.getElementById('page-receipt').hidden")
        c.fill("#rc-text", read(d, "receipt.txt"))
        c.click("#receipt-form button[type=submit]")
        page.wait("document.getElementById('receipt-out').textContent "
                  "!== ''")
        f["receipt"] = c.text("#receipt-out")
        c.fill("#rc-text", read(d, "receipt.txt")[:-6] + "AAAAAA")
        c.click("#receipt-form button[type=submit]")
        page.wait("document.getElementById('receipt-out').textContent"
                  ".indexOf('KHÔNG') >= 0")
        f["receipt_bad"] = c.text("#receipt-out")
        c.shot("receipt-vi-1366")

        # Admin: tokens issued and revoked, devices, the audit.
        c.login(tok["admin"])
        f["admin"] = {"nav": c.nav()}
        page.js("location.hash = '#tokens'")
        page.wait("document.querySelectorAll('#k-list tbody tr').length > 1")
        f["tokens_before"] = len(c.rows("#k-list"))
        c.fill("#k-role", "patrol")
        c.fill("#k-ward", "Bến Nghé")
        c.fill("#k-days", "7")
        c.click("#token-form button[type=submit]")
        page.wait("!!document.getElementById('token-value')")
        f["new_token"] = page.js("document.getElementById('token-value')"
                                 ".textContent")
        page.wait("document.querySelectorAll('#k-list tbody tr').length > "
                  "%d" % f["tokens_before"])
        c.fill("#k-role", "device-enrolment")
        c.fill("#k-ward", "Bến Nghé")
        c.fill("#k-vid", "PHO-C")
        c.fill("#k-vname", "Phở Cồ")
        c.fill("#k-addr", "7 Pasteur")
        c.fill("#k-hours", "06:00-22:00")
        c.click("#token-form button[type=submit]")
        page.wait("document.querySelectorAll('#token-new button').length > 0"
                  " || document.getElementById('msg').className === 'error'",
                  20)
        f["sheet"] = {"text": c.text("#token-new"), "msg": c.msg()}
        if page.js("document.querySelectorAll('#token-new button').length"):
            c.click("#token-new button")
            f["sheet_downloaded"] = wait_file(os.path.join(
                dl, "enrolment-PHO-C.pdf"))
        c.shot("tokens-vi-1366")
        # Revoke the new patrol token: two presses (no dialog).
        rid = page.js("(function(){var r=Array.from(document.querySelectorAll("
                      "'#k-list tbody tr')).filter(function(r){return "
                      "r.cells[1].innerText==='Tuần tra phường' && r.cells[2]"
                      ".innerText==='Dùng được';});return r.length ? "
                      "r[0].cells[0].innerText : null;})()")
        f["revoke_id"] = rid
        sel = ("Array.from(document.querySelectorAll('#k-list tbody tr'))"
               ".filter(function(r){return r.cells[0].innerText===%s;})[0]"
               ".querySelector('button')" % json.dumps(rid))
        page.js(sel + ".click()")
        page.js(sel + ".click()")
        page.wait("document.getElementById('msg').className === 'ok'")
        f["revoked_msg"] = c.msg()
        page.js("location.hash = '#devices'")
        page.wait("document.querySelectorAll('#d-list tbody tr').length > 1")
        f["devices"] = c.rows("#d-list")
        c.shot("devices-vi-1366")
        page.js("location.hash = '#audit'")
        page.wait("document.querySelectorAll('#a-list tbody tr').length > 1")
        c.fill("#a-action", "trace")
        page.js("document.getElementById('msg').textContent = ''")
        c.click("#audit-form button[type=submit]")
        page.wait("document.getElementById('msg').textContent.indexOf("
                  "'dòng') >= 0")
        time.sleep(0.3)
        f["audit_trace"] = c.rows("#a-list")
        c.shot("audit-vi-1366")
        # The revoked token no longer logs in.
        c.login(f["new_token"])
        f["revoked_login"] = {"msg": c.msg(), "nav": c.nav()}

        # A phone's screen: the tracer's answer and the patrol's report.
        c.size(PHONE, True)
        page.call("Emulation.setTouchEmulationEnabled", enabled=True)
        c.login(tok["tracer"])
        c.trace("cccd:079090000001", "ca E2E-WEB-2")
        f["phone_trace_rows"] = len(c.rows("#t-f1"))
        f["phone_overflow"] = page.js("document.documentElement.scrollWidth "
                                      "<= window.innerWidth + 1")
        c.shot("trace-vi-390")
        c.login(tok["patrol"])
        c.report(date="2026-11-16")
        f["phone_report_overflow"] = page.js(
            "document.documentElement.scrollWidth <= window.innerWidth + 1")
        c.shot("report-vi-390")
        c.lang("en")
        c.shot("report-en-390")
        page.js("location.hash = '#receipt'")
        page.wait("!document.getElementById('page-receipt').hidden")
        c.shot("receipt-en-390")
        c.lang("vi")
        page.js("sessionStorage.clear()")
        page.open(base + "/", "login-form")
        c.shot("login-vi-390")
    except Exception:  # noqa: BLE001 - said in the JSON, for the test
        # What was seen so far, and where it stopped: the test says so.
        f["error"] = traceback.format_exc()[-1200:]
        f["error_msg"] = c.msg() if "c" in locals() else ""
    finally:
        browser.close()
        shutil.rmtree(dl, ignore_errors=True)
    print(json.dumps(f, ensure_ascii=False))


if __name__ == "__main__":
    main()
