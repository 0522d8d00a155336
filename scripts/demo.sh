#!/bin/bash
# demo.sh: the kiosk core end to end on a demo venue in ./demo, through the
# same code path a scan takes: set up, trust a pass issuer, check in an ID
# card, a PC-Covid code, a phone number and a signed pass (read back from
# its QR image by the kiosk's decoder), refuse a bad card, then show the
# owner's status and export. Safe to run again: it starts afresh.
set -eu
cd "$(dirname "$0")/.."
K=build/bin/kioskctl
D=demo
rm -rf "$D"
mkdir -p "$D"
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "1. Set up the venue (kioskctl init)"
$K --db $D/visits.db init --venue-id Q1-CAFE-001 --venue-name "Cà phê Sài Gòn" \
	--address "12 Đường Số 1, P. Bến Nghé, Q.1" --ward "Phường Bến Nghé"

say "2. A ward issues passes; the kiosk trusts the ward's key"
$K keys --type issuer --out $D/ward-issuer
cat $D/ward-issuer.pub >> $D/trusted-issuers
$K issue-pass --issuer-key $D/ward-issuer.sec --role visitor \
	--name "Trần Thị Bình" --valid-days 30 --png $D/visitor-pass.png > $D/visitor-pass.txt

say "3. Visitors check in"
run() { echo "\$ kioskctl checkin $*"; $K --db $D/visits.db checkin "$@" || true; }
run --source camera --payload '079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021'
run --source camera --payload '******123456|NGUYEN VAN BINH|1990-**-**|1|a1b2c3d4e5f6|'
run --source keypad --payload '0912345678'
echo "\$ kioskctl decode $D/visitor-pass.png   # the pass, read from its QR"
$K decode $D/visitor-pass.png | cut -c1-100
run --source camera --payload "$(cat $D/visitor-pass.txt)"
run --source camera --payload '079095001234|023456789|Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021'
run --source scanner --payload '079095001234||Nguyễn Văn An|14031995|Nữ|Hà Nội|20042021'

say "4. What the owner sees (kioskctl status)"
$K --db $D/visits.db status

say "5. Export (personal fields stay sealed for the health authority)"
$K --db $D/visits.db export --format csv | cut -c1-110

say "Done. The demo venue is in ./$D; try: $K --db $D/visits.db checkin --payload 0987654321"
