#!/usr/bin/env bash
# Memory of `nashra serve` over a large archive: fills a store with N Arabic
# articles (bench/serveseed), starts serve, loads its feeds and 1,000
# different article pages with wrk and curl, and prints its peak and
# current resident memory. Usage: bench/serve-memory.sh [articles]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
command -v wrk >/dev/null || { echo "missing wrk: run scripts/deps" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/nashra" ./cmd/nashra
go build -o "$work/serveseed" ./bench/serveseed
"$work/serveseed" -db "$work/nashra.db" -n "$n"
export NASHRA_STORE_DSN="$work/nashra.db" NASHRA_SITE_CONTENT_DIR="" NASHRA_LOG_LEVEL=warn
export NASHRA_SERVER_LISTEN=127.0.0.1:18082 NASHRA_SITE_BASE_URL=http://127.0.0.1:18082 NASHRA_MAIL_OUTBOX="$work/outbox"
"$work/nashra" serve &
pid=$!
for _ in $(seq 1 300); do curl -fs -o /dev/null http://127.0.0.1:18082/healthz && break; sleep 0.5; done
curl -fs -o /dev/null http://127.0.0.1:18082/atom.xml
wrk -t2 -c100 -d5s http://127.0.0.1:18082/atom.xml | awk '/Requests\/sec/ {print "atom.xml: " $2 " req/s"}'
wrk -t2 -c100 -d5s -H "Accept-Encoding: gzip" http://127.0.0.1:18082/feed.json | awk '/Requests\/sec/ {print "feed.json gzip: " $2 " req/s"}'
for i in $(seq 1 1000); do echo "url = \"http://127.0.0.1:18082/articles/seed-$((i * n / 1000 - 1))\""; echo "output = /dev/null"; done >"$work/curl.cfg"
curl -fs --no-progress-meter -K "$work/curl.cfg" --parallel --parallel-max 16 || { echo "article pages failed" >&2; exit 1; }
echo "$n articles: serve peak RSS $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status), now $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
