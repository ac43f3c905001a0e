#!/usr/bin/env python3
"""Writes the scenario fixtures in the shape `kubectl get ... -o json` prints (v1 List, sorted keys, 4-space indent).
Run from this directory: python3 make_fixtures.py. The JSON files are committed; this script documents how they were made."""
import json, copy

def t(hm, day="2026-11-20"):
    return f"{day}T{hm}:00Z"

def meta(name, ns=None, uid=None, created=t("10:00"), labels=None, annotations=None, owner=None, deletion=None, generation=None):
    m = {"name": name, "uid": uid or f"uid-{name}", "creationTimestamp": created, "resourceVersion": "1000"}
    if ns: m["namespace"] = ns
    if labels: m["labels"] = labels
    if annotations: m["annotations"] = annotations
    if owner: m["ownerReferences"] = [{"apiVersion": owner[2], "kind": owner[0], "name": owner[1], "uid": f"uid-{owner[1]}", "controller": True, "blockOwnerDeletion": True}]
    if deletion: m["deletionTimestamp"] = deletion; m["deletionGracePeriodSeconds"] = 30
    if generation: m["generation"] = generation
    return m

def node(name, ready="True", reason="KubeletReady", msg="kubelet is posting ready status", cpu="4", mem="8Gi", taints=None, hb=t("14:59"), since=t("09:00"), unschedulable=False):
    conds = []
    for ctype, creason in [("MemoryPressure", "KubeletHasSufficientMemory"), ("DiskPressure", "KubeletHasNoDiskPressure"), ("PIDPressure", "KubeletHasSufficientPID")]:
        st = "False" if ready == "True" else ("Unknown" if ready == "Unknown" else "False")
        conds.append({"type": ctype, "status": st, "reason": creason if st == "False" else "NodeStatusUnknown", "message": "kubelet has sufficient" if st == "False" else "Kubelet stopped posting node status.", "lastHeartbeatTime": hb, "lastTransitionTime": since})
    conds.append({"type": "Ready", "status": ready, "reason": reason, "message": msg, "lastHeartbeatTime": hb, "lastTransitionTime": since})
    spec = {"podCIDR": "10.244.0.0/24"}
    if taints: spec["taints"] = taints
    if unschedulable: spec["unschedulable"] = True
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, labels={"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}, created=t("09:00")),
            "spec": spec,
            "status": {"allocatable": {"cpu": cpu, "memory": mem, "pods": "110", "ephemeral-storage": "50Gi"}, "capacity": {"cpu": cpu, "memory": mem, "pods": "110"},
                       "conditions": conds, "nodeInfo": {"kubeletVersion": "v1.28.0", "containerRuntimeVersion": "containerd://1.7.2"}}}

def container(name, image, cpu="100m", mem="128Mi", limit_mem=None, readiness=None, liveness=None, port=8080, env=None, env_from=None):
    c = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "ports": [{"containerPort": port, "name": "http", "protocol": "TCP"}],
         "resources": {"requests": {"cpu": cpu, "memory": mem}}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    if limit_mem: c["resources"]["limits"] = {"memory": limit_mem}
    if readiness: c["readinessProbe"] = readiness
    if liveness: c["livenessProbe"] = liveness
    if env: c["env"] = env
    if env_from: c["envFrom"] = env_from
    return c

def http_probe(path, port=8080, delay=5):
    return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "initialDelaySeconds": delay, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}

def pod_spec(containers, node_name=None, node_selector=None, volumes=None):
    s = {"containers": containers, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler", "serviceAccountName": "default",
         "terminationGracePeriodSeconds": 30,
         "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                         {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}]}
    if node_name: s["nodeName"] = node_name
    if node_selector: s["nodeSelector"] = node_selector
    if volumes: s["volumes"] = volumes
    return s

def deployment(name, ns, replicas, template_containers, revision, status, strategy=None, node_selector=None, conditions=None, labels=None):
    labels = labels or {"app": name}
    spec = {"replicas": replicas, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, "selector": {"matchLabels": labels},
            "strategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec(template_containers, node_selector=node_selector)}}
    st = dict(status)
    st["observedGeneration"] = revision
    st["conditions"] = conditions or [
        {"type": "Available", "status": "True" if status.get("availableReplicas", 0) >= replicas else "False", "reason": "MinimumReplicasAvailable" if status.get("availableReplicas", 0) >= replicas else "MinimumReplicasUnavailable",
         "message": "Deployment has minimum availability." if status.get("availableReplicas", 0) >= replicas else "Deployment does not have minimum availability.", "lastTransitionTime": t("10:00"), "lastUpdateTime": t("10:00")},
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": f'ReplicaSet "{name}" has successfully progressed.', "lastTransitionTime": t("10:00"), "lastUpdateTime": t("10:00")}]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta(name, ns, labels=labels, generation=revision, annotations={"deployment.kubernetes.io/revision": str(revision),
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"kind": "Deployment", "metadata": {"name": name}})}),
            "spec": spec, "status": st}

def replicaset(name, ns, dep, revision, replicas, containers, created, ready, labels, node_selector=None):
    h = name.rsplit("-", 1)[1]
    l = dict(labels); l["pod-template-hash"] = h
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(name, ns, labels=l, created=created, owner=("Deployment", dep, "apps/v1"),
                             annotations={"deployment.kubernetes.io/revision": str(revision), "deployment.kubernetes.io/desired-replicas": str(replicas)}),
            "spec": {"replicas": replicas, "selector": {"matchLabels": l}, "template": {"metadata": {"labels": l}, "spec": pod_spec(containers, node_selector=node_selector)}},
            "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "fullyLabeledReplicas": replicas, "observedGeneration": 1}}

def pod(name, ns, rs, labels, containers, statuses, phase="Running", node_name="node-2", conditions=None, created=t("14:30"), reason=None, message=None, deletion=None, node_selector=None, init_statuses=None):
    h = rs.rsplit("-", 1)[1] if rs else None
    l = dict(labels)
    if h: l["pod-template-hash"] = h
    ready = all(s.get("ready") for s in statuses) and phase == "Running"
    conds = conditions or [
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": created},
        {"type": "Ready", "status": "True" if ready else "False", "lastProbeTime": None, "lastTransitionTime": created, **({} if ready else {"reason": "ContainersNotReady", "message": "containers with unready status: [" + " ".join(s["name"] for s in statuses if not s.get("ready")) + "]"})},
        {"type": "ContainersReady", "status": "True" if ready else "False", "lastProbeTime": None, "lastTransitionTime": created},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": created}]
    st = {"phase": phase, "conditions": conds, "hostIP": "10.0.0.2", "podIP": "10.244.1.5", "qosClass": "Burstable", "startTime": created}
    if statuses: st["containerStatuses"] = statuses
    if init_statuses: st["initContainerStatuses"] = init_statuses
    if reason: st["reason"] = reason
    if message: st["message"] = message
    p = {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, ns, labels=l, created=created, owner=("ReplicaSet", rs, "apps/v1") if rs else None, deletion=deletion),
         "spec": pod_spec(containers, node_name=node_name, node_selector=node_selector), "status": st}
    return p

def cstatus(name, image, ready, restarts=0, state=None, last=None, started=None):
    s = {"name": name, "image": image, "imageID": "" if not ready and state and "waiting" in state else f"docker.io/library/{image}@sha256:abc", "ready": ready, "restartCount": restarts,
         "started": bool(ready or (state and "running" in state)), "state": state or {"running": {"startedAt": started or t("14:31")}}, "lastState": last or {}}
    if s["state"].get("waiting"): s["containerID"] = None; del s["containerID"]
    else: s["containerID"] = "containerd://" + "a" * 12
    return s

def event(name, ns, kind, obj, reason, message, etype="Normal", count=1, first=t("14:30"), last=None, component="kubelet", field_path=None):
    io = {"kind": kind, "name": obj, "namespace": ns, "uid": f"uid-{obj}", "apiVersion": "v1" if kind in ("Pod", "Node", "Service") else "apps/v1"}
    if field_path: io["fieldPath"] = field_path
    if kind == "Node": io.pop("namespace")
    return {"apiVersion": "v1", "kind": "Event", "count": count, "eventTime": None, "firstTimestamp": first, "lastTimestamp": last or first,
            "involvedObject": io, "message": message, "metadata": meta(name, ns or "default", created=first), "reason": reason,
            "reportingComponent": component, "reportingInstance": "", "source": {"component": component}, "type": etype}

def service(name, ns, selector, port=80, target=8080):
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, ns, labels={"app": name}),
            "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": target}],
                     "selector": selector, "sessionAffinity": "None", "type": "ClusterIP"}, "status": {"loadBalancer": {}}}

def endpoints(name, ns, ready=(), not_ready=(), port=8080):
    subset = {"ports": [{"name": "http", "port": port, "protocol": "TCP"}]}
    if ready: subset["addresses"] = [{"ip": f"10.244.1.{i+10}", "nodeName": "node-2", "targetRef": {"kind": "Pod", "name": p, "namespace": ns, "uid": f"uid-{p}"}} for i, p in enumerate(ready)]
    if not_ready: subset["notReadyAddresses"] = [{"ip": f"10.244.2.{i+10}", "nodeName": "node-3", "targetRef": {"kind": "Pod", "name": p, "namespace": ns, "uid": f"uid-{p}"}} for i, p in enumerate(not_ready)]
    e = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, ns, labels={"app": name})}
    if ready or not_ready: e["subsets"] = [subset]
    return e

def write(path, items):
    doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    with open(path, "w") as f:
        json.dump(doc, f, indent=4, sort_keys=True)
        f.write("\n")

# ---------------------------------------------------------------- seed 000: order-service OOM
def seed000():
    ns = "production"; app = {"app": "order-service"}
    good = "registry.example.com/order-service:v2.3.0"; bad = "registry.example.com/order-service:v2.3.1"
    c = lambda img: [container("order-service", img, cpu="250m", mem="256Mi", limit_mem="512Mi", readiness=http_probe("/ready"), liveness=http_probe("/healthz", delay=15))]
    items = [node("node-1", hb=t("15:00")), node("node-2", hb=t("15:00")), node("node-3", hb=t("15:00"))]
    items.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(ns, labels={"kubernetes.io/metadata.name": ns}), "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    items.append(deployment("order-service", ns, 3, c(bad), 2, {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1}, labels=app,
        conditions=[{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastTransitionTime": t("14:31"), "lastUpdateTime": t("14:31")},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": 'ReplicaSet "order-service-7c9d8e6f4" has successfully progressed.', "lastTransitionTime": t("14:30"), "lastUpdateTime": t("14:33")}]))
    items.append(replicaset("order-service-5b6c7d8e9", ns, "order-service", 1, 0, c(good), t("09:30"), 0, app))
    items.append(replicaset("order-service-7c9d8e6f4", ns, "order-service", 2, 3, c(bad), t("14:30"), 2, app))
    items[-1]["status"]["readyReplicas"] = 2; items[-1]["status"]["availableReplicas"] = 2
    oom = {"terminated": {"containerID": "containerd://dead", "exitCode": 137, "finishedAt": t("14:58"), "reason": "OOMKilled", "startedAt": t("14:50")}}
    first_oom = {"terminated": {"containerID": "containerd://dead0", "exitCode": 137, "finishedAt": t("14:45"), "reason": "OOMKilled", "startedAt": t("14:31")}}
    rs = "order-service-7c9d8e6f4"
    items.append(pod(f"{rs}-x7k2p", ns, rs, app, c(bad), [cstatus("order-service", bad, False, 4, state={"waiting": {"reason": "CrashLoopBackOff", "message": f"back-off 1m20s restarting failed container=order-service pod={rs}-x7k2p_production(uid)"}}, last=oom)], node_name="node-1"))
    items.append(pod(f"{rs}-m9q4z", ns, rs, app, c(bad), [cstatus("order-service", bad, True, 2, last=first_oom, started=t("14:52"))], node_name="node-2"))
    items.append(pod(f"{rs}-b3n8w", ns, rs, app, c(bad), [cstatus("order-service", bad, True, 0, started=t("14:31"))], node_name="node-3"))
    items.append(service("order-service", ns, app))
    items.append(endpoints("order-service", ns, ready=[f"{rs}-m9q4z", f"{rs}-b3n8w"], not_ready=[f"{rs}-x7k2p"]))
    items.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("shop", ns), "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/orders", "pathType": "Prefix", "backend": {"service": {"name": "order-service", "port": {"number": 80}}}}]}}]}, "status": {"loadBalancer": {}}})
    items.append(event("order-service.1", ns, "Deployment", "order-service", "ScalingReplicaSet", f"Scaled up replica set {rs} to 1", first=t("14:30"), component="deployment-controller"))
    items.append(event("order-service.2", ns, "Deployment", "order-service", "ScalingReplicaSet", "Scaled down replica set order-service-5b6c7d8e9 to 0 from 1", first=t("14:33"), component="deployment-controller"))
    items.append(event(f"{rs}-x7k2p.1", ns, "Pod", f"{rs}-x7k2p", "BackOff", "Back-off restarting failed container order-service in pod " + f"{rs}-x7k2p_production(uid)", "Warning", 12, t("14:45"), t("15:00"), field_path="spec.containers{order-service}"))
    items.append(event(f"{rs}-x7k2p.2", ns, "Pod", f"{rs}-x7k2p", "Pulled", f'Container image "{bad}" already present on machine', "Normal", 5, t("14:31"), t("14:58"), field_path="spec.containers{order-service}"))
    write("seed000-oom.json", items)

# ---------------------------------------------------------------- seed 002: four deployment disasters
def seed002():
    ns = "default"
    items = [node("node-1", ready="Unknown", reason="NodeStatusUnknown", msg="Kubelet stopped posting node status.", hb=t("14:20"), since=t("14:21"),
                  taints=[{"effect": "NoSchedule", "key": "node.kubernetes.io/unreachable", "timeAdded": t("14:21")}, {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "timeAdded": t("14:21")}]),
             node("node-2", hb=t("15:00")), node("node-3", hb=t("15:00"))]
    # a cache eating most of node-2/node-3 CPU (the "95 %" of the seed)
    cache = {"app": "cache"}
    cc = [container("redis", "redis:7.2", cpu="3800m", mem="7Gi", readiness={"tcpSocket": {"port": 6379}, "periodSeconds": 5}, port=6379)]
    items.append(deployment("cache", ns, 2, cc, 1, {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}, labels=cache))
    items.append(replicaset("cache-6f5d4c3b2", ns, "cache", 1, 2, cc, t("09:10"), 2, cache))
    items.append(pod("cache-6f5d4c3b2-aaaaa", ns, "cache-6f5d4c3b2", cache, cc, [cstatus("redis", "redis:7.2", True)], node_name="node-2", created=t("09:10")))
    items.append(pod("cache-6f5d4c3b2-bbbbb", ns, "cache-6f5d4c3b2", cache, cc, [cstatus("redis", "redis:7.2", True)], node_name="node-3", created=t("09:10")))

    # 1. frontend: bad image tag
    fe = {"app": "frontend"}
    good, bad = "nginx:1.25.3", "nginx:1.25.3-alpine-typo"
    fc = lambda img: [container("web", img, cpu="50m", mem="64Mi", readiness=http_probe("/"), port=80)]
    items.append(deployment("frontend", ns, 3, fc(bad), 2, {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": 3},
                            strategy={"type": "Recreate"}, labels=fe,
        conditions=[{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability.", "lastTransitionTime": t("14:55"), "lastUpdateTime": t("14:55")},
                    {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": 'ReplicaSet "frontend-7b9c6d5f4" is progressing.', "lastTransitionTime": t("14:55"), "lastUpdateTime": t("14:55")}]))
    items.append(replicaset("frontend-5d8f9c7b6", ns, "frontend", 1, 0, fc(good), t("09:20"), 0, fe))
    frs = "frontend-7b9c6d5f4"
    items.append(replicaset(frs, ns, "frontend", 2, 3, fc(bad), t("14:55"), 0, fe))
    pull_msg = f'Failed to pull image "{bad}": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/{bad}": failed to resolve reference "docker.io/library/{bad}": docker.io/library/{bad}: not found'
    for i, (sfx, reason) in enumerate([("k2j4h", "ImagePullBackOff"), ("p8d3s", "ImagePullBackOff"), ("z5x7c", "ErrImagePull")]):
        msg = f'Back-off pulling image "{bad}"' if reason == "ImagePullBackOff" else pull_msg
        items.append(pod(f"{frs}-{sfx}", ns, frs, fe, fc(bad), [cstatus("web", bad, False, 0, state={"waiting": {"reason": reason, "message": msg}})], phase="Pending", node_name=["node-2", "node-3", "node-2"][i], created=t("14:55")))
        items.append(event(f"{frs}-{sfx}.1", ns, "Pod", f"{frs}-{sfx}", "Failed", pull_msg, "Warning", 3, t("14:55"), t("14:59"), field_path="spec.containers{web}"))
        items.append(event(f"{frs}-{sfx}.2", ns, "Pod", f"{frs}-{sfx}", "BackOff", f'Back-off pulling image "{bad}"', "Normal", 9, t("14:55"), t("15:00"), field_path="spec.containers{web}"))
    items.append(service("frontend", ns, fe, 80, 80)); items.append(endpoints("frontend", ns, not_ready=[f"{frs}-k2j4h", f"{frs}-p8d3s", f"{frs}-z5x7c"], port=80))

    # 2. analytics: requests do not fit
    an = {"app": "analytics"}
    ac = [container("analytics", "example/analytics:1.4.0", cpu="2", mem="6Gi", readiness=http_probe("/ready"))]
    items.append(deployment("analytics", ns, 2, ac, 1, {"replicas": 2, "updatedReplicas": 2, "unavailableReplicas": 2}, labels=an,
        conditions=[{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability.", "lastTransitionTime": t("14:50"), "lastUpdateTime": t("14:50")},
                    {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": 'ReplicaSet "analytics-6c7d8e9f5" is progressing.', "lastTransitionTime": t("14:50"), "lastUpdateTime": t("14:50")}]))
    ars = "analytics-6c7d8e9f5"
    items.append(replicaset(ars, ns, "analytics", 1, 2, ac, t("14:50"), 0, an))
    sched_msg = "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    for sfx in ("q1w2e", "r4t5y"):
        items.append(pod(f"{ars}-{sfx}", ns, ars, an, ac, [], phase="Pending", node_name=None, created=t("14:50"),
                         conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": sched_msg, "lastProbeTime": None, "lastTransitionTime": t("14:50")}]))
        items[-1]["status"].pop("hostIP"); items[-1]["status"].pop("podIP"); items[-1]["status"].pop("startTime")
        items.append(event(f"{ars}-{sfx}.1", ns, "Pod", f"{ars}-{sfx}", "FailedScheduling", sched_msg, "Warning", 6, t("14:50"), t("14:59"), component="default-scheduler"))

    # 3. api-server: maxUnavailable 100 % + readiness probe on a path the new version does not serve
    api = {"app": "api-server"}
    probe = http_probe("/healthz")
    apc = lambda img: [container("api", img, cpu="100m", mem="128Mi", readiness=probe)]
    items.append(deployment("api-server", ns, 5, apc("example/api-server:2.0.0"), 2, {"replicas": 2, "updatedReplicas": 2, "unavailableReplicas": 5},
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "100%"}}, labels=api,
        conditions=[{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability.", "lastTransitionTime": t("14:45"), "lastUpdateTime": t("14:45")},
                    {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": 'ReplicaSet "api-server-84f7d6b9c5" has timed out progressing.', "lastTransitionTime": t("14:55"), "lastUpdateTime": t("14:55")}]))
    items.append(replicaset("api-server-6b8d9f7c4", ns, "api-server", 1, 0, apc("example/api-server:1.9.2"), t("09:30"), 0, api))
    ars2 = "api-server-84f7d6b9c5"
    items.append(replicaset(ars2, ns, "api-server", 2, 5, apc("example/api-server:2.0.0"), t("14:45"), 0, api)); items[-1]["status"]["replicas"] = 2
    for sfx in ("h7j8k", "l9m0n"):
        items.append(pod(f"{ars2}-{sfx}", ns, ars2, api, apc("example/api-server:2.0.0"), [cstatus("api", "example/api-server:2.0.0", False, 0, started=t("14:45"))], node_name="node-3", created=t("14:45")))
        items.append(event(f"{ars2}-{sfx}.1", ns, "Pod", f"{ars2}-{sfx}", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", "Warning", 85, t("14:45"), t("15:00"), field_path="spec.containers{api}"))
    items.append(event("api-server.1", ns, "Deployment", "api-server", "ScalingReplicaSet", "Scaled down replica set api-server-6b8d9f7c4 to 0 from 5", first=t("14:45"), component="deployment-controller"))
    items.append(event("api-server.2", ns, "Deployment", "api-server", "ScalingReplicaSet", f"Scaled up replica set {ars2} to 5", first=t("14:45"), component="deployment-controller"))
    items.append(service("api-server", ns, api)); items.append(endpoints("api-server", ns, not_ready=[f"{ars2}-h7j8k", f"{ars2}-l9m0n"]))

    # 4. database pinned to node-1 (NotReady): pod Unknown/Terminating, replacement Pending
    db = {"app": "database"}
    dc = [container("postgres", "postgres:15.4", cpu="500m", mem="1Gi", readiness={"exec": {"command": ["pg_isready"]}, "periodSeconds": 10}, port=5432)]
    sel = {"kubernetes.io/hostname": "node-1"}
    items.append(deployment("database", ns, 1, dc, 1, {"replicas": 2, "updatedReplicas": 2, "unavailableReplicas": 1}, labels=db, node_selector=sel, strategy={"type": "Recreate"},
        conditions=[{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability.", "lastTransitionTime": t("14:21"), "lastUpdateTime": t("14:21")},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": 'ReplicaSet "database-5c6d7e8f9" has successfully progressed.', "lastTransitionTime": t("09:40"), "lastUpdateTime": t("09:40")}]))
    drs = "database-5c6d7e8f9"
    items.append(replicaset(drs, ns, "database", 1, 1, dc, t("09:40"), 0, db, node_selector=sel)); items[-1]["status"]["replicas"] = 2
    lost = pod(f"{drs}-v6b7n", ns, drs, db, dc, [cstatus("postgres", "postgres:15.4", True, 0, started=t("09:41"))], node_name="node-1", created=t("09:40"),
               reason="NodeLost", message="Node node-1 which was running pod database-5c6d7e8f9-v6b7n is unresponsive", deletion=t("14:26"), node_selector=sel)
    for cnd in lost["status"]["conditions"]:
        if cnd["type"] == "Ready": cnd["status"] = "False"; cnd["reason"] = "NodeNotReady"; cnd.pop("message", None); cnd["lastTransitionTime"] = t("14:21")
    items.append(lost)
    repl_msg = "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    items.append(pod(f"{drs}-c3x4z", ns, drs, db, dc, [], phase="Pending", node_name=None, created=t("14:26"), node_selector=sel,
                     conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": repl_msg, "lastProbeTime": None, "lastTransitionTime": t("14:26")}]))
    items.append(event("node-1.1", None, "Node", "node-1", "NodeNotReady", "Node node-1 status is now: NodeNotReady", "Normal", 1, t("14:21"), component="node-controller"))
    items.append(event(f"{drs}-v6b7n.1", ns, "Pod", f"{drs}-v6b7n", "NodeNotReady", "Node is not ready", "Warning", 1, t("14:21"), component="node-controller"))
    items.append(event(f"{drs}-c3x4z.1", ns, "Pod", f"{drs}-c3x4z", "FailedScheduling", repl_msg, "Warning", 12, t("14:26"), t("14:58"), component="default-scheduler"))
    items.append(service("database", ns, db, 5432, 5432)); items.append(endpoints("database", ns, port=5432))
    write("seed002-disasters.json", items)

# ---------------------------------------------------------------- healthy cluster (with secrets that must never leak)
def healthy():
    ns = "shop"
    items = [node("node-a", hb=t("15:00")), node("node-b", hb=t("15:00")), node("node-c", hb=t("15:00"))]
    web = {"app": "web"}
    env = [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}},
           {"name": "API_TOKEN", "value": "plain-literal-token-hunter2"},
           {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "web-config", "key": "log-level"}}}]
    wc = [container("web", "example/web:3.1.0", cpu="100m", mem="128Mi", limit_mem="256Mi", readiness=http_probe("/ready"), liveness=http_probe("/healthz", delay=10), env=env)]
    items.append(deployment("web", ns, 3, wc, 4, {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}, labels=web))
    wrs = "web-7f8e9d6c5"
    items.append(replicaset("web-6a7b8c9d4", ns, "web", 3, 0, wc, t("08:00"), 0, web))
    items.append(replicaset(wrs, ns, "web", 4, 3, wc, t("09:00"), 3, web))
    for i, sfx in enumerate(["aa111", "bb222", "cc333"]):
        items.append(pod(f"{wrs}-{sfx}", ns, wrs, web, wc, [cstatus("web", "example/web:3.1.0", True, 0 if i else 1, started=t("09:01"),
            last={"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": t("09:00"), "finishedAt": t("09:01")}} if i == 0 else None)], node_name=["node-a", "node-b", "node-c"][i], created=t("09:00")))
    items.append(service("web", ns, web)); items.append(endpoints("web", ns, ready=[f"{wrs}-aa111", f"{wrs}-bb222", f"{wrs}-cc333"]))
    items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("web-config", ns), "data": {"log-level": "info", "feature-flags": "checkout=on"}})
    items.append({"apiVersion": "v1", "kind": "Secret", "metadata": meta("db-credentials", ns), "type": "Opaque",
                  "data": {"password": "U3VwM3JTM2NyM3QtREItUGFzc3dvcmQ=", "username": "YXBw"}, "stringData": None})
    # a Job that succeeded after two failed attempts, with its pods
    jl = {"job-name": "migrate-42"}
    items.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate-42", ns, labels=jl, created=t("08:30"), owner=("CronJob", "migrate", "batch/v1")),
                  "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "x"}},
                           "template": {"metadata": {"labels": jl}, "spec": pod_spec([container("migrate", "example/migrate:1.0")]) | {"restartPolicy": "Never"}}},
                  "status": {"completionTime": t("08:36"), "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": t("08:36"), "lastTransitionTime": t("08:36")}],
                             "failed": 2, "ready": 0, "startTime": t("08:30"), "succeeded": 1}})
    for sfx, code, phase in [("f1", 1, "Failed"), ("f2", 1, "Failed"), ("ok", 0, "Succeeded")]:
        p = pod(f"migrate-42-{sfx}", ns, None, jl, [container("migrate", "example/migrate:1.0")],
                [cstatus("migrate", "example/migrate:1.0", False, 0, state={"terminated": {"exitCode": code, "reason": "Error" if code else "Completed", "startedAt": t("08:30"), "finishedAt": t("08:31")}})],
                phase=phase, node_name="node-a", created=t("08:30"))
        p["metadata"]["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "Job", "name": "migrate-42", "uid": "uid-migrate-42", "controller": True}]
        items.append(p)
    items.append({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("migrate", ns), "spec": {"schedule": "30 8 * * *", "suspend": False, "concurrencyPolicy": "Forbid",
                  "jobTemplate": {"spec": {"template": {"spec": pod_spec([container("migrate", "example/migrate:1.0")]) | {"restartPolicy": "Never"}}}}},
                  "status": {"lastScheduleTime": t("08:30"), "lastSuccessfulTime": t("08:36")}})
    items.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta("web", ns),
                  "spec": {"maxReplicas": 10, "minReplicas": 3, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                           "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
                  "status": {"currentReplicas": 3, "desiredReplicas": 3, "conditions": [
                      {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "message": "recommended size matches current size", "lastTransitionTime": t("09:00")},
                      {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound", "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", "lastTransitionTime": t("09:00")},
                      {"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas", "message": "the desired replica count is less than the minimum replica count", "lastTransitionTime": t("09:00")}]}})
    items.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("uploads", ns), "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "standard", "volumeName": "pvc-123"}, "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}}})
    items.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta("web", ns), "spec": {"minAvailable": 2, "selector": {"matchLabels": web}},
                  "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3, "observedGeneration": 1}})
    items.append(event("web.1", ns, "Deployment", "web", "ScalingReplicaSet", f"Scaled up replica set {wrs} to 3", first=t("09:00"), component="deployment-controller"))
    write("healthy.json", items)

seed000(); seed002(); healthy()

# ---------------------------------------------------------------- cluster-info dump forms of seed 000
def dump_forms():
    import os, shutil
    doc = json.load(open("seed000-oom.json"))
    by_kind = {}
    for it in doc["items"]:
        by_kind.setdefault(it["kind"], []).append(it)
    def typed(kind, items):
        stripped = []
        for it in items:
            it = dict(it); it.pop("kind"); it.pop("apiVersion"); stripped.append(it)
        return {"kind": kind + "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1000"}, "items": stripped}
    root = "dump-seed000"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "production"))
    files = [("nodes.json", typed("Node", by_kind["Node"]))]
    for kind, fname in [("Event", "events.json"), ("Service", "services.json"), ("Deployment", "deployments.json"), ("ReplicaSet", "replicasets.json"), ("Pod", "pods.json")]:
        files.append((os.path.join("production", fname), typed(kind, by_kind.get(kind, []))))
    files.append((os.path.join("production", "replicationcontrollers.json"), {"kind": "ReplicationControllerList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []}))
    files.append((os.path.join("production", "daemonsets.json"), {"kind": "DaemonSetList", "apiVersion": "apps/v1", "metadata": {"resourceVersion": "1"}, "items": []}))
    stdout = []
    pod = "order-service-7c9d8e6f4-x7k2p"
    log_lines = ["2026-11-20T14:57:58Z INFO order-service v2.3.1 listening on :8080",
                 "2026-11-20T14:57:59Z WARN heap in use 471MiB, goroutines 18234",
                 "2026-11-20T14:58:00Z ERROR runtime: out of memory allocating response buffer"]
    logs = f"==== START logs for container order-service of pod production/{pod} ====\n" + "\n".join(log_lines) + f"\n==== END logs for container order-service of pod production/{pod} ====\n"
    for name, content in files:
        text = json.dumps(content, indent=4) + "\n"
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
        stdout.append(text)
        if name.endswith("pods.json"):
            os.makedirs(os.path.join(root, "production", pod), exist_ok=True)
            with open(os.path.join(root, "production", pod, "logs.txt"), "w") as f:
                f.write(logs)
            stdout.append(logs)
    with open("dump-seed000-stdout.txt", "w") as f:
        f.write("".join(stdout))

dump_forms()
