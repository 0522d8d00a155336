"""cdp: a real Chromium, headless, driven over the DevTools protocol
(websocket-client from python3-websocket), for the browser tests
(tests/phone_browser.py, tests/console_browser.py).
"""
import base64
import json
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import websocket

import os

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

    def wait(self, expr, seconds=20):
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

    def open(self, url, ready_id="form"):
        self.call("Page.navigate", url=url)
        return self.wait("document.readyState === 'complete' && "
                         "!!document.getElementById(%s)" % json.dumps(ready_id))

    def key(self, name, code):
        """A key that is not text (Enter, Tab), pressed and released."""
        down = {"type": "keyDown", "text": "\r"} if name == "Enter" else \
            {"type": "rawKeyDown"}
        self.call("Input.dispatchKeyEvent", key=name, code=name,
                  windowsVirtualKeyCode=code, **down)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=name,
                  code=name, windowsVirtualKeyCode=code)

    def set_files(self, selector, paths):
        """Pick files in an <input type=file>, as a person would."""
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root,
                         selector=selector)["nodeId"]
        self.call("DOM.setFileInputFiles", nodeId=node, files=paths)

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


def end_browser(proc):
    """Kill Chromium and every process it started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def start_browser(profile, size="390,700"):
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--user-data-dir=" + profile,
         "--remote-debugging-port=0", "--remote-allow-origins=*",
         "--window-size=" + size, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    end = time.time() + 60
    while time.time() < end:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        m = re.search(r"DevTools listening on ws://([0-9.:]+)/", line)
        if m:
            return proc, m.group(1)
    end_browser(proc)
    raise RuntimeError("chromium did not start (is the chromium package "
                       "installed?)")




def first_tab(host):
    """The browser's first tab, as a Page."""
    with urllib.request.urlopen("http://%s/json/list" % host) as r:
        tabs = [t for t in json.load(r) if t["type"] == "page"]
    return Page(tabs[0]["webSocketDebuggerUrl"])


class Browser:
    """A headless Chromium of its own (a scratch profile) at SIZE
    ("W,H"), its first tab in .page; close() ends it and its profile."""

    def __init__(self, size="390,700"):
        self.profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
        try:
            self.proc, host = start_browser(self.profile, size)
            self.page = first_tab(host)
        except Exception:
            self.close()
            raise

    def close(self):
        if getattr(self, "proc", None) is not None:
            end_browser(self.proc)
        # Its helpers may write there a moment after they were killed.
        for _ in range(50):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                break
            time.sleep(0.1)
