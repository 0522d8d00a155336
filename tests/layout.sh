#!/bin/bash
# layout.sh: the rooms' rules (docs/layout.md), checked from the sources
# and the build, one "ok - ..." / "not ok - ..." line each:
#   common/ includes only common/ headers;
#   kiosk/ includes common/ and kiosk/ headers, never sync/ ones;
#   sync/ (the collector) includes common/ and sync/ headers, never kiosk/;
#   the build's include paths refuse a header from the wrong room;
#   the collector links none of the kiosk's code.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
fail=0

ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fail=1; }

# The headers of a room, by name.
headers() { (cd "$1" && ls -- *.h) 2>/dev/null; }

check_room() {
	local room=$1; shift
	local allowed=("$@") f inc found r problems=0
	for f in "$room"/*.c "$room"/*.h "$room"/*.cpp; do
		[ -e "$f" ] || continue
		while IFS= read -r inc; do
			case $inc in
			*/*) bad "$f includes \"$inc\": a path, not a header of its room"; problems=1; continue ;;
			esac
			found=
			for r in "${allowed[@]}"; do
				[ -e "$r/$inc" ] && found=$r
			done
			if [ -z "$found" ]; then
				bad "$f includes \"$inc\", which is not in ${allowed[*]}"
				problems=1
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
	[ $problems -eq 0 ] && ok "$room/ includes only headers from ${allowed[*]}"
}

check_room common common
check_room kiosk common kiosk
check_room sync common sync

# The build refuses it too: a kiosk file naming a collector header, and a
# collector file naming a kiosk header, do not compile with their room's
# include path.
probe=$(mktemp -d "${TMPDIR:-/tmp}/layout-XXXXXX")
trap 'rm -rf "$probe"' EXIT
for pair in "kiosk db.h" "sync store.h" "common store.h" "common db.h"; do
	set -- $pair
	flags=$(make -s --no-print-directory room-flags ROOM="$1")
	printf '#include "%s"\nint probe(void);\nint probe(void) { return 0; }\n' "$2" > "$probe/p.c"
	if ${CC:-cc} -fsyntax-only $flags "$probe/p.c" 2>/dev/null; then
		bad "a $1/ file can include $2: the build does not refuse it"
	else
		ok "the build refuses $2 in a $1/ file"
	fi
done

# The collector is deployed apart: none of the kiosk's code is in it.
if [ -x "$BUILD/bin/collector" ]; then
	leaked=$(nm "$BUILD/bin/collector" | awk '$2 ~ /^[TtDdBb]$/ { print $3 }' |
		grep -E '^(store|outbox|uploader|decode|camera|worker|ui|screen|view|jobs|sound|checkin|config|scanner|serial|zxread|i18n)_' | head -5)
	if [ -z "$leaked" ]; then
		ok "the collector links none of the kiosk's code"
	else
		bad "the collector holds kiosk code: $(echo $leaked)"
	fi
fi
exit $fail
