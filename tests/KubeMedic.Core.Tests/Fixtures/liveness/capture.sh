#!/usr/bin/env bash
# Captures the liveness fixtures with the real kubectl against the simulator (`kubemedic sim`), after the scenario's warm-up.
# Run from the repository root: tests/KubeMedic.Core.Tests/Fixtures/liveness/capture.sh
set -euo pipefail
dir=tests/KubeMedic.Core.Tests/Fixtures/liveness
cli=src/KubeMedic.Cli/bin/Debug/net10.0/kubemedic
for s in liveness-wrong-path liveness-slow-start scenarios/liveness-wrong-port; do
  name=$(basename "$s")
  yaml=$dir/$name.yaml; [[ -f $yaml ]] || yaml=$s.yaml
  kc=$(mktemp)
  "$cli" sim --scenario "$yaml" --kubeconfig-out "$kc" > /dev/null & pid=$!
  for _ in $(seq 100); do kubectl --kubeconfig "$kc" get ns warehouse >/dev/null 2>&1 && break; sleep 0.2; done
  kubectl --kubeconfig "$kc" get deployments,replicasets,pods,events -n warehouse -o json > "$dir/$name.json"
  kill "$pid"; wait "$pid" || true; rm -f "$kc"
done
