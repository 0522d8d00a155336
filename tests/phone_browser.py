#!/usr/bin/python3
"""phone_browser: the phone check-in page in a real browser.

Starts Debian's Chromium headless, as a 390x700 phone, and drives it over
the DevTools protocol (websocket-client from python3-websocket): opens the
page a kiosk's venue QR points at, types a number with key events, taps
the button, and reads what the visitor sees. Then the same with a stale
code. Prints one JSON object for tests/e2e_phone.sh to check, and saves
screenshots for a person to look at.

usage: phone_browser.py GOOD_URL STALE_URL OUT_DIR
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class Page:
    """One tab, spoken to over the DevTools protocol."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30,
                                              suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method,
                                 "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("page script failed: %s" % expr)
        return r["result"].get("value")

    def wait(self, expr, seconds=10):
        end = time.time() + seconds
        while time.time() < end:
            if self.js(expr):
                return True
            time.sleep(0.05)
        return False

    def tap(self, selector):
        """A touch on the middle of the element, as a finger would."""
        box = self.js("(function(){var r=document.querySelector(%s)"
                      ".getBoundingClientRect();return [r.x+r.width/2,"
                      "r.y+r.height/2];})()" % json.dumps(selector))
        point = [{"x": box[0], "y": box[1]}]
        self.call("Input.dispatchTouchEvent", type="touchStart",
                  touchPoints=point)
        self.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])

    def type(self, text):
        for ch in text:
            self.call("Input.dispatchKeyEvent", type="keyDown", text=ch)
            self.call("Input.dispatchKeyEvent", type="keyUp")

    def open(self, url):
        self.call("Page.navigate", url=url)
        return self.wait("document.readyState === 'complete' && "
                         "!!document.getElementById('form')")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def result(self):
        return self.js("(function(){var r=document.getElementById('result');"
                       "return {hidden:r.hidden,kind:r.className,"
                       "text:r.textContent,venue:document.getElementById("
                       "'venue').textContent,title:document.getElementById("
                       "'title').textContent,lang:document.documentElement"
                       ".lang};})()")


def start_browser(profile):
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--user-data-dir=" + profile,
         "--remote-debugging-port=0", "--remote-allow-origins=*",
         "--window-size=390,700", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.time() + 60
    while time.time() < end:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        m = re.search(r"DevTools listening on ws://([0-9.:]+)/", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("chromium did not start (is the chromium package "
                       "installed?)")


def main():
    good, stale, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
    proc, host = start_browser(profile)
    found = {}
    try:
        with urllib.request.urlopen("http://%s/json/list" % host) as r:
            tabs = [t for t in json.load(r) if t["type"] == "page"]
        page = Page(tabs[0]["webSocketDebuggerUrl"])
        page.call("Emulation.setDeviceMetricsOverride", width=390,
                  height=700, deviceScaleFactor=2, mobile=True)
        page.call("Emulation.setTouchEmulationEnabled", enabled=True)

        found["opened"] = page.open(good)
        page.wait("document.getElementById('venue').textContent !== ''")
        found["before"] = page.result()
        page.screenshot(os.path.join(out_dir, "phone-open.png"))

        page.tap("#who")
        page.type("0933 222 111")
        found["typed"] = page.js("document.getElementById('who').value")
        page.tap("#send")
        page.wait("!document.getElementById('result').hidden")
        found["accepted"] = page.result()
        page.screenshot(os.path.join(out_dir, "phone-accepted.png"))

        # Again: the same answer as the first time (the page never
        # tells whether a number was there already). The result is
        # hidden first so that the wait sees the new answer.
        page.js("document.getElementById('result').hidden = true")
        page.tap("#send")
        page.wait("!document.getElementById('result').hidden")
        found["again"] = page.result()

        # English on the button, and a number the page itself refuses.
        page.tap("#lang")
        page.js("document.getElementById('who').value = ''")
        page.tap("#who")
        page.type("12345")
        page.tap("#send")
        page.wait("document.getElementById('result').className === "
                  "'rejected'")
        found["bad_number_en"] = page.result()

        # A code from 90 seconds ago: refused as soon as the page opens,
        # and refused again if the visitor sends anyway.
        found["stale_opened"] = page.open(stale)
        page.wait("!document.getElementById('result').hidden")
        found["stale_on_open"] = page.result()
        page.js("var r = document.getElementById('result'); r.hidden = true;"
                " r.className = ''; r.textContent = ''")
        page.tap("#who")
        page.type("0987654321")
        page.tap("#send")
        page.wait("!document.getElementById('result').hidden")
        found["stale_sent"] = page.result()
        page.screenshot(os.path.join(out_dir, "phone-stale.png"))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(found, ensure_ascii=False))


if __name__ == "__main__":
    main()
