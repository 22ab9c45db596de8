#!/usr/bin/env bash
# Serving benchmark: `nashra serve` answering GET /atom.xml against nginx
# serving the same bytes as a static file, both on loopback, measured by wrk
# in the same run. Prints requests/s of each, the ratio nashra/nginx, the
# load average around the rounds, and the CPU time each server spent per
# request (the fairer figure on a shared machine, where nginx's one worker
# and nashra's threads get unequal shares).
# Usage: bench/serve-vs-nginx.sh [seconds] [connections]   (ROUNDS=3 alternating rounds;
# GZIP=1 asks with Accept-Encoding: gzip, nginx answering from atom.xml.gz by gzip_static)
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
ulimit -n 8192 2>/dev/null || true
"$work/nashra" serve & 
for _ in $(seq 1 50); do curl -fs -o /dev/null http://127.0.0.1:18080/healthz && break; sleep 0.2; done
# nginx's gzip_static serves the very bytes nashra sends gzipped.
curl -fs -H "Accept-Encoding: gzip" -o "$work/public/atom.xml.gz" http://127.0.0.1:18080/atom.xml

cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  types { application/atom+xml xml; }
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:18081; root $work/public; etag on; gzip_static on; }
}
NGINX
mkdir -p "$work/tmp"; chmod -R a+rX "$work"
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
cmp <(curl -fs http://127.0.0.1:18080/atom.xml) <(curl -fs http://127.0.0.1:18081/atom.xml) || { echo "bodies differ" >&2; exit 1; }

hdr=()
[ "${GZIP:-}" = 1 ] && hdr=(-H "Accept-Encoding: gzip")
if [ "${GZIP:-}" = 1 ]; then
  cmp <(curl -fs --compressed http://127.0.0.1:18080/atom.xml) <(curl -fs --compressed http://127.0.0.1:18081/atom.xml) || { echo "gzip bodies differ" >&2; exit 1; }
  curl -fsI -H "Accept-Encoding: gzip" http://127.0.0.1:18081/atom.xml | grep -qi '^content-encoding: gzip' || { echo "nginx does not answer gzip" >&2; exit 1; }
fi
nashra_pid=$(jobs -p | tail -1)
nginx_pid=$(pgrep -P "$(cat "$work/nginx.pid")" | head -1)
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
# rps URL PID: prints "requests/s CPU-microseconds-per-request" of one round.
rps() {
  local a b out
  a=$(cpu "$2"); out=$(wrk -t2 -c"$conns" -d"${secs}s" "${hdr[@]}" "$1"); b=$(cpu "$2")
  echo "$out" | awk -v a="$a" -v b="$b" -v t="$(getconf CLK_TCK)" '/requests in/ {n=$1} /Requests\/sec/ {r=$2} END {printf "%s %.1f\n", r, (b-a)/t*1e6/n}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Warm up both, then measure in alternating rounds (the machine is shared:
# alternating keeps drifts in load from favouring one side), medians.
rounds=${ROUNDS:-3}
load0=$(cut -d' ' -f1 /proc/loadavg)
wrk -t1 -c4 -d1s http://127.0.0.1:18080/atom.xml >/dev/null; wrk -t1 -c4 -d1s http://127.0.0.1:18081/atom.xml >/dev/null
: >"$work/a"; : >"$work/b"
for _ in $(seq 1 "$rounds"); do
  rps http://127.0.0.1:18080/atom.xml "$nashra_pid" >>"$work/a"
  rps http://127.0.0.1:18081/atom.xml "$nginx_pid" >>"$work/b"
done
nashra_rps=$(cut -d' ' -f1 <"$work/a" | median)
nginx_rps=$(cut -d' ' -f1 <"$work/b" | median)
nashra_cpu=$(cut -d' ' -f2 <"$work/a" | median)
nginx_cpu=$(cut -d' ' -f2 <"$work/b" | median)
size=$(stat -c %s "$work/public/atom.xml")
ratio=$(awk -v a="$nashra_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }')
[ "${GZIP:-}" = 1 ] && size="$size bytes, gzip $(stat -c %s "$work/public/atom.xml.gz")"
echo "atom.xml ($size bytes), ${hdr[*]:+Accept-Encoding: gzip, }wrk -t2 -c$conns -d${secs}s, $rounds alternating rounds, medians, on $(nproc) cores, load average $load0 at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"
echo "nashra serve: $nashra_rps req/s, $nashra_cpu us CPU/request (rounds: $(cut -d' ' -f1 "$work/a" | tr '\n' ' '))"
echo "nginx static: $nginx_rps req/s, $nginx_cpu us CPU/request (rounds: $(cut -d' ' -f1 "$work/b" | tr '\n' ' '))"
echo "ratio nashra/nginx: $ratio req/s (goal >= 0.85); CPU per request nginx/nashra: $(awk -v a="$nashra_cpu" -v b="$nginx_cpu" 'BEGIN { printf "%.2f", b/a }')"
