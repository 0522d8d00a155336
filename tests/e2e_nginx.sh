#!/bin/bash
# e2e_nginx: the shipped reverse-proxy configuration
# (deploy/nginx/collector.conf), run by Debian's nginx on 127.0.0.1 with a
# self-signed certificate in front of a collector started with
# --trusted-proxy 127.0.0.1. Only the listening address, the certificate's
# paths and the collector's port are put in; the rest is the file as
# shipped. Checked: TLS, the collector's answers through it, limits per
# client address (two clients, 127.0.0.1 and 127.0.0.2), a client that
# claims another address in X-Forwarded-For gains nothing, and a client
# sending its header one line every few seconds is cut.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
COLL=${COLLECTOR:-build/bin/collector}
K=${KIOSKCTL:-build/bin/kioskctl}
t_setup
export KIOSK_LOG_LEVEL=warn
if ! command -v nginx > /dev/null && [ ! -x /usr/sbin/nginx ]; then
	not_ok "nginx is installed (scripts/install-deps.sh installs it)"
	t_done; exit
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
chmod 755 "$T_DIR"
CDB=$(t_collector_db nginx)
$COLL serve --listen 127.0.0.1:0 --db "$CDB" --trusted-proxy 127.0.0.1 \
	> "$T_DIR/coll.out" 2> "$T_DIR/coll.err" &
CPID=$!
CURL=$(t_listening "$T_DIR/coll.out")
CPORT=${CURL##*:}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$T_DIR/tls.key" -out "$T_DIR/tls.pem" 2> /dev/null
# The shipped server block, pointed at this test's ports and files; the
# port-80 redirect is left out (the test is not root on port 80).
awk 'BEGIN { skip = 0 }
	/^server \{/ { n++ } n == 2 { skip = 1 } !skip { print }' \
	deploy/nginx/collector.conf |
	sed -e "s|listen 443 ssl;|listen 127.0.0.1:$PORT ssl;|" \
	    -e "/listen \[::\]:443 ssl;/d" \
	    -e "s|/etc/ssl/certs/collector.pem|$T_DIR/tls.pem|" \
	    -e "s|/etc/ssl/private/collector.key|$T_DIR/tls.key|" \
	    -e "s|127.0.0.1:8080|127.0.0.1:$CPORT|" > "$T_DIR/collector.conf"
mkdir -p "$T_DIR/ngx"
cat > "$T_DIR/nginx.conf" <<EOF
pid $T_DIR/nginx.pid;
error_log $T_DIR/nginx.err warn;
worker_processes 1;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $T_DIR/ngx/body;
	proxy_temp_path $T_DIR/ngx/proxy;
	fastcgi_temp_path $T_DIR/ngx/fcgi;
	uwsgi_temp_path $T_DIR/ngx/uwsgi;
	scgi_temp_path $T_DIR/ngx/scgi;
	include $T_DIR/collector.conf;
}
EOF
chmod -R a+rX "$T_DIR/ngx"
check_exit "nginx takes the shipped configuration" 0 "$NGINX" -t -c "$T_DIR/nginx.conf" -p "$T_DIR"
"$NGINX" -c "$T_DIR/nginx.conf" -p "$T_DIR" 2> "$T_DIR/nginx.start"
for _ in $(seq 50); do [ -s "$T_DIR/nginx.pid" ] && break; sleep 0.1; done
stop_all() { [ -s "$T_DIR/nginx.pid" ] && kill "$(cat "$T_DIR/nginx.pid")"; kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; }
trap 'stop_all; t_cleanup' EXIT
U="https://127.0.0.1:$PORT"

check "health over TLS" sh -c "curl -sk '$U/api/v1/health' | grep -q '\"status\":\"ok\"'"
check "plain HTTP on the TLS port is refused" sh -c "! curl -s -m 3 'http://127.0.0.1:$PORT/api/v1/health' | grep -q ok"

# A kiosk enrolled through the proxy, and its venue code for phones.
DB=$T_DIR/k/visits.db
$K --db "$DB" init --demo --venue-id NG-CAFE --venue-name "Cà phê" > /dev/null
TOKEN=$($COLL token --db "$CDB" --role device-enrolment --ward "Bến Nghé" | tail -1)
check_exit "a kiosk enrols through the proxy, trusting the ward's CA" 0 $K --db "$DB" enroll --collector "$U" --token "$TOKEN" --ca "$T_DIR/tls.pem"
TOK=$(build/tests/venue_token "$T_DIR/k/device.sec" "$U" NG-CAFE 0)
TOK=${TOK#*/c/}
phone() {	# $1 source address, $2 number, [$3 X-Forwarded-For] -> status
	curl -sk --interface "$1" -o /dev/null -w '%{http_code}' \
		${3:+-H "X-Forwarded-For: $3"} -H 'Content-Type: application/json' \
		-d "{\"token\":\"$TOK\",\"who\":\"$2\"}" "$U/api/v1/phone-checkin"
}
A=""
for i in $(seq 1 14); do A="$A $(phone 127.0.0.1 "09120000$(printf %02d "$i")" 10.9.9.$i)"; done
check "client A: its first check-ins are taken" test "$(echo $A | tr ' ' '\n' | head -10 | sort -u)" = 200
check "then refused (429), claiming other addresses or not" test "$(echo $A | tr ' ' '\n' | tail -4 | sort -u)" = 429
check "client B, another address, is still taken" test "$(phone 127.0.0.2 0913000001)" = 200
check "ten visits from A and one from B are stored" test "$(t_sql "$CDB" "select count(*) from visits")" = 11

# Slow headers: one line every 3 s; the header's 10 s are for all of it.
python3 - "$PORT" > "$T_DIR/slow.out" <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
t = time.time()
try:
    for i in range(20):
        time.sleep(3)
        s.sendall(b"X-Slow-%d: y\r\n" % i)
        s.settimeout(0.2)
        try:
            s.recv(1)		# closed, or a 408: either way, cut
            print("cut %d" % (time.time() - t))
            sys.exit(0)
        except socket.timeout:
            pass
    print("open %d" % (time.time() - t))
except (OSError, ssl.SSLError):
    print("cut %d" % (time.time() - t))
PY
check "a slow header is cut within the 10 s header timeout" sh -c "grep -qE '^cut ([0-9]|1[0-4])$' '$T_DIR/slow.out'"
check "and the collector still answers" sh -c "curl -sk '$U/api/v1/health' | grep -q ok"
t_done
