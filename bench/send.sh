#!/bin/sh
# bench/send.sh — digest send throughput against Postfix's smtp-sink,
# compared with smtp-source pushing messages of the same size to the same
# sink, and nashra's peak memory for a larger list. smtp-source runs twice:
# as Postfix ships it, one SMTP session per message, and with -d, which
# keeps each session for the next message as nashra does; the ratio is
# given to both.
#
#   bench/send.sh [SUBSCRIBERS] [BIG_LIST]     (defaults 20000 and 100000)
#
# BIG_LIST 0 skips the memory run (quick iterations: bench/send.sh 5000 0).
# RUNS=3 repeats the pair (a fresh site each time, nashra then smtp-source
# right after it) and prints the median ratio: the machine's load changes
# both rates from one minute to the next, the ratio of a pair much less.
# Read nashra's CPU time (printed by GNU time) beside the rates.
# POOL (default 4) is both nashra's mail.smtp.pool and smtp-source's
# sessions.
#
# Needs Postfix's smtp-sink and smtp-source (/usr/sbin) and GNU time.
set -eu
N=${1:-20000}
BIG=${2:-100000}
POOL=${POOL:-4}
PORT=${PORT:-25251}
RUNS=${RUNS:-1}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $sink 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/nashra" ./cmd/nashra
go build -o "$work/sendseed" ./bench/sendseed

/usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:$PORT 256 &
sink=$!
sleep 0.5

run=1
while [ "$run" -le "$RUNS" ]; do
	# nashra: N subscribers, pool of $POOL connections, ledger in SQLite (WAL).
	rm -rf "$work/site"
	"$work/sendseed" -dir "$work/site" -n "$N" -port $PORT -pool $POOL >/dev/null
	cfg="$work/site/config.yaml"
	size=$("$work/nashra" --config "$cfg" digest preview --date 2026-03-10 --format eml | wc -c)
	start=$(date +%s.%N)
	/usr/bin/time -f 'nashra CPU: user %U s, system %S s; peak RSS %M kB' \
		"$work/nashra" --config "$cfg" digest send --force --date 2026-03-10 >"$work/send.out" 2>"$work/send.time"
	end=$(date +%s.%N)
	cat "$work/send.out"
	tail -1 "$work/send.time"
	nashra_rate=$(echo "$N / ($end - $start)" | bc -l)

	# smtp-source: the same number of messages of the same size, $POOL
	# sessions; a new session per message, then sessions reused (-d).
	start=$(date +%s.%N)
	/usr/sbin/smtp-source -s $POOL -m "$N" -l "$size" -f digest@digest.example.com -t reader@example.org 127.0.0.1:$PORT
	end=$(date +%s.%N)
	source_rate=$(echo "$N / ($end - $start)" | bc -l)
	start=$(date +%s.%N)
	/usr/sbin/smtp-source -d -s $POOL -m "$N" -l "$size" -f digest@digest.example.com -t reader@example.org 127.0.0.1:$PORT
	end=$(date +%s.%N)
	reuse_rate=$(echo "$N / ($end - $start)" | bc -l)

	ratio=$(echo "$nashra_rate / $source_rate" | bc -l)
	ratio_d=$(echo "$nashra_rate / $reuse_rate" | bc -l)
	echo "$ratio" >>"$work/ratios"
	echo "$ratio_d" >>"$work/ratios_d"
	printf 'message size %d bytes, %d messages, %d connections\n' "$size" "$N" "$POOL"
	printf 'nashra digest send:   %.0f msg/s\n' "$nashra_rate"
	printf 'smtp-source:          %.0f msg/s (a session per message)\n' "$source_rate"
	printf 'smtp-source -d:       %.0f msg/s (sessions reused)\n' "$reuse_rate"
	printf 'ratio: %.2f to smtp-source (goal >= 0.5), %.2f to smtp-source -d\n' "$ratio" "$ratio_d"
	run=$((run + 1))
done
if [ "$RUNS" -gt 1 ]; then
	for f in ratios ratios_d; do
		printf 'median ratio of %d runs to smtp-source%s: %.2f; all: %s\n' "$RUNS" \
			"$([ $f = ratios_d ] && echo ' -d')" \
			"$(sort -g "$work/$f" | sed -n "$(((RUNS + 1) / 2))p")" \
			"$(sort -g "$work/$f" | xargs printf '%.2f ' | sed 's/ $//')"
	done
fi

[ "$BIG" -gt 0 ] || exit 0

# Peak memory for the big list.
"$work/sendseed" -dir "$work/big" -n "$BIG" -port $PORT -pool $POOL >/dev/null
/usr/bin/time -v "$work/nashra" --config "$work/big/config.yaml" digest send --force --date 2026-03-10 \
	>"$work/big.out" 2>"$work/big.time"
cat "$work/big.out"
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/big.time")
elapsed=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/big.time")
printf 'peak RSS for %d subscribers: %.1f MB (goal <= 64 MB), wall %s\n' "$BIG" "$(echo "$rss / 1024" | bc -l)" "$elapsed"
