#!/bin/bash
# shards: a city's collector over district shards, for real on 127.0.0.1:
# three PostgreSQL servers, a coordinator and two districts' (Quận 1 and
# Quận 3), made by `collector init --shards FILE`. The known-answer trace
# scenario (tests/scenario.c) is spread over the two districts, so that
# the case's visits and contacts are on both servers; its trace through the
# coordinator gives the same F1 and F2 as on one node, EXPLAIN VERBOSE
# shows each district's part of the queries run on its own server, and a
# kiosk uploading through the collector has its visits land on its
# district's server, once. Also: the config file's mistakes are refused in
# words, a shard or ward is never dropped, and a district's server that is
# down holds back only its own kiosks' batches.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/pg.sh
COLL=${COLLECTOR:-build/bin/collector}
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
if ! ls /usr/share/postgresql/*/extension/postgres_fdw.control > /dev/null 2>&1; then
	echo "# skipped: postgres_fdw is not installed (postgresql-contrib)"
	exit 0
fi
t_setup
export KIOSK_LOG_LEVEL=warn TZ='<+07>-7' PGOPTIONS="-c client_min_messages=warning"
# Three servers, each its own cluster on its own port.
DIRS=()
stop_all() {
	for d in "${DIRS[@]}"; do PG_DIR=$d pg_stop; done
	t_cleanup
}
trap stop_all EXIT
SERVERS=()
for n in 0 1 2; do
	if ! pg_start; then
		echo "# skipped: PostgreSQL cannot start here"
		exit 0
	fi
	DIRS+=("$PG_DIR")
	SERVERS+=("$KIOSK_TEST_PG")
done
COORD=${SERVERS[0]}/kiosk
Q1=${SERVERS[1]}/kiosk_q1
Q3=${SERVERS[2]}/kiosk_q3
ONE=${SERVERS[0]}/kiosk_one
for u in "${SERVERS[0]}/postgres kiosk" "${SERVERS[1]}/postgres kiosk_q1" "${SERVERS[2]}/postgres kiosk_q3" "${SERVERS[0]}/postgres kiosk_one"; do
	set -- $u
	psql -qAt "$1" -c "CREATE DATABASE $2" > /dev/null
done
cat > "$T_DIR/shards.json" <<EOF
{"shards": [
  {"name": "q1", "district": "Quận 1", "db": "$Q1", "wards": ["Bến Nghé", "Đa Kao"]},
  {"name": "q3", "district": "Quận 3", "db": "$Q3", "wards": ["Võ Thị Sáu", "Phường 2"]}
]}
EOF

# ---- mistakes in the file, refused in words ----
bad() {	# $1 what, $2 file text, $3 words expected on stderr
	printf '%s' "$2" > "$T_DIR/bad.json"
	check_exit "refused: $1" 1 $COLL init --db "$COORD" --shards "$T_DIR/bad.json"
	check "  and said: $3" grep -qF "$3" "$T_DIR/err" || sed 's/^/# /' "$T_DIR/err"
}
bad "a ward in two districts" "{\"shards\": [{\"name\": \"q1\", \"district\": \"Quận 1\", \"db\": \"$Q1\", \"wards\": [\"Bến Nghé\"]}, {\"name\": \"q3\", \"district\": \"Quận 3\", \"db\": \"$Q3\", \"wards\": [\"BẾN  NGHÉ\"]}]}" "is in shard q1 and in shard q3"
bad "a misspelt setting" "{\"shards\": [{\"name\": \"q1\", \"district\": \"Quận 1\", \"url\": \"$Q1\", \"wards\": [\"Bến Nghé\"]}]}" "'url' is not a setting here"
bad "a name that is not an identifier" "{\"shards\": [{\"name\": \"Q 1\", \"district\": \"Quận 1\", \"db\": \"$Q1\", \"wards\": [\"Bến Nghé\"]}]}" "lower-case letters"
bad "not JSON" "{\"shards\": [" "(line 1)"
bad "a db that is not PostgreSQL" "{\"shards\": [{\"name\": \"q1\", \"district\": \"Quận 1\", \"db\": \"sqlite:/tmp/x.db\", \"wards\": [\"Bến Nghé\"]}]}" "postgresql://USER"
bad "a shard on the coordinator's own database" "{\"shards\": [{\"name\": \"q1\", \"district\": \"Quận 1\", \"db\": \"$COORD\", \"wards\": [\"Bến Nghé\"]}]}" "a coordinator's"
check_exit "a SQLite collector cannot be a coordinator" 1 $COLL init --db "sqlite:$T_DIR/ward.db" --shards "$T_DIR/shards.json"
check "  it says so" grep -q "need a PostgreSQL coordinator" "$T_DIR/err"

# ---- the coordinator ----
check_exit "collector init --shards makes the coordinator" 0 $COLL init --db "$COORD" --shards "$T_DIR/shards.json"
check "  it names each district and its server (not its URL)" sh -c "grep -q 'shard q1: district Quận 1, 2 wards, on 127.0.0.1:[0-9]* database kiosk_q1' '$T_DIR/out' && grep -q 'shard q3: district Quận 3' '$T_DIR/out'"
check "the coordinator's visits: a partition per district, foreign tables" test "$(psql -qAt "$COORD" -c "SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || pg_get_expr(c.relpartbound, c.oid), ' ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'visits'::regclass")" = "visits_q1:f:FOR VALUES IN ('Quận 1') visits_q3:f:FOR VALUES IN ('Quận 3')"
check "each district's server is a collector database" test "$(psql -qAt "$Q1" -c "SELECT to_regclass('visit_keys') IS NOT NULL AND to_regclass('district_visits') IS NOT NULL")" = t
check_exit "init again with the same file: nothing changes" 0 $COLL init --db "$COORD" --shards "$T_DIR/shards.json"
sed 's/"Đa Kao"\]/"Đa Kao", "Tân Định"]/' "$T_DIR/shards.json" > "$T_DIR/more.json"
check_exit "a ward added to a district" 0 $COLL init --db "$COORD" --shards "$T_DIR/more.json"
check "  it is that district's now" test "$(psql -qAt "$COORD" -c "SELECT shard FROM shard_wards WHERE ward = 'Tân Định'")" = q1
python3 - "$T_DIR/more.json" "$T_DIR/dropped.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["shards"] = d["shards"][:1]
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
check_exit "a district left out of the file is refused" 1 $COLL init --db "$COORD" --shards "$T_DIR/dropped.json"
check "  its visits would no longer be read, it says" grep -q "shard q3 (Quận 3) is not in it" "$T_DIR/err"
sed 's/"Bến Nghé", //' "$T_DIR/more.json" > "$T_DIR/moved.json"
check_exit "a ward taken out of its district is refused" 1 $COLL init --db "$COORD" --shards "$T_DIR/moved.json"
check "  it says why" grep -q "stored twice" "$T_DIR/err"
sed 's/"Quận 3"/"Quận Ba"/' "$T_DIR/more.json" > "$T_DIR/renamed.json"
check_exit "a district renamed is refused" 1 $COLL init --db "$COORD" --shards "$T_DIR/renamed.json"
check "  its visits are filed under its name, it says" grep -q "a district keeps its name" "$T_DIR/err"
psql -qAt "${SERVERS[2]}/postgres" -c "CREATE DATABASE kiosk_new" > /dev/null
sed "s|$Q3|${SERVERS[2]}/kiosk_new|" "$T_DIR/more.json" > "$T_DIR/newdb.json"
check_exit "a district pointed at an empty database is refused" 1 $COLL init --db "$COORD" --shards "$T_DIR/newdb.json"
check "  restore its database there first, it says" grep -q "restore its database there first" "$T_DIR/err"
check "  and the coordinator still reads Quận 3's server" test "$(psql -qAt "$COORD" -c "SELECT conninfo FROM shards WHERE name = 'q3'")" = "$Q3"
python3 - "$T_DIR/more.json" "$T_DIR/twice.json" "$T_DIR/once.json" "${SERVERS[1]}/kiosk_x" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["shards"] += [{"name": "q7", "district": "Quận 7", "db": sys.argv[4], "wards": ["Tân Phong"]},
                {"name": "q9", "district": "Quận 9", "db": sys.argv[4], "wards": ["Phước Long"]}]
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
d["shards"] = d["shards"][:3]
json.dump(d, open(sys.argv[3], "w"), ensure_ascii=False)
PY
psql -qAt "${SERVERS[1]}/postgres" -c "CREATE DATABASE kiosk_x" > /dev/null
check_exit "two new districts on one database are refused" 1 $COLL init --db "$COORD" --shards "$T_DIR/twice.json"
check "  it says whose it is" grep -q "that database belongs to shard q7" "$T_DIR/err"
check_exit "  and the database is free again: one of them takes it" 0 $COLL init --db "$COORD" --shards "$T_DIR/once.json"
TOKEN_BAD=$($COLL token --db "$COORD" --role device-enrolment --ward "Phường 5" 2> "$T_DIR/tok.err")
check "an enrolment token for a ward in no district is refused" test -z "$TOKEN_BAD"
check "  saying to add the ward to a district" grep -q "is in no district of this coordinator's shards" "$T_DIR/tok.err"

# ---- the scenario over two districts, and on one node ----
DAY=$(date -d '2026-11-16T00:00:00+07:00' +%s)000
# CAFE-A's two kiosks in Bến Nghé (Quận 1); QUAN-B in Võ Thị Sáu and
# SHOP-D in Phường 2 (Quận 3).
SCENARIO_WARDS="Bến Nghé,Bến Nghé,Võ Thị Sáu,Phường 2" check "the scenario loads through the coordinator" build/tests/scenario "$COORD" "$T_DIR" "$DAY"
check "  its visits are on the districts' servers: Quận 1's and Quận 3's" test "$(psql -qAt "$Q1" -c "SELECT count(*) FROM visits"),$(psql -qAt "$Q3" -c "SELECT count(*) FROM visits")" = "12,13"
check "  none on the coordinator itself" test "$(psql -qAt "$COORD" -c "SELECT count(*) FROM ONLY visits")" = 0
check "  the coordinator reads both" test "$(psql -qAt "$COORD" -c "SELECT string_agg(district || '=' || n, ' ' ORDER BY district) FROM (SELECT district, count(*) n FROM visits GROUP BY district) x")" = "Quận 1=12 Quận 3=13"
mkdir -p "$T_DIR/one"
check_exit "collector init on one node" 0 $COLL init --db "$ONE"
SCENARIO_WARDS="Bến Nghé,Bến Nghé,Võ Thị Sáu,Phường 2" check "the same scenario on one node" build/tests/scenario "$ONE" "$T_DIR/one" "$DAY"
W=(--from 2026-11-16 --to 2026-11-18)
F1_SET='sorted((x["subject"], x["overlap_min"], x["venue_id"]) for x in d["f1"])'
F2_SET='sorted((x["subject"], x["via"], x["overlap_min"]) for x in d["f2"])'
F1_WANT="[('cccd:079090000004', 20, 'CAFE-A'), ('phone:0901000001', 30, 'CAFE-A'), ('phone:0901000005', 20, 'QUAN-B')]"
F2_WANT="[('cccd:079090000008', 'phone:0901000001', 30), ('cccd:079090000011', 'phone:0901000005', 40), ('phone:0901000003', 'phone:0901000001', 40), ('phone:0901000009', 'phone:0901000001', 40)]"
for db in ONE COORD; do
	check_exit "trace on $db, depth 2" 0 $COLL trace --db "${!db}" --reason "case SHARD-1" --subject cccd:079090000001 "${W[@]}" --depth 2 --format json
	cp "$T_DIR/out" "$T_DIR/$db.json"
	check "  exactly the scenario's F1 ($db)" test "$(json_get "$T_DIR/$db.json" "$F1_SET")" = "$F1_WANT"
	check "  exactly the scenario's F2 ($db)" test "$(json_get "$T_DIR/$db.json" "$F2_SET")" = "$F2_WANT"
done
SAME='__import__("json").dumps([d["visits"], d["f1"], d["f2"]], sort_keys=True)'
check "the coordinator's answer is the one node's, field for field" test "$(json_get "$T_DIR/COORD.json" "$SAME" | md5sum)" = "$(json_get "$T_DIR/ONE.json" "$SAME" | md5sum)"
check "  the case's visits in both districts" test "$(json_get "$T_DIR/COORD.json" 'sorted(v["venue_id"] for v in d["visits"])')" = "['CAFE-A', 'QUAN-B']"
check_exit "sealed fields opened through the coordinator" 0 $COLL trace --db "$COORD" --reason "case SHARD-1" --subject cccd:079090000001 "${W[@]}" --depth 2 --format json --authority-secret "$T_DIR/authority.sec"
check "  the F1's and F2's names, from both districts" test "$(json_get "$T_DIR/out" 'sorted(x["personal"]["name"] for x in d["f1"] + d["f2"] if "personal" in x)')" = "['=HYPERLINK(\"http://evil.example\",\"x\")', 'Lê Văn Cường', 'Trần Thị Bình']"
check "the trace is audited on the coordinator" test "$(psql -qAt "$COORD" -c "SELECT count(*) FROM audit WHERE action = 'trace'")" = 2
check_exit "the ward report through the coordinator" 0 $COLL report --db "$COORD" --ward "Bến Nghé" --date 2026-11-16 --format json
cp "$T_DIR/out" "$T_DIR/report-coord.json"
$COLL report --db "$ONE" --ward "Bến Nghé" --date 2026-11-16 --format json > "$T_DIR/report-one.json" 2>/dev/null
PER_DAY='sorted((v["venue_id"], [x["visits"] for x in v["visits_per_day"]], v["last_upload"], v["inspections"]["last"]) for v in d["venues"])'
check "  each venue's check-ins per day as on one node" test "$(json_get "$T_DIR/report-coord.json" "$PER_DAY")" = "$(json_get "$T_DIR/report-one.json" "$PER_DAY")"
check "  CAFE-A's six check-ins on the day among them" test "$(json_get "$T_DIR/report-coord.json" 'sum(v["visits_per_day"][-1]["visits"] for v in d["venues"] if v["venue_id"] == "CAFE-A")')" = 6

# ---- the queries go to the districts' servers ----
explain() { psql -qAt "$COORD" -c "EXPLAIN (VERBOSE, COSTS OFF) $1"; }
explain "SELECT v.subject, v.wall_ms FROM visits v JOIN devices d ON d.device_id = v.device_id WHERE v.kind = 'cccd' AND v.subject = '079090000001' AND v.wall_ms >= 0 AND v.wall_ms < 9999999999999" > "$T_DIR/plan1"
# Three districts by now (Quận 7 was added above, with no visits).
check "a case's visits: every district asked at once (Async Foreign Scan)" test "$(grep -c 'Async Foreign Scan' "$T_DIR/plan1")" = 3
check "  with the person and the window in each server's WHERE" test "$(grep -c "Remote SQL: SELECT .* FROM public.district_visits WHERE .*wall_ms >= 0.*kind = 'cccd'.*subject = '079090000001'" "$T_DIR/plan1")" = 3
D1=$(psql -qAt "$COORD" -c "SELECT device_id FROM devices WHERE venue_id = 'CAFE-A' ORDER BY 1 LIMIT 1")
explain "SELECT v.subject FROM devices d JOIN visits v ON v.device_id = d.device_id WHERE v.wall_ms >= 0 AND v.wall_ms < 9999999999999 AND v.device_id IN ('$D1')" > "$T_DIR/plan2"
check "a venue's visits: its kiosks' ids in each server's WHERE" test "$(grep -c "Remote SQL: .*device_id = '$D1'" "$T_DIR/plan2")" = 3
explain "SELECT district, count(*) FROM visits GROUP BY district" > "$T_DIR/plan3"
check "a count by district is counted on each server" test "$(grep -c "Remote SQL: SELECT district, count(\*) FROM public.district_visits GROUP BY 1" "$T_DIR/plan3")" = 3
explain "SELECT v.subject FROM devices d JOIN visits v ON v.device_id = d.device_id WHERE v.wall_ms >= 0 AND v.wall_ms < 9999999999999 AND v.device_id IN ('$D1') AND v.district IN ('Quận 1')" > "$T_DIR/plan4"
check "a venue's visits with its district (as the trace asks): only its server" sh -c "grep -q visits_q1 '$T_DIR/plan4' && ! grep -q visits_q3 '$T_DIR/plan4'"

# ---- a kiosk uploading through the collector ----
$COLL serve --listen 127.0.0.1:0 --db "$COORD" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
URL=$(t_listening "$T_DIR/coll.out")
check "the collector serves the coordinator" test -n "$URL"
$K --db "$T_DIR/k3/visits.db" init --demo --venue-id "Q3-CAFE" --venue-name "Cà phê Quận 3" > /dev/null
TOKEN=$($COLL token --db "$COORD" --role device-enrolment --ward "Võ Thị Sáu" | tail -1)
check_exit "a kiosk in Võ Thị Sáu enrols" 0 $K --db "$T_DIR/k3/visits.db" enroll --collector "$URL" --token "$TOKEN"
seq 200 | awk '{ printf "093%07d\n", $1 }' | build/tests/checkin_many "$T_DIR/k3/visits.db" 2>/dev/null
check_exit "it uploads 200 visits" 0 $SYNC --db "$T_DIR/k3/visits.db" --once
DEV3=$(psql -qAt "$COORD" -c "SELECT device_id FROM devices WHERE venue_id = 'Q3-CAFE'")
check "  they are on Quận 3's server, once" test "$(psql -qAt "$Q3" -c "SELECT count(*), count(DISTINCT seq) FROM visits WHERE device_id = '$DEV3'")" = "200|200"
check "  and not on Quận 1's" test "$(psql -qAt "$Q1" -c "SELECT count(*) FROM visits WHERE device_id = '$DEV3'")" = 0
check "  Quận 3's server keeps a copy of the kiosk's row" test "$(psql -qAt "$Q3" -c "SELECT ward FROM devices WHERE device_id = '$DEV3'")" = "Võ Thị Sáu"
check "  the coordinator knows when it last uploaded" test "$(psql -qAt "$COORD" -c "SELECT last_batch_ms > 0 FROM devices WHERE device_id = '$DEV3'")" = t
# A visitor checks in on their phone at that venue.
VT=$(build/tests/venue_token "$T_DIR/k3/device.sec" "$URL" Q3-CAFE 0)
VT=${VT#*/c/}
phone() {
	curl -s -o "$T_DIR/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"token\":\"$VT\",\"who\":\"0987 654 321\"}" "$URL/api/v1/phone-checkin"
	printf ' %s' "$(cat "$T_DIR/body")"
}
check "a phone check-in at the Quận 3 venue is accepted" test "$(phone)" = '200 {"result":"accepted","venue_name":"Cà phê Quận 3"}'
check "  again: the same answer" test "$(phone)" = '200 {"result":"accepted","venue_name":"Cà phê Quận 3"}'
check "  stored once, on Quận 3's server" test "$(psql -qAt "$Q3" -c "SELECT count(*) FROM visits WHERE instance_id = 'phone' AND subject = '0987654321'"),$(psql -qAt "$Q1" -c "SELECT count(*) FROM visits WHERE instance_id = 'phone'")" = "1,0"
TRACER=$($COLL token --db "$COORD" --role tracer | tail -1)
curl -s -G -H "Authorization: Bearer $TRACER" "$URL/api/v1/trace" --data-urlencode subject=phone:0930000007 \
	--data-urlencode reason=shard-test > "$T_DIR/t.json"
check "a trace over HTTP finds that visit through the coordinator" test "$(json_get "$T_DIR/t.json" '[v["venue_id"] for v in d["visits"]]')" = "['Q3-CAFE']"

# ---- a district's server down: only its kiosks wait ----
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "${DIRS[2]}/data" -m fast -w stop > /dev/null 2>&1
seq 10 | awk '{ printf "094%07d\n", $1 }' | build/tests/checkin_many "$T_DIR/k3/visits.db" 2>/dev/null
check_exit "with Quận 3's server down, its kiosk's upload fails" 1 $SYNC --db "$T_DIR/k3/visits.db" --once
check "  and it keeps its 10 visits to send" test "$($K --db "$T_DIR/k3/visits.db" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_upload"])')" = 10
check "  the collector said which district's server" grep -q "district Quận 3 (shard q3)" "$T_DIR/coll.err"
check_exit "  the report of a ward of Quận 1 is still made" 0 $COLL report --db "$COORD" --ward "Bến Nghé" --date 2026-11-16 --format json
check "  with its check-ins" test "$(json_get "$T_DIR/out" 'sum(v["visits_per_day"][-1]["visits"] for v in d["venues"] if v["venue_id"] == "CAFE-A")')" = 6
P3=${SERVERS[2]##*:}
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "${DIRS[2]}/data" -l "${DIRS[2]}/server.log" \
	-o "-c listen_addresses=127.0.0.1 -p $P3 -k ${DIRS[2]} -c max_connections=200" -w -t 60 start > /dev/null
check_exit "the server back: the kiosk's visits go" 0 $SYNC --db "$T_DIR/k3/visits.db" --once
check "  all 210 on Quận 3's server, and the phone visit" test "$(psql -qAt "$Q3" -c "SELECT count(*) FROM visits WHERE device_id = '$DEV3'")" = 211
kill $CPID 2>/dev/null
wait $CPID 2>/dev/null
check "the collector ran clean (no sanitizer's report)" sh -c "! grep -q 'Sanitizer\|runtime error' '$T_DIR/coll.err'"

# ---- retention runs on every district's server ----
check_exit "purge through the coordinator: days older than 10" 0 $COLL purge --db "$COORD" --older-than 10
check "  the scenario's 25 visits went, from both districts' servers" grep -q "purged 25 visits" "$T_DIR/out"
check "  today's 211 stay" test "$(psql -qAt "$COORD" -c "SELECT count(*) FROM visits"),$(psql -qAt "$Q1" -c "SELECT count(*) FROM visits")" = "211,0"
t_done
