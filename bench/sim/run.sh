#!/usr/bin/env bash
# Simulator benchmark: a generated 1,000-node / 30,000-pod scenario starts, and `kubectl get pods -A` on it.
# Usage: bench/sim/run.sh [NODES] [NAMESPACES] [DEPLOYMENTS] [REPLICAS]   (default 1000 30 10 100 = 30,000 pods)
set -euo pipefail
cd "$(dirname "$0")/../.."
NODES=${1:-1000}; NS=${2:-30}; DEPLOYS=${3:-10}; REPLICAS=${4:-100}
PODS=$((NS * DEPLOYS * REPLICAS))
work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 bench/sim/generate.py "$NODES" "$NS" "$DEPLOYS" "$REPLICAS" > "$work/scenario.yaml"
dotnet build src/KubeMedic.Cli -c Release -v q -nologo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start=$(date +%s.%N)
dotnet src/KubeMedic.Cli/bin/Release/net10.0/kubemedic.dll sim --scenario "$work/scenario.yaml" --listen "127.0.0.1:$port" --kubeconfig-out "$work/kubeconfig" > "$work/sim.log" 2>&1 &
sim_pid=$!
until grep -q '^export KUBECONFIG=' "$work/sim.log"; do
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log"; exit 1; }
  sleep 0.2
done
serving=$(date +%s.%N)
export KUBECONFIG="$work/kubeconfig"
K=(kubectl --cache-dir "$work/cache")
"${K[@]}" get ns >/dev/null   # warm the discovery cache

running=0
for _ in $(seq 1 600); do
  running=$("${K[@]}" get pods -A --field-selector=status.phase=Running --no-headers 2>/dev/null | wc -l)
  [ "$running" -ge "$PODS" ] && break
  sleep 1
done
converged=$(date +%s.%N)

times=(); cpus=()
for _ in 1 2 3; do
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$work/cpu" "${K[@]}" get pods -A --no-headers > "$work/rows"
  t1=$(date +%s.%N)
  rows=$(wc -l < "$work/rows")
  times+=("$(echo "$t1 - $t0" | bc)")
  cpus+=("$(awk '{print $1 + $2}' "$work/cpu")")
done
# The server's share: the same Table request kubectl makes, timed with curl.
server=$(curl -s -o /dev/null -w '%{time_total}' -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json' \
  "http://127.0.0.1:$port/api/v1/pods?limit=500")
t0=$(date +%s.%N); "${K[@]}" get nodes --no-headers | wc -l > "$work/nodes"; t1=$(date +%s.%N)
nodes_time=$(echo "$t1 - $t0" | bc)
t0=$(date +%s.%N); "${K[@]}" get pods -A -o wide --no-headers > /dev/null; t1=$(date +%s.%N)
wide_time=$(echo "$t1 - $t0" | bc)
rss=$(ps -o rss= -p "$sim_pid" | awk '{printf "%.0f", $1/1024}')

printf 'scenario: %d nodes, %d pods (%d namespaces x %d deployments x %d replicas)\n' "$NODES" "$PODS" "$NS" "$DEPLOYS" "$REPLICAS"
printf 'start to serving (scenario loaded, objects created): %.2f s\n' "$(echo "$serving - $start" | bc)"
printf 'start to all pods Running:                           %.2f s (%d/%d Running)\n' "$(echo "$converged - $start" | bc)" "$running" "$PODS"
printf 'kubectl get pods -A (%d rows), 3 runs:                %s s (kubectl CPU %s s)\n' "$rows" "${times[*]}" "${cpus[*]}"
printf 'server side of it (same Table request via curl):     %s s\n' "$server"
printf 'kubectl get pods -A -o wide:                         %.2f s\n' "$wide_time"
printf 'kubectl get nodes (%d rows):                        %.2f s\n' "$(cat "$work/nodes")" "$nodes_time"
printf 'simulator RSS: %s MiB; load average: %s\n' "$rss" "$(cut -d' ' -f1-3 /proc/loadavg)"
best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
if (( $(echo "$best <= 2.0" | bc) )); then echo "target get pods -A <= 2 s: met (best $best s)"; else echo "target get pods -A <= 2 s: MISSED (best $best s)"; fi
