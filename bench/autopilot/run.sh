#!/usr/bin/env bash
# Autopilot benchmarks (run by hand; not part of CI). Prints the figures.
#  1. OOMKilled -> patch applied: 100 OOM incidents on the in-process simulator (speed 1, wall clock), in waves of N at once.
#  2. RSS of `kubemedic autopilot --dry-run` watching a 10,000-pod simulated cluster, side by side with `kubectl get pods -A --watch`.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${EVENTS:-100}
WAVE=${WAVE:-10}
PARTS=${PARTS:-12} # PARTS=2: only the RSS measurement

dotnet build -c Release src/KubeMedic.Cli -v q -nologo >/dev/null
if [[ $PARTS == *1* ]]; then
  dotnet build -c Release bench/autopilot/AutopilotBench -v q -nologo >/dev/null
  echo "== 1. OOMKilled -> patch applied ($EVENTS events, waves of $WAVE)"
  dotnet bench/autopilot/AutopilotBench/bin/Release/net10.0/AutopilotBench.dll "$EVENTS" "$WAVE" | grep -v "^wave"
fi
[[ $PARTS == *2* ]] || exit 0

echo "== 2. RSS while watching 10,000 pods"
KM="dotnet src/KubeMedic.Cli/bin/Release/net10.0/kubemedic.dll"
TMP=$(mktemp -d)
$KM sim --scenario bench/autopilot/pods-10k.yaml --kubeconfig-out "$TMP/kc" >"$TMP/sim.log" 2>&1 &
SIM=$!
cleanup() { kill "$SIM" "${AP:-}" "${KW:-}" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
for _ in $(seq 1 120); do grep -q serving "$TMP/sim.log" && break; sleep 1; done
# The in-cluster autopilot runs with the image's environment (the ENV line of deploy/Dockerfile: workstation GC); measure that and
# the plain CLI (server GC with dynamic adaptation, chosen for diagnose), one after the other on the same simulator.
DEPLOY_ENV=$(sed -n 's/^ENV //p' deploy/Dockerfile)
kubectl --kubeconfig "$TMP/kc" get pods -A --watch >/dev/null 2>&1 &
KW=$!
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
measure() { # $1 label, $2 env assignments
  rm -rf "$TMP/audit"
  env $2 $KM autopilot --kubeconfig "$TMP/kc" --dry-run --audit-dir "$TMP/audit" --status-interval 10s >"$TMP/ap.log" 2>&1 &
  AP=$!
  # Steady state: wait until the autopilot has cached the pods and finished a pass (a status summary), then sample for 20 s.
  for _ in $(seq 1 180); do grep -qE 'pods total: +[0-9]{4,}' "$TMP/ap.log" && break; sleep 1; done
  sleep 10
  local max=0 samples="" r
  for _ in 1 2 3 4 5; do r=$(( $(rss $AP) / 1024 )); samples="$samples $r"; (( r > max )) && max=$r; sleep 4; done
  echo "kubemedic autopilot, $1: RSS $max MiB = $(( max * 1048576 / 1000000 )) MB (max of samples:$samples over 20 s; peak $(( $(hwm $AP) / 1024 )) MiB; $(grep -E 'pods total' "$TMP/ap.log" | tail -1 | awk '{print $3}') pods cached)"
  kill "$AP"; wait "$AP" 2>/dev/null || true
}
measure "as deployed ($DEPLOY_ENV)" "$DEPLOY_ENV"
measure "CLI defaults" ""
echo "kubectl get -w:      RSS $(( $(rss $KW) / 1024 )) MiB"
