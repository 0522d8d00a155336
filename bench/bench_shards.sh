#!/bin/bash
# bench_shards: trace latency through a coordinator of two district shards
# against one node, with the same visits (bench_trace's 5,000 venues over
# 50 wards and 28 days): three PostgreSQL servers on 127.0.0.1, the one
# node on the coordinator's server. Prints bench_trace's figures for each
# and the ratios of their medians, measured in the same run.
#
#   bench/bench_shards.sh [VISITS]   (default 10,000,000)
set -eu
cd "$(dirname "$0")/.."
. tests/pg.sh
N=${1:-${SHARD_VISITS:-10000000}}
DIRS=()
trap 'for d in "${DIRS[@]}"; do PG_DIR=$d pg_stop; done' EXIT
S=()
for i in 0 1 2; do
	pg_start
	DIRS+=("$PG_DIR")
	S+=("$KIOSK_TEST_PG")
done
export PGOPTIONS="-c client_min_messages=warning"
psql -qAt "${S[0]}/postgres" -c "CREATE DATABASE one" -c "CREATE DATABASE coord"
psql -qAt "${S[1]}/postgres" -c "CREATE DATABASE qa"
psql -qAt "${S[2]}/postgres" -c "CREATE DATABASE qb"
T=$(mktemp -d)
python3 - "$T/shards.json" "${S[1]}/qa" "${S[2]}/qb" <<'PY'
import json, sys
json.dump({"shards": [
    {"name": "qa", "district": "District A", "db": sys.argv[2], "wards": ["Ward %d" % i for i in range(25)]},
    {"name": "qb", "district": "District B", "db": sys.argv[3], "wards": ["Ward %d" % i for i in range(25, 50)]}]},
    open(sys.argv[1], "w"))
PY
build/bin/collector init --db "${S[0]}/coord" --shards "$T/shards.json" | grep '^shard'
rm -rf "$T"
echo "-- one node"
build/bench/bench_trace "${S[0]}/one" "$N" | tee /tmp/bench-one.$$
echo "-- coordinator and two district shards (postgres_fdw)"
build/bench/bench_trace "${S[0]}/coord" "$N" | tee /tmp/bench-shards.$$
python3 - /tmp/bench-one.$$ /tmp/bench-shards.$$ <<'PY'
import re, sys
def medians(path):
    t = open(path).read()
    bare = float(re.search(r"bare look-up\): median ([0-9.]+) ms", t).group(1))
    d = [float(x) for x in re.findall(r"depth \d: median ([0-9.]+) ms", t)]
    return [bare] + d
one, sh = medians(sys.argv[1]), medians(sys.argv[2])
for name, a, b in zip(("case's own visits", "depth 1", "depth 2"), one, sh):
    print("  %-18s one node %8.2f ms   shards %8.2f ms   shards/one %.2fx" % (name, a, b, b / a if a else float("nan")))
PY
rm -f /tmp/bench-one.$$ /tmp/bench-shards.$$
