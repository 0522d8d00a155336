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
import json
import os
import sys

from cdp import Browser


def main():
    good, stale, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    browser = Browser()
    found = {}
    try:
        page = browser.page
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
        browser.close()
    print(json.dumps(found, ensure_ascii=False))


if __name__ == "__main__":
    main()
