#!/bin/bash
# e2e_trace: tracing and ward reports on a scenario with a known answer
# (tests/scenario.c says who must and must not be found). The trace from
# the command line and over HTTP, depth 1 and 2, a lower overlap rule,
# sealed fields opened only with the authority's key, the CSV export read
# back (formula escaped, Vietnamese intact), the audit log holding every
# trace, tokens of other roles refused; the ward report; patrol receipts.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
COLL=${COLLECTOR:-build/bin/collector}
t_setup
export KIOSK_LOG_LEVEL=warn TZ='<+07>-7'
CDB=$(t_collector_db trace)
DAY=$(date -d '2026-11-16T00:00:00+07:00' +%s)000
check "the scenario loads" build/tests/scenario "$CDB" "$T_DIR" "$DAY"
CASE=cccd:079090000001
W=(--from 2026-11-16 --to 2026-11-18)

# py FILE EXPR: evaluate EXPR over the JSON in FILE (d), print the result.
py() { json_get "$1" "$2"; }
F1_SET='sorted((x["subject"], x["overlap_min"], x["venue_id"]) for x in d["f1"])'
F2_SET='sorted((x["subject"], x["via"], x["overlap_min"]) for x in d["f2"])'
F1_WANT="[('cccd:079090000004', 20, 'CAFE-A'), ('phone:0901000001', 30, 'CAFE-A'), ('phone:0901000005', 20, 'QUAN-B')]"
F2_WANT="[('cccd:079090000008', 'phone:0901000001', 30), ('cccd:079090000011', 'phone:0901000005', 40), ('phone:0901000003', 'phone:0901000001', 40), ('phone:0901000009', 'phone:0901000001', 40)]"

check_exit "trace, depth 1, JSON" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE "${W[@]}" --format json
cp "$T_DIR/out" "$T_DIR/d1.json"
check "the JSON has case, visits, f1, f2, complete" test "$(py "$T_DIR/d1.json" 'list(d)')" = "['case', 'visits', 'f1', 'f2', 'complete']"
check "and says the answer is whole" test "$(py "$T_DIR/d1.json" 'd["complete"]')" = True
check "the case's two visits, one checked out, one assumed" test "$(py "$T_DIR/d1.json" '[(v["venue_id"], v["out_assumed"]) for v in d["visits"]]')" = "[('CAFE-A', False), ('QUAN-B', True)]"
check "exactly the expected F1, with overlap minutes" test "$(py "$T_DIR/d1.json" "$F1_SET")" = "$F1_WANT"
check "no F2 at depth 1" test "$(py "$T_DIR/d1.json" 'len(d["f2"])')" = 0
check "nothing personal without the authority's key" test "$(py "$T_DIR/d1.json" '"personal" in str(d)')" = False

check_exit "trace, depth 2" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE "${W[@]}" --depth 2 --format json
cp "$T_DIR/out" "$T_DIR/d2.json"
check "the same F1" test "$(py "$T_DIR/d2.json" "$F1_SET")" = "$F1_WANT"
check "exactly the expected F2, each with the F1 it came through" test "$(py "$T_DIR/d2.json" "$F2_SET")" = "$F2_WANT"
check "nobody listed twice" test "$(py "$T_DIR/d2.json" 'len(set(x["subject"] for x in d["f1"] + d["f2"])) == len(d["f1"]) + len(d["f2"])')" = True
check "no F3, no contact from before the F1 met the case" test "$(py "$T_DIR/d2.json" '[s for s in ("0901000002","0901000006","0901000007","0901000010","0901000012") if s in str(d)]')" = "[]"

check_exit "a lower overlap rule (5 min)" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE "${W[@]}" --min-overlap 5 --format json
check "it adds the 10-minute contacts (the same person at two venues)" test "$(json_get "$T_DIR/out" 'sorted((x["subject"], x["venue_id"], x["overlap_min"]) for x in d["f1"])')" = "[('cccd:079090000004', 'CAFE-A', 20), ('phone:0901000001', 'CAFE-A', 30), ('phone:0901000001', 'QUAN-B', 10), ('phone:0901000003', 'CAFE-A', 10), ('phone:0901000005', 'QUAN-B', 20)]"
check_exit "a longer default stay (150 min)" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE "${W[@]}" --default-stay 150 --format json
check "it adds the visitor who came after the hour" test "$(json_get "$T_DIR/out" '"phone:0901000006" in [x["subject"] for x in d["f1"]]')" = True
check_exit "a window without the case's visits" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE --from 2026-11-20 --to 2026-11-21 --format json
check "finds nothing" test "$(json_get "$T_DIR/out" '(len(d["visits"]), len(d["f1"]))')" = "(0, 0)"
check_exit "a bad subject is a usage error" 2 $COLL trace --db "$CDB" --reason "case E2E-1" --subject "cccd:12"
check "it says what a subject looks like" grep -q "KIND:ID" "$T_DIR/err"
check_exit "the phone number in +84 form is the same person" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject phone:+84901000005 "${W[@]}" --format json
check "found as F1 of ... the case" test "$(json_get "$T_DIR/out" '"cccd:079090000001" in [x["subject"] for x in d["f1"]]')" = True

check_exit "with the authority's secret key" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE "${W[@]}" --depth 2 --format json --authority-secret "$T_DIR/authority.sec"
check "the case's name is opened" test "$(json_get "$T_DIR/out" 'd["case"]["personal"]["name"]')" = "Nguyễn Văn An"
check "and the F1's and F2's, only theirs" test "$(json_get "$T_DIR/out" 'sorted(x["personal"]["name"] for x in d["f1"] + d["f2"] if "personal" in x)')" = "['=HYPERLINK(\"http://evil.example\",\"x\")', 'Lê Văn Cường', 'Trần Thị Bình']"
check "the JSON's date_of_birth beside the card's dob" test "$(json_get "$T_DIR/out" '(d["case"]["personal"]["dob"], d["case"]["personal"]["date_of_birth"])')" = "('14031995', '1995-03-14')"

check_exit "CSV export" 0 $COLL trace --db "$CDB" --reason "case E2E-1" --subject $CASE "${W[@]}" --depth 2 --format csv --authority-secret "$T_DIR/authority.sec" --out "$T_DIR/trace.csv"
check "it starts with a UTF-8 BOM" test "$(head -c 3 "$T_DIR/trace.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
cat > "$T_DIR/readback.py" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
d = json.load(open(sys.argv[2]))
want = [("case", v["subject"], v["venue_id"], "") for v in d["visits"]] + \
       [("F1", v["subject"], v["venue_id"], str(v["overlap_min"])) for v in d["f1"]] + \
       [("F2", v["subject"], v["venue_id"], str(v["overlap_min"])) for v in d["f2"]]
got = [(r["list"], r["subject"], r["venue_id"], r["overlap_min"]) for r in rows]
names = {r["subject"]: r["name"] for r in rows if r["name"]}
print(got == want, names.get("cccd:079090000008"), names.get("cccd:079090000001"), rows[0]["venue"])
PY
python3 "$T_DIR/readback.py" "$T_DIR/trace.csv" "$T_DIR/d2.json" > "$T_DIR/csv.out"
check "read back, the CSV has the same rows as the JSON" test "$(cut -d' ' -f1 "$T_DIR/csv.out")" = True
check "a formula in a name comes out escaped" grep -q "^True '=HYPERLINK" "$T_DIR/csv.out"
check "Vietnamese comes out intact" grep -q "Nguyễn Văn An Cà phê Góc Phố$" "$T_DIR/csv.out"
# What a tracer needs to reach a contact, in the CSV.
cat > "$T_DIR/contact.py" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
by = {}
for r in rows:
    by.setdefault(r["subject"], r)
c = by["cccd:079090000001"]
p = by["phone:0901000001"]
print(c["date_of_birth"], "|", c["home_address"], "|", c["ward"], "|", c["address"], "|",
      c["in"][:19], c["in_utc"], "|", p["phone"], p["date_of_birth"] == "")
PY
check "contacts: date of birth as a date, home address, the venue's address and ward, local and UTC times, the phone" \
	test "$(python3 "$T_DIR/contact.py" "$T_DIR/trace.csv")" = "1995-03-14 | 12 Đường Số 1, P. Bến Nghé | Bến Nghé | 12 Lê Lợi | 2026-11-16T09:00:00 2026-11-16T02:00:00Z | 0901000001 True"

# Over HTTP, with tokens of each role.
$COLL serve --listen 127.0.0.1:0 --db "$CDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait 2>/dev/null; t_cleanup' EXIT
URL=$(t_listening "$T_DIR/coll.out")
TRACER=$($COLL token --db "$CDB" --role tracer | tail -1)
PATROL=$($COLL token --db "$CDB" --role patrol --ward "Bến Nghé" | tail -1)
OTHER=$($COLL token --db "$CDB" --role patrol --ward "Phường 2" | tail -1)
DEVICE=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
Q="subject=$CASE&reason=case%20E2E-1&from=2026-11-16&to=2026-11-18&depth=2"
get() {	# $1 token, $2 path -> status; body in $T_DIR/body
	curl -s -o "$T_DIR/body" -w '%{http_code}' ${1:+-H "Authorization: Bearer $1"} "$URL$2"
}
check "HTTP trace with a tracer token" test "$(get "$TRACER" "/api/v1/trace?$Q")" = 200
check "the same F1 and F2 as the command line" test "$(py "$T_DIR/body" "$F1_SET") $(py "$T_DIR/body" "$F2_SET")" = "$F1_WANT $F2_WANT"
check "HTTP CSV export" test "$(get "$TRACER" "/api/v1/trace?$Q&format=csv")" = 200
check "with its BOM and every row" test "$(head -c 3 "$T_DIR/body" | od -An -tx1 | tr -d ' ') $(wc -l < "$T_DIR/body")" = "efbbbf 10"
check "a patrol token cannot trace (403)" test "$(get "$PATROL" "/api/v1/trace?$Q")" = 403
check "a device-enrolment token cannot trace (403)" test "$(get "$DEVICE" "/api/v1/trace?$Q")" = 403
check "no token: 401" test "$(get "" "/api/v1/trace?$Q")" = 401
check "a made-up token: 401" test "$(get "not-a-token" "/api/v1/trace?$Q")" = 401
check "a bad subject: 400 with a reason" sh -c "[ $(get "$TRACER" "/api/v1/trace?subject=x") = 400 ] && grep -q subject=KIND:ID '$T_DIR/body'"

check_exit "collector audit" 0 $COLL audit --db "$CDB" --format json
cp "$T_DIR/out" "$T_DIR/audit.json"
check "every trace is in the audit log (8 from the command line, 2 over HTTP)" test "$(json_get "$T_DIR/out" '[e["who"].split(":")[0] for e in d if "subject" in e["detail"]]')" = "['cli', 'cli', 'cli', 'cli', 'cli', 'cli', 'cli', 'cli', 'http', 'http']"
check "with who, when, which subject and how many results" test "$(json_get "$T_DIR/out" '[(e["who"].split(":")[1], e["at_ms"] > 0, e["detail"]["subject"], e["detail"]["depth"], e["results"]) for e in d if "subject" in e["detail"]][-1]')" = "('tracer', True, 'cccd:079090000001', 2, 7)"
check "the refused tries too, naming the role" test "$(json_get "$T_DIR/out" 'sorted(e["who"].split(":")[1] for e in d if "refused" in e["detail"])')" = "['device-enrolment', 'patrol']"
check "no token or secret in the audit log" sh -c "! grep -q -e '$TRACER' -e '$PATROL' '$T_DIR/out'"
ADMIN=$($COLL token --db "$CDB" --role admin | tail -1)
check "HTTP audit log with an admin token" test "$(get "$ADMIN" /api/v1/audit)" = 200
check "the same entries" test "$(py "$T_DIR/body" 'len(d)')" = 12
check "a tracer cannot read the audit log (403)" test "$(get "$TRACER" /api/v1/audit)" = 403
check_exit "the audit log as a table" 0 $COLL audit --db "$CDB"
check "a header and one line an entry (the tracer's refused read is one)" test "$(wc -l < "$T_DIR/out")" = 14
check "in words: local time, who, the case and the reason" sh -c "head -1 '$T_DIR/out' | grep -q 'when (local).*who.*action.*case.*answers.*reason' && grep -q '^20..-..-.. ..:..:..  cli:.* trace .*$CASE .*case E2E-1' '$T_DIR/out' && ! grep -q 'at_ms' '$T_DIR/out'"
check "every trace keeps its reason" test "$(json_get "$T_DIR/audit.json" '[e["detail"].get("reason") for e in d if e["action"] == "trace"].count("case E2E-1")')" = 10
check_exit "a trace with no reason: usage error" 2 $COLL trace --db "$CDB" --subject $CASE
check "says a reason or case reference is needed" grep -q "needs its reason or the case's reference" "$T_DIR/err"
check "over HTTP too: 400" sh -c "[ $(get "$TRACER" "/api/v1/trace?subject=$CASE") = 400 ] && grep -q 'reason' '$T_DIR/body'"
check_exit "audit --subject: that case only" 0 $COLL audit --db "$CDB" --subject "$CASE" --format json
check "  its traces, none else" test "$(json_get "$T_DIR/out" 'sorted(set(e["detail"]["subject"] for e in d)), len(d)')" = "(['$CASE'], 9)"
check_exit "audit --who http" 0 $COLL audit --db "$CDB" --who http --format json
check "  the HTTP entries only" test "$(json_get "$T_DIR/out" 'sorted(set(e["who"].split(":")[0] for e in d))')" = "['http']"
check_exit "audit --from tomorrow" 0 $COLL audit --db "$CDB" --from "$(date -d tomorrow +%F)"
check "  nothing, said so" grep -q "(no entries)" "$T_DIR/out"
check_exit "audit --format csv" 0 $COLL audit --db "$CDB" --format csv --subject "$CASE"
check "  a header, local and UTC times, the reason" sh -c "sed -n 1p '$T_DIR/out' | grep -q 'at_local,at_utc,who,action,subject,reason,results,detail' && sed -n 2p '$T_DIR/out' | grep -q 'Z,cli:.*,trace,$CASE,case E2E-1,'"
check_exit "audit --from nonsense: usage error" 2 $COLL audit --db "$CDB" --from yesterday-ish
check_exit "audit --from and --to one day: that whole day" 0 $COLL audit --db "$CDB" --from "$(date +%F)" --to "$(date +%F)" --format json
check "  holds today's traces" test "$(json_get "$T_DIR/out" 'len([e for e in d if e["action"] == "trace" and "subject" in e["detail"]])')" = 10
check_exit "audit --from after --to: usage error" 2 $COLL audit --db "$CDB" --from "$(date +%F)" --to 2020-01-01
check "  said" grep -q "must come before" "$T_DIR/err"
check_exit "a reason of spaces is no reason" 2 $COLL trace --db "$CDB" --subject $CASE --reason "     "

# Ward report, for the scenario's day: CAFE-A's A1 sent heartbeats from
# 08:00 to 12:00 (then nothing: a gap), A2 and QUAN-B none.
check_exit "collector report" 0 $COLL report --db "$CDB" --ward "Bến Nghé" --date 2026-11-16 --format json
cp "$T_DIR/out" "$T_DIR/report.json"
# A1 is the CAFE-A kiosk that sent heartbeats.
A1='[v for v in d["venues"] if v["last_heartbeat"]][0]'
check "every kiosk of the ward, none of another" test "$(py "$T_DIR/report.json" '[v["venue_id"] for v in d["venues"]]')" = "['CAFE-A', 'CAFE-A', 'QUAN-B']"
check "check-ins per day, 7 days, the day last" test "$(py "$T_DIR/report.json" 'sorted((v["venue_id"], len(v["visits_per_day"]), v["visits_per_day"][-1]["date"], v["visits_per_day"][-1]["visits"], v["visits_per_day"][0]["visits"]) for v in d["venues"])')" = "[('CAFE-A', 7, '2026-11-16', 2, 0), ('CAFE-A', 7, '2026-11-16', 4, 0), ('QUAN-B', 7, '2026-11-16', 8, 0)]"
check "last heartbeat, backlog and inspections from the kiosk" test "$(py "$T_DIR/report.json" "($A1[\"last_heartbeat\"], $A1[\"backlog\"], $A1[\"inspections\"][\"last_24h\"], d[\"venues\"][2][\"backlog\"])")" = "('2026-11-16T12:00:00+07:00', 3, 1, None)"
check "heartbeat gaps: before 08:00 and after 12:00" test "$(py "$T_DIR/report.json" "[(g[\"from\"][11:16], g[\"to\"][11:16], g[\"minutes\"]) for g in $A1[\"heartbeat_gaps\"]]")" = "[('00:00', '08:00', 480), ('12:00', '00:00', 720)]"
check "the patrol's inspection, reported in every later heartbeat, recorded once" test "$(py "$T_DIR/report.json" "[(x[\"at\"][11:16], x[\"pass_id\"], x[\"issuer\"]) for x in $A1[\"inspections\"][\"on_day\"]]")" = "[('10:20', 'CA-BN-07', 'Công an phường Bến Nghé')]"
check "silent kiosks are flagged" test "$(py "$T_DIR/report.json" '[v["silent"] for v in d["venues"]], d["silent"]')" = "([True, True, True], 3)"
check "last upload" test "$(py "$T_DIR/report.json" '[v["last_upload"] is not None for v in d["venues"]]')" = "[True, True, True]"
check_exit "report as CSV" 0 $COLL report --db "$CDB" --ward "Bến Nghé" --date 2026-11-16 --format csv
check "CSV with a BOM and a row a kiosk" test "$(head -c 3 "$T_DIR/out" | od -An -tx1 | tr -d ' ') $(wc -l < "$T_DIR/out")" = "efbbbf 4"
check_exit "report as a table" 0 $COLL report --db "$CDB" --ward "Bến Nghé" --date 2026-11-16
check "it flags the silent ones" test "$(grep -c '^SILENT' "$T_DIR/out")" = 3
check "and lists the inspection" grep -q "inspected 2026-11-16T10:20:00+07:00 by pass CA-BN-07" "$T_DIR/out"
# Wards as people type them.
check_exit "report --ward typed without marks" 0 $COLL report --db "$CDB" --ward "ben nghe" --date 2026-11-16 --format json
check "finds the same kiosks" test "$(py "$T_DIR/out" '[v["venue_id"] for v in d["venues"]]')" = "['CAFE-A', 'CAFE-A', 'QUAN-B']"
check_exit "report --ward in capitals, decomposed marks" 0 $COLL report --db "$CDB" --ward "$(printf 'BE\xcc\x82\xcc\x81N  NGHE\xcc\x81')" --date 2026-11-16 --format json
check "the same kiosks again" test "$(py "$T_DIR/out" 'len(d["venues"])')" = 3
check_exit "a ward nobody has: exit 3" 3 $COLL report --db "$CDB" --ward "Ben Nge" --date 2026-11-16
check "lists the closest names, the nearest first" sh -c "sed -n 2p '$T_DIR/err' | grep -q 'Bến Nghé (2 venues)'"
check "and answers no empty report" test ! -s "$T_DIR/out"
check_exit "collector wards" 0 $COLL wards --db "$CDB"
check "lists each ward with its venues and devices" sh -c "grep -q 'Bến Nghé .* 2 venues, *3 devices' '$T_DIR/out' && grep -q 'Phường 2 .* 1 venues, *1 devices' '$T_DIR/out'"
check_exit "collector wards --json" 0 $COLL wards --db "$CDB" --json
check "as JSON" test "$(py "$T_DIR/out" '[(w["ward"], w["venues"], w["devices"]) for w in d]')" = "[('Bến Nghé', 2, 3), ('Phường 2', 1, 1)]"
check_exit "a patrol token for the ward typed in capitals, no marks" 0 $COLL token --db "$CDB" --role patrol --ward "BEN NGHE"
check "  is for the ward as enrolled, and says so" sh -c "grep -q \"is the ward 'Bến Nghé'\" '$T_DIR/err' && grep -q 'for ward Bến Nghé' '$T_DIR/out'"
check_exit "a patrol token for a mistyped ward" 0 $COLL token --db "$CDB" --role patrol --ward "Ben Nhge"
check "  warns: a new ward, or a typo, with the closest" sh -c "grep -q 'a new ward, or a typo' '$T_DIR/err' && grep -q 'Bến Nghé (2 venues)' '$T_DIR/err'"
check_exit "the report of a ward typed otherwise names it as enrolled" 0 $COLL report --db "$CDB" --ward "ben nghe" --date 2026-11-16 --format json
check "  Bến Nghé" test "$(py "$T_DIR/out" 'd["ward"]')" = "Bến Nghé"
check "HTTP report: the patrol's ward typed without marks" test "$(get "$PATROL" "/api/v1/report?ward=Ben%20Nghe&date=2026-11-16")" = 200
check "HTTP report with the ward's patrol token" test "$(get "$PATROL" "/api/v1/report?date=2026-11-16")" = 200
check "the same venues" test "$(py "$T_DIR/body" '[v["venue_id"] for v in d["venues"]]')" = "['CAFE-A', 'CAFE-A', 'QUAN-B']"
check "another ward's patrol token: 403" test "$(get "$OTHER" "/api/v1/report?ward=B%E1%BA%BFn%20Ngh%C3%A9")" = 403
check "a tracer token cannot read reports: 403" test "$(get "$TRACER" "/api/v1/report?ward=x")" = 403

# Receipts from a kiosk's patrol screen.
R=$(cat "$T_DIR/receipt.txt")
check_exit "collector verify-receipt" 0 $COLL verify-receipt --db "$CDB" "$R"
check "valid, from CAFE-A's kiosk" test "$(json_get "$T_DIR/out" '(d["valid"], d["venue_id"], d["venue"], d["receipt"]["today"])')" = "(True, 'CAFE-A', 'Cà phê Góc Phố', 6)"
BAD=$(python3 -c 'import sys; r=sys.argv[1]; i=len(r)-5; print(r[:i] + ("A" if r[i] != "A" else "B") + r[i+1:])' "$R")
check_exit "an altered receipt is refused (exit 3)" 3 $COLL verify-receipt --db "$CDB" "$BAD"
check "it says why" grep -q '"valid":false' "$T_DIR/out"
check_exit "junk is refused" 3 $COLL verify-receipt --db "$CDB" "hello"
check "HTTP verify-receipt with a patrol token" sh -c "curl -s -H 'Authorization: Bearer $PATROL' -d '{\"receipt\":\"$R\"}' $URL/api/v1/verify-receipt | grep -q '\"valid\":true'"
check "without a token: 401" test "$(curl -s -o /dev/null -w '%{http_code}' -d "{\"receipt\":\"$R\"}" "$URL/api/v1/verify-receipt")" = 401
t_done
