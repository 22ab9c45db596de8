#!/usr/bin/env bash
# Serving benchmark: `nashra serve` answering GET /atom.xml against nginx
# serving the same bytes as a static file, both on loopback, measured by wrk
# in the same run. Prints requests/s of each and the ratio nashra/nginx.
# Usage: bench/serve-vs-nginx.sh [seconds] [connections]   (ROUNDS=3 alternating rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
for t in wrk nginx; do command -v $t >/dev/null || { echo "missing $t: run scripts/deps" >&2; exit 1; }; done

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/nashra" ./cmd/nashra

export NASHRA_STORE_DSN="$work/nashra.db" NASHRA_SITE_CONTENT_DIR="" NASHRA_LOG_LEVEL=warn
export NASHRA_SERVER_LISTEN=127.0.0.1:18080 NASHRA_SITE_BASE_URL=http://127.0.0.1:18080 NASHRA_MAIL_OUTBOX="$work/outbox"
"$work/nashra" import testdata/articles >/dev/null
"$work/nashra" build --out "$work/public" >/dev/null
"$work/nashra" serve & 
for _ in $(seq 1 50); do curl -fs -o /dev/null http://127.0.0.1:18080/healthz && break; sleep 0.2; done

cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/atom+xml xml; }
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:18081; root $work/public; etag on; }
}
NGINX
mkdir -p "$work/tmp"; chmod -R a+rX "$work"
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
cmp <(curl -fs http://127.0.0.1:18080/atom.xml) <(curl -fs http://127.0.0.1:18081/atom.xml) || { echo "bodies differ" >&2; exit 1; }

rps() { wrk -t2 -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Warm up both, then measure in alternating rounds (the machine is shared:
# alternating keeps drifts in load from favouring one side), medians.
rounds=${ROUNDS:-3}
wrk -t1 -c4 -d1s http://127.0.0.1:18080/atom.xml >/dev/null; wrk -t1 -c4 -d1s http://127.0.0.1:18081/atom.xml >/dev/null
: >"$work/a"; : >"$work/b"
for _ in $(seq 1 "$rounds"); do
  rps http://127.0.0.1:18080/atom.xml >>"$work/a"
  rps http://127.0.0.1:18081/atom.xml >>"$work/b"
done
nashra_rps=$(median <"$work/a")
nginx_rps=$(median <"$work/b")
size=$(stat -c %s "$work/public/atom.xml")
ratio=$(awk -v a="$nashra_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }')
echo "atom.xml ($size bytes), wrk -t2 -c$conns -d${secs}s, $rounds alternating rounds, medians, on $(nproc) cores"
echo "nashra serve: $nashra_rps req/s (rounds: $(tr '\n' ' ' <"$work/a"))"
echo "nginx static: $nginx_rps req/s (rounds: $(tr '\n' ' ' <"$work/b"))"
echo "ratio nashra/nginx: $ratio (goal >= 0.8)"
