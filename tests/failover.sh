#!/bin/bash
# failover: the collector on a pg_auto_failover formation (Debian's
# postgresql-15-auto-failover), for real on 127.0.0.1: a monitor, a
# primary and a secondary run by pg_autoctl as an unprivileged user; the
# collector reaches them through libpq's multi-host URI with
# target_session_attrs=read-write, as `pg_autoctl show uri` gives it.
# Kiosks upload continuously through a planned switchover and through a
# kill -9 of the primary's postmaster. Every visit arrives exactly once,
# the two nodes agree, and each outage (from the event to the first batch
# acknowledged after it) is measured and printed. `make soak` runs it
# (about a minute); `make check` too with FAILOVER=1 (the default run
# keeps to its 20 minutes without it).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
K=${KIOSKCTL:-build/bin/kioskctl}
SYNC=${KIOSK_SYNC:-build/bin/kiosk-sync}
COLL=${COLLECTOR:-build/bin/collector}
if ! command -v pg_autoctl > /dev/null; then
	echo "# skipped: pg_autoctl is not installed (apt-get install postgresql-15-auto-failover)"
	exit 0
fi
t_setup
export KIOSK_LOG_LEVEL=error PGCONNECT_TIMEOUT=3
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
export PATH=$PGBIN:$PATH
F=$T_DIR/formation
# pg_autoctl keeps each node's runtime state under
# $XDG_RUNTIME_DIR/pg_autoctl/<its PGDATA>, making the folders as it goes;
# two of its processes making one at once can fail ("File exists"), so
# they are made here first.
export XDG_RUNTIME_DIR=$T_DIR/run
mkdir -p "$XDG_RUNTIME_DIR/pg_autoctl$F"/{monitor,node1,node2} "$F"
AS=()
if [ "$(id -u)" = 0 ]; then
	AS=(runuser -u postgres -- env PATH="$PATH" PG_CONFIG="$PGBIN/pg_config" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR")
	chown -R postgres: "$T_DIR"
	chmod 755 "$T_DIR"
fi
PIDS=()
cleanup() {
	kill "${PIDS[@]}" 2>/dev/null
	for n in node1 node2 monitor; do
		[ -d "$F/$n" ] && "${AS[@]}" pg_autoctl stop --pgdata "$F/$n" --immediate > /dev/null 2>&1
	done
	wait 2>/dev/null
	t_cleanup
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PM=$(port); P1=$(port); P2=$(port)

# ---- the formation ----
"${AS[@]}" pg_autoctl create monitor --pgdata "$F/monitor" --pgport "$PM" --hostname 127.0.0.1 \
	--auth trust --no-ssl --run > "$F.monitor.log" 2>&1 &
PIDS+=($!)
MON=
for _ in $(seq 240); do
	MON=$("${AS[@]}" pg_autoctl show uri --pgdata "$F/monitor" --formation monitor 2>/dev/null) && [ -n "$MON" ] && break
	sleep 0.5
done
check "the monitor runs" test -n "$MON"
if [ -z "$MON" ]; then
	tail -5 "$F.monitor.log" | sed 's/^/# /'
	exit 1
fi
for n in 1 2; do
	p=P$n
	"${AS[@]}" pg_autoctl create postgres --pgdata "$F/node$n" --pgport "${!p}" --hostname 127.0.0.1 \
		--name "node$n" --dbname kiosk --auth trust --no-ssl --monitor "$MON" --run > "$F.node$n.log" 2>&1 &
	PIDS+=($!)
	# The second node clones the first (pg_basebackup), one at a time;
	# a checkpoint on the first lets the copy start at once.
	for _ in $(seq 240); do
		"${AS[@]}" pg_autoctl show state --pgdata "$F/monitor" 2>/dev/null | grep -q "node$n .*| *\(primary\|secondary\|single\) *| *\(primary\|secondary\|single\)" && break
		[ $n = 2 ] && "${AS[@]}" psql -qAt -h 127.0.0.1 -p "$P1" -d postgres -c CHECKPOINT > /dev/null 2>&1
		sleep 1
	done
done
state() { "${AS[@]}" pg_autoctl show state --pgdata "$F/monitor" 2>/dev/null; }
# The first node may still be wait_primary when the second is secondary.
for _ in $(seq 120); do
	state | grep -q '| *primary *| *primary' && state | grep -q '| *secondary *| *secondary' && break
	sleep 0.5
done
state | sed 's/^/# /'
check "a primary and a secondary" sh -c "echo \"\$0\" | grep -q '| *primary *| *primary' && echo \"\$0\" | grep -q '| *secondary *| *secondary'" "$(state)"
URI=$("${AS[@]}" pg_autoctl show uri --pgdata "$F/monitor" --formation default)
check "a multi-host URI for writes" sh -c "echo '$URI' | grep -q 'target_session_attrs=read-write'"
echo "# $URI"
"${AS[@]}" psql -qAt "$URI" -c "CREATE ROLE kiosk LOGIN" -c "ALTER DATABASE kiosk OWNER TO kiosk" \
	-c "GRANT ALL ON SCHEMA public TO kiosk" > /dev/null
CDB=$(echo "$URI" | sed 's|postgres://|postgresql://kiosk@|; s|@[^@]*@|@|')
check_exit "collector init on the formation" 0 $COLL init --db "$CDB"

# ---- the collector and two kiosks uploading all the time ----
# Reads that may lag (traces, reports) from the standby.
RDB=$(echo "$CDB" | sed 's/target_session_attrs=read-write/target_session_attrs=prefer-standby/')
$COLL serve --listen 127.0.0.1:0 --db "$CDB" --read-db "$RDB" > "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
PIDS+=($!)
URL=$(t_listening "$T_DIR/coll.out")
check "the collector serves" test -n "$URL"
for k in 1 2; do
	$K --db "$T_DIR/k$k/visits.db" init --demo --venue-id "FO-$k" --venue-name "Quán $k" > /dev/null
	TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
	check_exit "kiosk $k enrols" 0 $K --db "$T_DIR/k$k/visits.db" enroll --collector "$URL" --token "$TOKEN"
	$SYNC --db "$T_DIR/k$k/visits.db" --interval 1 --heartbeat 30 --timeout 3 --backoff-cap 1 2> "$T_DIR/sync$k.err" &
	PIDS+=($!)
done
# Each kiosk checks a visitor in every 50 ms, numbered, until told.
visitors() {	# $1 kiosk
	local i=0
	while [ ! -e "$T_DIR/stop" ]; do
		python3 -c "import sys; sys.stdout.write(''.join('09%d%07d\n' % ($1, i) for i in range($i, $i + 10)))" |
			build/tests/checkin_many "$T_DIR/k$1/visits.db" 2>/dev/null && i=$((i + 10))
		echo $i > "$T_DIR/made$1"
		sleep 0.5
	done
}
visitors 1 & PIDS+=($!)
visitors 2 & PIDS+=($!)
stored() { psql -qAt "$CDB" -c "SELECT count(*) FROM visits" 2>/dev/null; }
# Every 0.1 s, the time and how many visits the primary holds (nothing
# while there is none): acknowledged batches are the count growing.
sampler() {
	while [ ! -e "$T_DIR/stop-sampling" ]; do
		n=$(stored)
		[ -n "$n" ] && echo "$(date +%s.%N) $n" >> "$T_DIR/samples"
		sleep 0.1
	done
}
sampler & PIDS+=($!)
# outage EVENT...: run EVENT; once the store has grown again, the outage
# is the longest time without a batch acknowledged, from the last one
# before EVENT began to the first after (or within) it. Prints seconds,
# or "never" when nothing was stored again within 2 minutes.
outage() {
	local t0 t1 before n
	before=$(stored)
	t0=$(date +%s.%N)
	"$@" > "$T_DIR/event.log" 2>&1
	t1=$(date +%s.%N)
	for _ in $(seq 1200); do
		n=$(stored)
		[ -n "$n" ] && [ "$n" -gt "${before:-0}" ] && break
		sleep 0.1
	done
	sleep 3
	python3 - "$T_DIR/samples" "$t0" "$t1" <<'PY'
import sys
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
s = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
# The times the count grew.
grew = [s[i][0] for i in range(1, len(s)) if s[i][1] > s[i - 1][1]]
before = [t for t in grew if t <= t0]
after = [t for t in grew if t > t0]
if not after:
    print("never")
else:
    # From the last growth before the event, through every gap until
    # growth is steady again after it ends.
    points = ([before[-1]] if before else [t0]) + [t for t in after if t <= t1 + 3] + [t for t in after if t > t1 + 3][:1]
    print("%.1f" % max(b - a for a, b in zip(points, points[1:])) if len(points) > 1 else "%.1f" % (after[0] - t0))
PY
}
sleep 5
check "visits arrive before anything happens" test "$(stored)" -gt 0
TRACER=$($COLL token --db "$CDB" --role tracer | tail -1)
curl -s -G -H "Authorization: Bearer $TRACER" "$URL/api/v1/trace" --data-urlencode subject=phone:0910000001 \
	--data-urlencode reason=failover-test > "$T_DIR/trace.json"
check "a trace is read from the standby, its lag said" test "$(json_get "$T_DIR/trace.json" '(d["read_from"], d["replication_lag_ms"] >= 0, len(d["visits"]))')" = "('standby', True, 1)"
check "and audited on the primary" test "$(psql -qAt "$CDB" -c "SELECT count(*) FROM audit WHERE action = 'trace'")" = 1
primary() { state | awk -F'|' '$6 ~ /primary/ {gsub(/ /, "", $1); print $1}'; }
P_BEFORE=$(primary)
SW=$(outage "${AS[@]}" pg_autoctl perform switchover --pgdata "$F/monitor" --wait 120)
echo "# switchover ($P_BEFORE handed over): ${SW} s without an acknowledged batch"
check "a planned switchover: uploads go on by themselves" test "$SW" != never
for _ in $(seq 120); do [ "$(primary)" != "$P_BEFORE" ] && [ -n "$(primary)" ] && break; sleep 0.5; done
check "the other node is primary now" test "$(primary)" != "$P_BEFORE"
sleep 5
P_KILL=$(primary)
PMPID=$("${AS[@]}" head -1 "$F/$P_KILL/postmaster.pid")
# Right after the kill, before a standby is promoted, a tracer asks: the
# audit cannot be written, so nothing is given out.
kill_and_trace() {
	kill -9 "$1"
	sleep 0.5
	curl -s --max-time 30 -o "$T_DIR/trace-down.json" -w '%{http_code}' -G -H "Authorization: Bearer $TRACER" \
		"$URL/api/v1/trace" --data-urlencode subject=phone:0910000001 --data-urlencode reason=failover-down > "$T_DIR/trace-down.code"
}
KILL=$(outage kill_and_trace "$PMPID")
echo "# kill -9 of $P_KILL's postmaster: ${KILL} s without an acknowledged batch"
check "kill -9 of the primary: uploads come back by themselves" test "$KILL" != never
check "a trace with the primary down is refused (503), its audit unwritable" test "$(cat "$T_DIR/trace-down.code")" = 503
check "  and gives nothing out" sh -c "! grep -q '\"visits\"' '$T_DIR/trace-down.json'"
curl -s -G -H "Authorization: Bearer $TRACER" "$URL/api/v1/trace" --data-urlencode subject=phone:0910000001 \
	--data-urlencode reason=failover-after > "$T_DIR/trace2.json"
check "after the failover a trace is answered again" test "$(json_get "$T_DIR/trace2.json" 'len(d["visits"])')" = 1
check "  the audit holds the two traces answered, not the one refused" test "$(psql -qAt "$CDB" -c "SELECT string_agg(detail::json->>'reason', ',' ORDER BY id) FROM audit WHERE action = 'trace'")" = "failover-test,failover-after"
sleep 5
touch "$T_DIR/stop" "$T_DIR/stop-sampling"
sleep 1
# The usual time between acknowledged batches, as a reference.
USUAL=$(python3 - "$T_DIR/samples" <<'PY'
import statistics, sys
s = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
grew = [s[i][0] for i in range(1, len(s)) if s[i][1] > s[i - 1][1]]
print("%.1f" % statistics.median(b - a for a, b in zip(grew, grew[1:])))
PY
)
MADE=$(( $(cat "$T_DIR/made1") + $(cat "$T_DIR/made2") ))
for _ in $(seq 120); do
	p=0
	for k in 1 2; do
		p=$((p + $($K --db "$T_DIR/k$k/visits.db" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_upload"])')))
	done
	[ "$p" = 0 ] && break
	sleep 0.5
done
check "nothing left behind at the kiosks" test "$p" = 0
N=$(stored)
echo "# visits checked in: $MADE; stored: $N"
check "every visit arrived exactly once ($MADE)" test "$N" = "$MADE"
check "no visit twice" test "$(psql -qAt "$CDB" -c 'SELECT count(DISTINCT (device_id, instance_id, seq)) FROM visits')" = "$MADE"
# Both nodes hold the same visits (the secondary read directly).
Q="SELECT count(*), coalesce(sum(seq), 0), md5(string_agg(device_id || ':' || seq, ',' ORDER BY device_id, seq)) FROM visits"
for _ in $(seq 60); do
	A=$(psql -qAt "postgresql://kiosk@127.0.0.1:$P1/kiosk" -c "$Q" 2>/dev/null)
	B=$(psql -qAt "postgresql://kiosk@127.0.0.1:$P2/kiosk" -c "$Q" 2>/dev/null)
	[ -n "$A" ] && [ "$A" = "$B" ] && break
	sleep 0.5
done
check "the two nodes agree (count, sum, digest)" test -n "$A" -a "$A" = "$B"
check "the collector said it lost the store and came back" grep -q "collector db (postgresql)" "$T_DIR/coll.err"
echo "# failover: visits $MADE sent, $N stored exactly once; outage (longest time without an acknowledged batch): switchover ${SW} s, kill -9 ${KILL} s; usually ${USUAL} s between batches"
t_done
