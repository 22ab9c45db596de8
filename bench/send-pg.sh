#!/usr/bin/env bash
# bench/send-pg.sh — sending on PostgreSQL with 1 and 2 processes against
# Postfix's smtp-sink, beside smtp-source pushing the same number of
# messages of the same size with as many sessions.
#
#   bench/send-pg.sh [SUBSCRIBERS]        (default 5000)
#   RELAY_MS=20 POOL=2 bench/send-pg.sh 1000
#
# With RELAY_MS the sink is bench/relaysink, which waits that many
# milliseconds before accepting each message (a remote relay): the relay,
# not the CPU, is then the limit, and the figure that matters is the rate
# of 2 processes against 1 (issue 6: at least 1.8x). smtp-source is not run
# in that mode.
#
# Needs smtp-sink/smtp-source, psql and a PostgreSQL server at
# $NASHRA_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
# Each run uses a fresh schema, dropped at the end.
set -euo pipefail
N=${1:-5000}
POOL=${POOL:-4}
PORT=${PORT:-25261}
RELAY_MS=${RELAY_MS:-0}
PG=${NASHRA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
schemas=()
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	for s in "${schemas[@]}"; do psql -q "$PG" -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done
	rm -rf "$work"
}
trap cleanup EXIT
for tool in psql bc; do
	command -v $tool >/dev/null || { echo "bench/send-pg.sh: $tool is missing (scripts/deps installs it)" >&2; exit 1; }
done
pg_isready -q -d "$PG" || { echo "bench/send-pg.sh: no PostgreSQL at $PG" >&2; exit 1; }
go build -o "$work/nashra" ./cmd/nashra
if [ "$RELAY_MS" != 0 ]; then
	go build -o "$work/relaysink" ./bench/relaysink
	"$work/relaysink" -addr 127.0.0.1:$PORT -delay "${RELAY_MS}ms" &
else
	[ -x /usr/sbin/smtp-sink ] || { echo "bench/send-pg.sh: /usr/sbin/smtp-sink is missing (scripts/deps installs Postfix)" >&2; exit 1; }
	/usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:$PORT 256 &
fi
sleep 0.5

# site SCHEMA: a config on a fresh schema, migrated, fixture articles, N subscribers.
site() {
	local s=$1
	schemas+=("$s")
	psql -q "$PG" -c "CREATE SCHEMA $s" >/dev/null
	local sep='?'; case "$PG" in *\?*) sep='&';; esac
	local dsn="$PG${sep}search_path=$s"
	cat >"$work/$s.yaml" <<YAML
site: {title: "نشرة الصباح", base_url: "https://digest.example.com", timezone: "Asia/Riyadh", content_dir: ""}
store: {driver: postgres, dsn: "$dsn"}
mail:
  transport: smtp
  from: digest@digest.example.com
  smtp: {host: 127.0.0.1, port: $PORT, tls: none, pool: $POOL}
digest: {schedule: "0 7 * * *"}
security: {secret: "bench-secret-0123456789abcdef0123"}
log: {level: warn}
YAML
	"$work/nashra" --config "$work/$s.yaml" migrate >/dev/null
	# The fixture carries summaries only; the importer wants a body too.
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); [x.setdefault("content_text", x.get("summary") or x["title"]) for x in a]; json.dump(a, open(sys.argv[2], "w"), ensure_ascii=False)' \
		internal/delivery/testdata/articles.json "$work/articles.json"
	"$work/nashra" --config "$work/$s.yaml" import "$work/articles.json" >/dev/null
	psql -q "$PG" -c "INSERT INTO $s.subscribers (email, status, source, created_at, updated_at, confirmed_at)
		SELECT 'reader' || g || '@example.org', 'confirmed', 'admin', 0, 0, 0 FROM generate_series(1, $N) g" >/dev/null
}

# send SCHEMA WORKERS: `digest send` (itself a worker) plus WORKERS-1 `nashra worker`.
send() {
	local s=$1 w=$2 pids=()
	for _ in $(seq 2 "$w"); do
		"$work/nashra" --config "$work/$s.yaml" worker & pids+=($!)
	done
	sleep 0.5
	local start end
	start=$(date +%s.%N)
	"$work/nashra" --config "$work/$s.yaml" digest send --force --date 2026-03-10 >/dev/null
	end=$(date +%s.%N)
	for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || true; done
	echo "$N / ($end - $start)" | bc -l
}

site bench_pg1_$$
site bench_pg2_$$
size=$("$work/nashra" --config "$work/bench_pg1_$$.yaml" digest preview --date 2026-03-10 --format eml | wc -c)
r1=$(send bench_pg1_$$ 1)
r2=$(send bench_pg2_$$ 2)
if [ "$RELAY_MS" != 0 ]; then
	printf 'message size %d bytes, %d messages, %d connections per process, relay waits %d ms per message\n' "$size" "$N" "$POOL" "$RELAY_MS"
	printf 'relay limit per process: %.0f msg/s (connections / delay)\n' "$(echo "$POOL * 1000 / $RELAY_MS" | bc -l)"
	printf 'postgres 1 process:  %.0f msg/s\n' "$r1"
	printf 'postgres 2 processes: %.0f msg/s\n' "$r2"
	printf 'ratio 2 processes / 1 process: %.2f (goal >= 1.8)\n' "$(echo "$r2 / $r1" | bc -l)"
	exit 0
fi
start=$(date +%s.%N)
/usr/sbin/smtp-source -s $((2 * POOL)) -m "$N" -l "$size" -f digest@digest.example.com -t reader@example.org 127.0.0.1:$PORT
end=$(date +%s.%N)
src=$(echo "$N / ($end - $start)" | bc -l)
printf 'message size %d bytes, %d messages, %d connections per process\n' "$size" "$N" "$POOL"
printf 'postgres 1 process:  %.0f msg/s\n' "$r1"
printf 'postgres 2 processes: %.0f msg/s (%.2fx of 1)\n' "$r2" "$(echo "$r2 / $r1" | bc -l)"
printf 'smtp-source:         %.0f msg/s (%d sessions)\n' "$src" $((2 * POOL))
printf 'ratio 2 processes / smtp-source: %.2f\n' "$(echo "$r2 / $src" | bc -l)"
