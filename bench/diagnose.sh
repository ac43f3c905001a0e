#!/usr/bin/env bash
# Diagnose benchmark: prints, side by side from one run, on the same generated snapshot
#   - kubemedic diagnose: wall time and peak RSS
#   - the floor: a bare Utf8JsonReader pass over the file (bench/KubeMedic.Bench floor)
#   - the peer: jq running the seed-001 OOMKilled filter
# Targets: diagnose <= 2x floor, <= 1 GB peak RSS, >= 5x faster than jq.
# Usage: bench/diagnose.sh [SNAPSHOT] (default: $TMPDIR/kubemedic-bench-5000n-150000p-300000e.json, generated if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

NODES=${NODES:-5000} PODS=${PODS:-150000} EVENTS=${EVENTS:-300000}
SNAP=${1:-${TMPDIR:-/tmp}/kubemedic-bench-${NODES}n-${PODS}p-${EVENTS}e.json}
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is required (apt-get install time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench: jq is required" >&2; exit 2; }

echo "building Release..." >&2
dotnet build -c Release src/KubeMedic.Cli -o /tmp/kubemedic-bench-cli -v q -nologo >/dev/null
dotnet build -c Release bench/KubeMedic.Bench -o /tmp/kubemedic-bench-tool -v q -nologo >/dev/null
CLI=/tmp/kubemedic-bench-cli/kubemedic.dll
TOOL=/tmp/kubemedic-bench-tool/KubeMedic.Bench.dll

if [ ! -s "$SNAP" ]; then
  dotnet "$TOOL" generate "$SNAP" --nodes "$NODES" --pods "$PODS" --events "$EVENTS" >&2
fi
SIZE_MB=$(( $(stat -c %s "$SNAP") / 1000000 ))

# warm the page cache so every contender reads from memory
cat "$SNAP" > /dev/null

measure() { # name, command... -> "wall_seconds peak_kb"
  local out; out=$(mktemp)
  /usr/bin/time -v "$@" > /dev/null 2> "$out" || { echo "bench: '$*' failed:" >&2; tail -5 "$out" >&2; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$out")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  rm -f "$out"
  echo "$wall $rss"
}

read -r D_WALL D_RSS < <(measure dotnet "$CLI" diagnose --snapshot "$SNAP" -o json)
read -r F_WALL F_RSS < <(measure dotnet "$TOOL" floor "$SNAP")
read -r J_WALL J_RSS < <(measure jq '.items[] | select(.status.containerStatuses[]?.lastState.terminated.reason == "OOMKilled") | .metadata.name' "$SNAP")
FINDINGS=$(dotnet "$CLI" diagnose --snapshot "$SNAP" -o json 2>/dev/null | grep -c '"code": "oom-killed"' || true)
OOMS=$(jq '[.items[] | select(.status.containerStatuses[]?.lastState.terminated.reason == "OOMKilled")] | length' "$SNAP")

printf '\nsnapshot: %s (%s MB, %s nodes, %s pods, %s events)\n\n' "$SNAP" "$SIZE_MB" "$NODES" "$PODS" "$EVENTS"
printf '%-34s %10s %12s\n' "contender" "wall (s)" "peak RSS (MB)"
printf '%-34s %10.2f %12d\n' "kubemedic diagnose -o json" "$D_WALL" $(( D_RSS / 1024 ))
printf '%-34s %10.2f %12d\n' "floor: bare Utf8JsonReader pass" "$F_WALL" $(( F_RSS / 1024 ))
printf '%-34s %10.2f %12d\n' "jq OOMKilled filter (seed 001)" "$J_WALL" $(( J_RSS / 1024 ))
echo
awk -v d="$D_WALL" -v f="$F_WALL" -v j="$J_WALL" -v r="$D_RSS" 'BEGIN {
  printf "diagnose / floor = %.2fx  (target <= 2x)   %s\n", d/f, (d/f <= 2 ? "PASS" : "FAIL");
  printf "jq / diagnose    = %.1fx  (target >= 5x)   %s\n", j/d, (j/d >= 5 ? "PASS" : "FAIL");
  printf "diagnose peak    = %.0f MB (target <= 1024) %s\n", r/1024, (r/1024 <= 1024 ? "PASS" : "FAIL");
}'
echo "OOMKilled pods found by jq: $OOMS; oom-killed findings (per workload) by kubemedic: $FINDINGS"
