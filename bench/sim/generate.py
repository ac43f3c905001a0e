#!/usr/bin/env python3
"""Writes a large simulator scenario: NODES nodes and NAMESPACES x DEPLOYMENTS deployments of REPLICAS pods."""
import sys

nodes, namespaces, deployments, replicas = (int(x) for x in sys.argv[1:5])
out = sys.stdout
out.write(f"name: bench-{nodes}-nodes\n")
out.write(f"description: Benchmark cluster with {nodes} nodes and {namespaces * deployments * replicas} pods.\n")
out.write("recordEvents: false\n")
out.write("nodes:\n  - name: node\n    count: %d\n    cpu: \"32\"\n    memory: 128Gi\n    pods: \"110\"\n" % nodes)
out.write("images:\n  - nginx:1.27\napps:\n  - image: nginx:1.27\n    ports: [80]\n    cpu: 2m\n    memory: 12Mi\n")
out.write("manifests: |\n")
for n in range(namespaces):
    ns = f"bench-{n:02d}"
    out.write(f"  apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: {ns}\n  ---\n")
    for d in range(deployments):
        name = f"svc-{d:02d}"
        out.write(f"""  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: {name}
    namespace: {ns}
  spec:
    replicas: {replicas}
    selector:
      matchLabels: {{app: {name}}}
    template:
      metadata:
        labels: {{app: {name}}}
      spec:
        containers:
          - name: web
            image: nginx:1.27
            resources:
              requests: {{cpu: 10m, memory: 16Mi}}
  ---
""")
