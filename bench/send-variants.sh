#!/bin/bash
# bench/send-variants.sh — digest send throughput of several nashra builds
# side by side, for deciding whether a mechanism pays its way: every round
# seeds one site, then runs each variant on a fresh copy of it, in an order
# rotated from round to round, and the medians and each variant's ratio to
# the first are printed at the end. The machine's load moves all of them
# together; compare the ratios.
#
#   bench/send-variants.sh NAME=BINARY[,VAR=VALUE...] ...
#
#   ROUNDS (default 3), N subscribers (default 20000), POOL (default 4).
#
# Example: the current tree against itself with GOGC=400:
#   go build -o /tmp/a ./cmd/nashra
#   bench/send-variants.sh base=/tmp/a gogc400=/tmp/a,GOGC=400
set -euo pipefail
ROUNDS=${ROUNDS:-3}
N=${N:-20000}
POOL=${POOL:-4}
PORT=${PORT:-25252}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $sink 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/sendseed" ./bench/sendseed
/usr/sbin/smtp-sink -u "$(id -un)" 127.0.0.1:$PORT 256 &
sink=$!
sleep 0.5

names=() bins=() envs=()
for v in "$@"; do
	names+=("${v%%=*}")
	rest=${v#*=}
	bins+=("${rest%%,*}")
	if [[ $rest == *,* ]]; then envs+=("${rest#*,}"); else envs+=(""); fi
done
n=${#names[@]}

for ((r = 0; r < ROUNDS; r++)); do
	rm -rf "$work/seed"
	"$work/sendseed" -dir "$work/seed" -n "$N" -port "$PORT" -pool "$POOL" >/dev/null
	for ((k = 0; k < n; k++)); do
		i=$(((k + r) % n))
		rm -rf "$work/site"
		cp -a "$work/seed" "$work/site"
		sed -i "s#$work/seed#$work/site#" "$work/site/config.yaml"
		start=$(date +%s.%N)
		if ! env ${envs[$i]//,/ } /usr/bin/time -f '%U %S %M' "${bins[$i]}" --config "$work/site/config.yaml" \
			digest send --force --date 2026-03-10 >"$work/out" 2>"$work/time"; then
			echo "${names[$i]}: digest send failed:" >&2
			cat "$work/out" "$work/time" >&2
			exit 1
		fi
		end=$(date +%s.%N)
		rate=$(echo "$N / ($end - $start)" | bc -l)
		read -r user sys rss < <(tail -1 "$work/time")
		printf 'round %d %-10s %6.0f msg/s  CPU %5.2f s  peak RSS %5.1f MB\n' "$((r + 1))" "${names[$i]}" "$rate" \
			"$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
		echo "$rate" >>"$work/rates.$i"
		echo "$(echo "$user + $sys" | bc -l)" >>"$work/cpu.$i"
	done
done

median() { sort -g "$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
base=$(median "$work/rates.0")
for ((i = 0; i < n; i++)); do
	m=$(median "$work/rates.$i")
	printf '%-10s median %6.0f msg/s, CPU %5.2f s, ratio to %s %.2f (rounds: %s)\n' "${names[$i]}" "$m" \
		"$(median "$work/cpu.$i")" "${names[0]}" "$(echo "$m / $base" | bc -l)" \
		"$(xargs printf '%.0f ' <"$work/rates.$i" | sed 's/ $//')"
done
