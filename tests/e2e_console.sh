#!/bin/bash
# e2e_console: the web console (docs/console.md). Its doors first, with
# curl: every new endpoint without a token, with the wrong role, with bad
# and overflowing input, paths that try to leave the web folder; the
# page's policy (no inline script, nothing from another host). Then every
# page in headless Chromium (tests/console_browser.py) on the scenario
# with a known answer (tests/scenario.c): log-in per role, the trace's F1
# and F2 with their overlap minutes, names opened only with the key file
# in the browser, the CSV download read back, the ward report flagging
# silent kiosks, a receipt, tokens issued and revoked, the audit. What a
# person sees is asserted; screenshots go to build/test-output/console.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=warn TZ='<+07>-7'
CDB="sqlite:$T_DIR/c.db"
DAY=$(date -d '2026-11-16T00:00:00+07:00' +%s)000
check "the scenario loads (a live kiosk beside silent ones)" build/tests/scenario "$CDB" "$T_DIR" "$DAY" "$(date +%s)000"
check_exit "collector init, with the authority's key" 0 $COLL init --db "$CDB" --authority-key "$T_DIR/authority.pub"
tok() { $COLL token --db "$CDB" "$@" | tail -1; }
tok --role tracer > "$T_DIR/tracer"
tok --role patrol --ward "Bến Nghé" > "$T_DIR/patrol"
tok --role patrol --ward "Phường 2" > "$T_DIR/patrol2"
tok --role admin > "$T_DIR/admin"
tok --role device-enrolment --ward "Bến Nghé" > "$T_DIR/enrol"
$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait 2>/dev/null; [ -n "${E2E_KEEP:-}" ] && echo "kept $T_DIR" || t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
check "the collector serves" test -n "$URL"

# req ROLE METHOD PATH [BODY]: prints "status body" (ROLE "-": no token).
req() {
	local auth=() data=()
	[ "$1" = - ] || auth=(-H "Authorization: Bearer $(cat "$T_DIR/$1")")
	[ $# -lt 4 ] || data=(-H 'Content-Type: application/json' --data-binary "$4")
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$2" "${auth[@]}" "${data[@]}" "$URL$3"
	printf ' %s' "$(head -c 400 "$T_DIR/body")"
}
code() { local r; r=$(req "$@"); echo "${r%% *}"; }

# ---- the page and its files ----
check "GET / is the console, in Vietnamese" sh -c "curl -sf '$URL/' | grep -q '<html lang=\"vi\">'"
H=$(curl -s -D - -o /dev/null "$URL/")
check "a strict policy: scripts from here only, no inline script" sh -c "echo \"\$0\" | grep -qi \"content-security-policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval';\"" "$H"
check "not framed, no referrer, not sniffed, not cached" sh -c "echo \"\$0\" | grep -qi \"frame-ancestors 'none'\" && echo \"\$0\" | grep -qi 'referrer-policy: no-referrer' && echo \"\$0\" | grep -qi 'x-content-type-options: nosniff' && echo \"\$0\" | grep -qi 'cache-control: no-store'" "$H"
check "no inline script or style, no handler attributes in the page" sh -c "! grep -Eiq '<script>|<script [^s]|<style| on[a-z]+=' assets/web/console/index.html"
check "nothing loaded from another host" sh -c "! grep -Eq '(src|href)=\"(https?:)?//' assets/web/console/index.html && ! grep -Eq 'https?://' assets/web/console/app.js assets/web/console/words.js"
for f in /console/app.js /console/words.js /console/app.css /vendor/chart.min.js /vendor/libsodium.js /vendor/libsodium-wrappers.js; do
	check "serves $f" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL$f")" = 200
done
check "Chart.js is Debian's (libjs-chart.js)" cmp -s <(curl -s "$URL/vendor/chart.min.js") /usr/share/javascript/chart.js/chart.min.js
check "libsodium.js is the npm build package-lock.json names" cmp -s <(curl -s "$URL/vendor/libsodium-wrappers.js") node_modules/libsodium-wrappers/dist/modules/libsodium-wrappers.js
for p in /console/../../etc/passwd /console/%2e%2e/%2e%2e/etc/passwd /vendor/../console/app.js /console/ /vendor/x.js /index.html; do
	check "no file for $p" test "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL$p")" = 404
done

# ---- the doors: no token, the wrong role, bad input ----
for e in "GET /api/v1/whoami" "GET /api/v1/tokens" "POST /api/v1/tokens {\"role\":\"admin\"}" "POST /api/v1/tokens/revoke {\"id\":\"12345678\"}" "GET /api/v1/devices" "POST /api/v1/devices/revoke {\"device\":\"0123456789abcdef\"}" "GET /api/v1/audit"; do
	set -- $e
	check "$1 $2 without a token: 401" test "$(code - "$@")" = 401
done
R=$(req - GET /api/v1/whoami)
check "a 401 says what is needed, as JSON" test "$R" = '401 {"error":"a tracer, patrol or admin token is needed (Authorization: Bearer ...)"}'
check "an enrolment token is not for the console (403)" test "$(req enrol GET /api/v1/whoami)" = '403 {"error":"an enrolment token is for a kiosk, not for the console"}'
check "whoami: a patrol token's role and ward" test "$(req patrol GET /api/v1/whoami > /dev/null; json_get "$T_DIR/body" '(d["role"], d["ward"])')" = "('patrol', 'Bến Nghé')"
for r in tracer patrol; do
	for e in "GET /api/v1/tokens" "POST /api/v1/tokens {\"role\":\"admin\"}" "POST /api/v1/tokens/revoke {\"id\":\"12345678\"}" "GET /api/v1/devices" "POST /api/v1/devices/revoke {\"device\":\"0123456789abcdef\"}" "GET /api/v1/audit"; do
		set -- $e
		check "$1 $2 with a $r token: 403" test "$(code $r "$@")" = 403
	done
done
check "a patrol token may not mint an admin token (none made)" test "$(t_sql "$CDB" "select count(*) from tokens where role = 'admin'")" = 1
check "a patrol token of another ward gets no report of this one" test "$(code patrol2 GET "/api/v1/report?ward=B%E1%BA%BFn%20Ngh%C3%A9")" = 403
check "a tracer token gets no report" test "$(code tracer GET "/api/v1/report?ward=x")" = 403
check "both refusals are in the audit" test "$(t_sql "$CDB" "select count(*) from audit where action = 'report' and detail like '%refused%'")" = 2
check "a patrol token cannot trace" test "$(code patrol GET "/api/v1/trace?subject=cccd:079090000001&reason=abc")" = 403
TOKENS=$(t_sql "$CDB" "select count(*) from tokens")
for b in '{"role":"patrol","wrd":"Bến Nghé"}' '{"role":"admin","expires_days":-1}' '{"role":"patrol","ward":"   "}' "{\"role\":\"patrol\",\"ward\":\"Bến$(printf '\u200b')Nghé\"}" '{"role":"device-enrolment","ward":"W","venue_id":"V","collector_url":"http://"}' '{"role":"device-enrolment","ward":"W","venue_id":"V","collector_url":"https://x\u001b[2J"}' '{}' '{"role":"root"}' '{"role":"tracer","expires_days":0}' '{"role":"tracer","expires_days":99999999999999999999}' '{"role":"tracer","expires_days":"7"}' '{"role":"device-enrolment"}' '{"role":"tracer","venue_id":"X"}' '{"role":"device-enrolment","ward":"W","venue_id":"a b"}' '{"role":"device-enrolment","ward":"W","venue_id":"V","hours":"25:00-26:00"}' '{"role":"device-enrolment","ward":"W","venue_id":"V","collector_url":"ftp://x"}' "{\"role\":\"tracer\",\"ward\":\"$(head -c 300 /dev/zero | tr '\0' a)\"}" '{"role":"tracer","role":"admin"}' 'not json'; do
	check "POST /api/v1/tokens $b: 400" test "$(code admin POST /api/v1/tokens "$b")" = 400
done
check "a refused token request says why" test "$(json_get "$T_DIR/body" 'd["error"]')" = 'want {"role": tracer, patrol, admin or device-enrolment, "ward", "expires_days" (1 to 3650)}'
check "no token was made by the refused requests" test "$(t_sql "$CDB" "select count(*) from tokens")" = "$TOKENS"
for b in '{}' '{"id":"1234"}' '{"id":123}' "{\"id\":\"$(head -c 100 /dev/zero | tr '\0' a)\"}"; do
	check "POST /api/v1/tokens/revoke $b: 400" test "$(code admin POST /api/v1/tokens/revoke "$b")" = 400
done
R=$(req admin POST /api/v1/tokens "{\"role\":\"device-enrolment\",\"ward\":\"Bến Nghé\",\"venue_id\":\"BANH-MI-9\",\"venue_name\":\"Bánh mì Chín\",\"hours\":\"06:00-20:00\",\"collector_url\":\"$URL\"}")
check "an enrolment token with its code and sheet: 201" test "${R%% *}" = 201
check "the sheet is a PDF of one page, the code a KE1 code, no bare token" test "$(json_get "$T_DIR/body" '(__import__("base64").b64decode(d["sheet_pdf"])[:5], d["code"][:4], "token" in d)')" = "(b'%PDF-', 'KE1.', False)"
T9=$(tok --role tracer)
check "revoking a token by the token itself works" test "$(req admin POST /api/v1/tokens/revoke "{\"id\":\"$T9\"}")" = '200 {"result":"revoked"}'
check "and the audit names its id, never the token" sh -c "! sqlite3 '${CDB#sqlite:}' 'select detail from audit' | grep -qF '$T9'"
check "a token for a ward nobody has is made, with a note (a typo?)" test "$(req admin POST /api/v1/tokens '{"role":"patrol","ward":"Bến Ngé"}' > /dev/null; json_get "$T_DIR/body" 'd["note"][:28]')" = "no kiosk and no pass issuer "
check "HEAD / answers as GET does (curl -I)" test "$(curl -s -I -o /dev/null -w '%{http_code}' "$URL/")" = 200
check "POST / is not allowed, and says which is" sh -c "curl -s -D - -o /dev/null -X POST '$URL/' | grep -qi '^allow: GET'"
check "API answers are not cached nor sniffed" sh -c "curl -s -D - -o /dev/null -H \"Authorization: Bearer \$(cat '$T_DIR/tracer')\" '$URL/api/v1/whoami' | grep -qi 'cache-control: no-store' && curl -s -D - -o /dev/null '$URL/api/v1/whoami' | grep -qi 'x-content-type-options: nosniff'"
check "whoami names the token's id and the collector's time" test "$(req tracer GET /api/v1/whoami > /dev/null; json_get "$T_DIR/body" '(len(d["token_id"]), d["now"][-6:])')" = "(12, '+07:00')"
check "revoking an unknown token: 404" test "$(req admin POST /api/v1/tokens/revoke '{"id":"ffffffffffff"}')" = '404 {"result":"no_such_token"}'
for b in '{}' '{"device":"../../etc"}' '{"device":"0123456789ABCDEF"}' '{"device":"0123456789abcde"}'; do
	check "POST /api/v1/devices/revoke $b: 400" test "$(code admin POST /api/v1/devices/revoke "$b")" = 400
done
check "revoking an unknown device: 404" test "$(code admin POST /api/v1/devices/revoke '{"device":"0123456789abcdef"}')" = 404
check "GET /api/v1/tokens never shows a token" sh -c "! grep -qF \"\$(cat '$T_DIR/admin')\" '$T_DIR/body'" "$(req admin GET /api/v1/tokens > /dev/null)"
check "the token list: every token, by a 12-digit id, its role and state" test "$(req admin GET /api/v1/tokens > /dev/null; json_get "$T_DIR/body" '(len(d["tokens"]), set(len(t["id"]) for t in d["tokens"]), sorted(set((t["role"], t["state"]) for t in d["tokens"])))')" = "($(t_sql "$CDB" "select count(*) from tokens"), {12}, [('admin', 'usable'), ('device-enrolment', 'usable'), ('device-enrolment', 'used'), ('patrol', 'usable'), ('tracer', 'revoked'), ('tracer', 'usable')])"
check "devices: the four kiosks" test "$(req admin GET /api/v1/devices > /dev/null; json_get "$T_DIR/body" 'sorted(x["venue_id"] for x in d["devices"])')" = "['CAFE-A', 'CAFE-A', 'QUAN-B', 'SHOP-D']"
check "audit filters: a bad time is a 400" test "$(code admin GET '/api/v1/audit?from=yesterday')" = 400
check "a trace for the console: sealed fields given sealed, never opened" sh -c "curl -s -G -H \"Authorization: Bearer \$(cat '$T_DIR/tracer')\" '$URL/api/v1/trace' --data-urlencode subject=cccd:079090000001 --data-urlencode 'reason=ca E2E-WEB-0' --data-urlencode from=2026-11-16 --data-urlencode to=2026-11-18 --data-urlencode sealed=1 > '$T_DIR/sealed.json' && grep -q '\"sealed\":\"' '$T_DIR/sealed.json' && ! grep -q 'Nguyễn' '$T_DIR/sealed.json' && ! grep -q '\"personal\"' '$T_DIR/sealed.json'"
check "without sealed=1, no sealed fields" sh -c "curl -s -G -H \"Authorization: Bearer \$(cat '$T_DIR/tracer')\" '$URL/api/v1/trace' --data-urlencode subject=cccd:079090000001 --data-urlencode 'reason=ca E2E-WEB-0' --data-urlencode from=2026-11-16 --data-urlencode to=2026-11-18 | grep -vq '\"sealed\"'"
check "the audit says sealed fields were given" test "$(req admin GET '/api/v1/audit?action=trace' > /dev/null; json_get "$T_DIR/body" '[(a["detail"]["reason"], a["detail"]["sealed_given"]) for a in d if "reason" in a["detail"]]')" = "[('ca E2E-WEB-0', True), ('ca E2E-WEB-0', False)]"

# ---- every page in a real browser ----
# The browser drives the same handlers the requests above reach; under
# ASan (tests/run.sh) those requests are the run, the pages once.
case $COLL in *asan*) echo "# the browser's part runs with the normal build"; t_done; exit ;; esac
OUT=build/test-output/console
rm -rf "$OUT"
/usr/bin/python3 tests/console_browser.py "$URL" "$T_DIR" "$OUT" > "$T_DIR/browser.json" 2> "$T_DIR/browser.err"
check "chromium drove the console" test -s "$T_DIR/browser.json"
[ -s "$T_DIR/browser.json" ] || tail -5 "$T_DIR/browser.err"
B() { json_get "$T_DIR/browser.json" "$1"; }
check "the browser went through every page" test "$(B '"error" in d')" = False
[ "$(B '"error" in d')" = False ] || B 'd["error"] + " / on the page: " + d["error_msg"]' | sed 's/^/# /' 
check "log-in page: Vietnamese, the token field has the focus" test "$(B '(d["login_page"]["lang"], d["login_page"]["title"], d["login_page"]["focus"])')" = "('vi', 'Bảng điều khiển check-in', 'token')"
check "a wrong token: said in words, no pages, nothing kept" test "$(B '(d["bad_token"]["msg"][:38], d["bad_token"]["nav"], d["bad_token"]["login_shown"], d["bad_token"]["stored"])')" = "('Token không hợp lệ, đã hết hạn hoặc đã', [], True, 0)"
check "tracer: the trace page only; the token in sessionStorage, not the URL" test "$(B '(d["tracer"]["nav"], d["tracer"]["who"], d["tracer"]["url"].endswith("/#trace"), d["tracer"]["token_in_storage"])')" = "(['trace'], 'Người truy vết', True, True)"
check "the token is in no URL the collector saw" sh -c "! grep -qF \"\$(cat '$T_DIR/tracer')\" '$T_DIR/coll.out' '$T_DIR/coll.err'"
check "trace: the summary" test "$(B 'd["trace"]["summary"]')" = "2 lượt ghé của ca bệnh, 3 F1, 4 F2."
check "trace: exactly the scenario's F1, with overlap minutes" test "$(B 'sorted((r[0], r[5], r[2]) for r in d["trace"]["f1"])')" = "[('cccd:079090000004', '20', 'Cà phê Góc Phố (CAFE-A)'), ('phone:0901000001', '30', 'Cà phê Góc Phố (CAFE-A)'), ('phone:0901000005', '20', 'Quán Bún Bò (QUAN-B)')]"
check "trace: exactly its F2, each with the F1 it came through" test "$(B 'sorted((r[0], r[6], r[5]) for r in d["trace"]["f2"])')" = "[('cccd:079090000008', 'phone:0901000001', '30'), ('cccd:079090000011', 'phone:0901000005', '40'), ('phone:0901000003', 'phone:0901000001', '40'), ('phone:0901000009', 'phone:0901000001', '40')]"
check "trace: the case's visits, the assumed check-out said" test "$(B '[(r[2], r[4]) for r in d["trace"]["visits"]]')" = "[('Cà phê Góc Phố (CAFE-A)', '2026-11-16 10:00'), ('Quán Bún Bò (QUAN-B)', '2026-11-16 15:00 (ước tính)')]"
check "trace: a timeline per venue, drawn" test "$(B '(d["trace"]["timelines"], d["trace"]["charts_drawn"])')" = "(2, True)"
check "trace: sorted by overlap with the keyboard (Enter twice: descending)" test "$(B 'd["f1_sorted_desc"]')" = "['30', '20', '20']"
check "names sealed before the key file" test "$(B 'sorted(set(r[1] for r in d["trace"]["f1"] + d["trace"]["f2"]))')" = "['', '(niêm phong)']"
check "and the page says why" test "$(B 'd["trace"]["key_state"][:35]')" = "Tên và thông tin cá nhân đang niêm "
check "the key file opens them in the browser: the case's name" test "$(B 'd["opened"]["case_name"]')" = "Nguyễn Văn An"
check "and the F1's and F2's, only theirs" test "$(B '[n for n in d["opened"]["names"] if n]')" = "['=HYPERLINK(\"http://evil.example\",\"x\")', 'Lê Văn Cường', 'Trần Thị Bình']"
check "the page says how many it opened" test "$(B 'd["opened"]["key_state"]')" = "Đã mở 4 hồ sơ bằng khóa này (chỉ trên máy này)."
check "the collector never got the key (no request carried it)" sh -c "! grep -q x25519-secret '$T_DIR/coll.out' '$T_DIR/coll.err'"
check "a file that is not the secret key is refused in words" test "$(B 'd["wrong_key"]')" = "Tệp này không phải khóa bí mật x25519 của cơ quan y tế."
check "the CSV downloads and parses back: case, F1, F2 rows" test "$(B 'sorted((r["list"], r["subject"], r["overlap_min"]) for r in d["csv"] if r["list"] != "case")')" = "[('F1', 'cccd:079090000004', '20'), ('F1', 'phone:0901000001', '30'), ('F1', 'phone:0901000005', '20'), ('F2', 'cccd:079090000008', '30'), ('F2', 'cccd:079090000011', '40'), ('F2', 'phone:0901000003', '40'), ('F2', 'phone:0901000009', '40')]"
check "the CSV keeps Vietnamese and holds no opened name" test "$(B '(d["csv"][0]["venue"], sorted(set(r["name"] for r in d["csv"])))')" = "('Cà phê Góc Phố', [''])"
check "the JSON downloads, with the F1, and holds no opened field" test "$(B '(d["json_downloaded"], d["json_f1"], d["json_has_opened"])')" = "(True, 3, False)"
check "logged out and in again: no answer, no name, no case left on the page" test "$(B '(d["after_logout"]["out_hidden"], d["after_logout"]["name_on_page"], d["after_logout"]["case_field"])')" = "(True, False, '')"
check "English at a press" test "$(B '(d["trace_en"]["title"], d["trace_en"]["summary"], d["trace_en"]["f1_heads"][5])')" = "('Contact trace', '2 visits of the case, 3 F1, 4 F2.', 'Overlap (min)')"
check "a case written wrongly is said, as on the CLI" test "$(B 'd["bad_case"].startswith("Ca bệnh viết dạng loại:số, ví dụ cccd:")')" = True
check "a tracer has no report page" test "$(B '(d["tracer_report"]["msg"], d["tracer_report"]["report_shown"])')" = "('Trang này không dành cho vai trò của bạn.', False)"
check "patrol: report and receipts only, its ward filled in" test "$(B '(d["patrol"]["nav"], d["patrol"]["who"], d["patrol"]["ward"])')" = "(['report', 'receipt'], 'Tuần tra phường · Bến Nghé', 'Bến Nghé')"
check "a patrol token gets no tracer page" test "$(B '(d["patrol_trace"]["msg"], d["patrol_trace"]["trace_shown"])')" = "('Trang này không dành cho vai trò của bạn.', False)"
check "report: the summary counts kiosks, venues, the silent and the never-synced" test "$(B 'd["report"]["summary"].split(": ")[1]')" = "3 kiosk ở 2 cơ sở, 2 im lặng trong giờ mở cửa, 0 chưa từng đồng bộ."
check "report: each kiosk's state in words (a silent one flagged)" test "$(B 'sorted((r[0], r[2]) for r in d["report"]["rows"])')" = "[('Cà phê Góc Phố CAFE-A', 'Im lặng trong giờ mở cửa'), ('Cà phê Góc Phố CAFE-A', 'Im lặng trong giờ mở cửa'), ('Quán Bún Bò QUAN-B', 'Hoạt động')]"
check "report: the 7-day chart is drawn" test "$(B 'd["report"]["chart"]')" = True
check "a venue's day: heartbeat gaps and inspections" sh -c "echo \"\$0\" | grep -q 'Mất nhịp trong ngày' && echo \"\$0\" | grep -q 'Các lần kiểm tra'" "$(B 'd["detail"]')"
check "the print view is A4 (a PDF page)" sh -c "pdfinfo '$OUT/console-report-print.pdf' | grep -q 'Page size:.*(A4)'"
check "a receipt pasted: valid, its venue" test "$(B 'd["receipt"].split(chr(10))[0]')" = "Biên nhận HỢP LỆ"
check "a receipt altered: not valid, and why" sh -c "echo \"\$0\" | head -1 | grep -q 'Biên nhận KHÔNG hợp lệ' && echo \"\$0\" | grep -q 'bad signature'" "$(B 'd["receipt_bad"]')"
check "admin: report, receipts, tokens, kiosks, audit; no trace" test "$(B 'd["admin"]["nav"]')" = "['report', 'receipt', 'tokens', 'devices', 'audit']"
check "a token issued from the page, shown once" test "$(B 'len(d["new_token"])')" = 43
check "an enrolment token with its sheet" test "$(B '(d["sheet"]["text"].split(chr(10))[0], d.get("sheet_downloaded"))')" = "('Mã đăng ký kiosk đã tạo.', True)"
check "revoked from the page (two presses, no dialog)" test "$(B 'd["revoked_msg"]')" = "Đã thu hồi $(B 'd["revoke_id"]')."
check "the revoked token no longer logs in" test "$(B '(d["revoked_login"]["msg"][:20], d["revoked_login"]["nav"])')" = "('Token không hợp lệ, ', [])"
check "kiosks listed, each with a revoke button" test "$(B 'sorted((r[1], r[6]) for r in d["devices"])')" = "[('Cà phê Góc Phố (CAFE-A)', 'Thu hồi'), ('Cà phê Góc Phố (CAFE-A)', 'Thu hồi'), ('Quán Bún Bò (QUAN-B)', 'Thu hồi'), ('Tạp hoá Dũng (SHOP-D)', 'Thu hồi')]"
check "the audit, filtered to traces: the page's trace with its reason" sh -c "echo \"\$0\" | grep -q 'cccd:079090000001 · ca E2E-WEB-1'" "$(B 'd["audit_trace"]')"
check "the audit: the web's token, its revoke, the enrolment sheet" test "$(t_sql "$CDB" "select group_concat(action, ',') from (select action from audit where who like 'http:admin:%' order by at_ms)")" = "token,revoke,token,token,token,revoke"
check "phone (390x844): the trace, nothing wider than the screen" test "$(B '(d["phone_trace_rows"], d["phone_overflow"], d["phone_report_overflow"])')" = "(3, True, True)"
check "page times measured (trace, report)" test "$(B '(d["trace_ms"] > 0, d["report_ms"] > 0)')" = "(True, True)"
for s in login-vi-1366 trace-vi-1366 trace-opened-vi-1366 trace-en-1366 report-vi-1366 report-detail-vi-1366 report-print-a4 receipt-vi-1366 tokens-vi-1366 devices-vi-1366 audit-vi-1366 trace-vi-390 report-vi-390 report-en-390 receipt-en-390 login-vi-390; do
	[ -s "$OUT/console-$s.png" ] || not_ok "screenshot $s"
done
check "screenshots of every page at both sizes" test "$(ls "$OUT"/console-*.png | wc -l)" = 16
t_done
