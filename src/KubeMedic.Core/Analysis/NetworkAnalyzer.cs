using System.Globalization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>
/// Network causes: Services without ready endpoints — told apart as selector-mismatch (no pod carries the labels;
/// the labels nearby pods do carry are shown) or no-ready-pods (pods match but none is Ready; linked to the pod
/// findings) — Services whose targetPort matches no container port, and Services whose ready pods are isolated by
/// an Ingress NetworkPolicy with no rule that admits any source (default deny: pods Ready, endpoints present, every
/// connection times out).
/// </summary>
public sealed class NetworkAnalyzer : IAnalyzer
{
    private const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

    public string Family => "network";

    public IEnumerable<Finding> Analyze(AnalysisContext context)
    {
        var model = context.Model;
        ILookup<string, PodInfo>? podsByNs = null;
        var endpoints = model.Endpoints.ToDictionary(e => (e.Namespace ?? "", e.Name));
        var haveEndpoints = model.KindsPresent.Contains("Endpoints");
        foreach (var svc in model.Services)
        {
            if (svc.Selector.Count == 0 || svc.Type == "ExternalName")
            {
                continue;
            }

            endpoints.TryGetValue((svc.Namespace ?? "", svc.Name), out var ep);
            if (ep is not null && ep.Annotations.ContainsKey(LeaderAnnotation))
            {
                continue;
            }

            var matching = model.PodsMatching(svc.Namespace ?? "", svc.Selector).Where(p => p.Phase is not ("Succeeded" or "Failed")).ToList();
            var readyCount = ep is not null ? ep.ReadyAddresses.Count : haveEndpoints ? 0 : matching.Count(p => p.IsReady);
            if (readyCount == 0 && (ep is not null || haveEndpoints || model.KindsPresent.Contains("Pod")))
            {
                podsByNs ??= model.Pods.Where(p => p.Phase is not ("Succeeded" or "Failed")).ToLookup(p => p.Namespace ?? "");
                yield return NoEndpoints(svc, ep, matching, podsByNs[svc.Namespace ?? ""].ToList(), model.EventsFor(svc).Where(e => e.IsWarning).ToList());
            }

            if (PortMismatch(svc, matching) is { } mismatch)
            {
                yield return mismatch;
            }

            if (readyCount > 0 && PolicyBlocks(model, svc, ep, matching) is { } blocked)
            {
                yield return blocked;
            }
        }
    }

    private static Finding NoEndpoints(ServiceInfo svc, EndpointsInfo? ep, List<PodInfo> matching, List<PodInfo> nsPods, List<EventInfo> warnings)
    {
        var selector = string.Join(",", svc.Selector.Select(kv => $"{kv.Key}={kv.Value}"));
        var evidence = new List<Evidence>
        {
            new(EvidenceSource.Status, ep is null ? $"no Endpoints object for service {svc.Name}" : $"Endpoints {svc.Name}: 0 ready addresses, {ep.NotReadyAddresses.Count} not ready" +
                (ep.NotReadyAddresses.Count > 0 ? $" (pods: [{string.Join(" ", ep.NotReadyAddresses.Select(a => a.TargetName is null ? a.Ip : $"{a.TargetKind}/{a.TargetName}"))}])" : "")),
            new(EvidenceSource.Spec, $"service {svc.Name} selector: {selector}"),
        };
        evidence.AddRange(warnings.Take(3).Select(Quote.Event));
        if (matching.Count == 0 && ep is { NotReadyAddresses.Count: > 0 })
        {
            return new Finding
            {
                Code = FindingCodes.ServiceNoEndpoints,
                Severity = Severity.High,
                Object = svc.Ref,
                Pods = ep.NotReadyAddresses.Where(a => a.TargetName is not null).Select(a => a.TargetName!).ToList(),
                SubReason = "no-ready-pods",
                Summary = $"Service has not ready endpoints, pods: [{string.Join(" ", ep.NotReadyAddresses.Where(a => a.TargetName is not null).Select(a => $"{a.TargetKind}/{a.TargetName}"))}], expected {ep.NotReadyAddresses.Count}",
                Cause = $"All {ep.NotReadyAddresses.Count} endpoint(s) of Service {svc.Name} are not ready, so requests have nowhere to go.",
                Evidence = evidence,
                Fix = new Fix("Find why the selected pods are not Ready.", [$"kubectl describe endpoints {svc.Name} -n {svc.Namespace}", $"kubectl get pods -n {svc.Namespace} -l {selector}"]),
                Docs = FindingCatalog.DocsFor(FindingCodes.ServiceNoEndpoints),
            };
        }

        if (matching.Count == 0)
        {
            var nearby = nsPods.Where(p => p.Labels.Keys.Any(svc.Selector.ContainsKey))
                .Select(p => string.Join(",", p.Labels.Where(kv => kv.Key != "pod-template-hash").Select(kv => $"{kv.Key}={kv.Value}")))
                .Distinct().Take(3).ToList();
            if (nearby.Count == 0)
            {
                nearby = nsPods.Select(p => string.Join(",", p.Labels.Where(kv => kv.Key != "pod-template-hash").Select(kv => $"{kv.Key}={kv.Value}"))).Where(s => s.Length > 0).Distinct().Take(3).ToList();
            }

            evidence.AddRange(nearby.Select(l => new Evidence(EvidenceSource.Status, $"pods in {svc.Namespace} carry labels: {l}")));
            var suggestion = nsPods.Where(p => p.Labels.Keys.Any(svc.Selector.ContainsKey)).Select(p => p.Labels).FirstOrDefault();
            var suggestedSelector = suggestion is null ? null : svc.Selector.ToDictionary(kv => kv.Key, kv => suggestion.TryGetValue(kv.Key, out var v) ? v : kv.Value);
            return new Finding
            {
                Code = FindingCodes.ServiceNoEndpoints,
                Severity = Severity.High,
                Object = svc.Ref,
                SubReason = "selector-mismatch",
                Summary = $"no pod matches selector {selector}" + (nearby.Count > 0 ? $"; nearby pods carry {nearby[0]}" : ""),
                Cause = $"Service {svc.Name} selects {selector}, but no running pod in {svc.Namespace} carries those labels, so it has no endpoints and every request fails." +
                    (nearby.Count > 0 ? $" Pods nearby carry {nearby[0]}: the selector or the pod labels are misspelled." : ""),
                Evidence = evidence,
                Fix = new Fix("Make the Service selector equal the pod template's labels (or fix the labels).",
                    [$"kubectl get pods -n {svc.Namespace} --show-labels", $"kubectl get endpoints {svc.Name} -n {svc.Namespace}"],
                    suggestedSelector is not null && !suggestedSelector.SequenceEqual(svc.Selector) ? Patches.ServiceSelector(suggestedSelector) : null),
                Docs = FindingCatalog.DocsFor(FindingCodes.ServiceNoEndpoints),
            };
        }

        foreach (var p in matching.Take(3))
        {
            var waiting = p.ContainerStatuses.Select(c => c.State).FirstOrDefault(s => s is { IsWaiting: true });
            evidence.Add(new Evidence(EvidenceSource.Status, $"pod {p.Name} matches but is not Ready (phase {p.Phase}{(waiting is not null ? ", " + waiting.Reason : "")})"));
        }

        return new Finding
        {
            Code = FindingCodes.ServiceNoEndpoints,
            Severity = Severity.High,
            Object = svc.Ref,
            Pods = matching.Select(p => p.Name).ToList(),
            SubReason = "no-ready-pods",
            Summary = $"{matching.Count} pod(s) match selector {selector} but none is Ready",
            Cause = $"Service {svc.Name} selects {matching.Count} pod(s), but none is Ready, so it has no ready endpoints; the related pod finding is the cause.",
            Evidence = evidence,
            Fix = new Fix("Fix the pods (see the related finding); the endpoints come back when they turn Ready.",
                [$"kubectl get pods -n {svc.Namespace} -l {selector}", $"kubectl describe endpoints {svc.Name} -n {svc.Namespace}"]),
            Docs = FindingCatalog.DocsFor(FindingCodes.ServiceNoEndpoints),
        };
    }

    private static Finding? PortMismatch(ServiceInfo svc, List<PodInfo> matching)
    {
        if (matching.Count == 0)
        {
            return null;
        }

        var containers = matching[0].Spec.Containers;
        var declared = containers.SelectMany(c => c.Ports).ToList();
        if (declared.Count == 0)
        {
            return null;
        }

        foreach (var port in svc.Ports)
        {
            var target = port.TargetPort ?? port.Port.ToString(CultureInfo.InvariantCulture);
            var ok = int.TryParse(target, out var number)
                ? declared.Any(p => p.Port == number)
                : declared.Any(p => p.Name == target);
            if (ok)
            {
                continue;
            }

            var suggestion = declared.Count == 1 ? declared[0] : null;
            return new Finding
            {
                Code = FindingCodes.ServicePortMismatch,
                Severity = Severity.High,
                Object = svc.Ref,
                Pods = matching.Select(p => p.Name).Take(10).ToList(),
                SubReason = int.TryParse(target, out _) ? "target-port-not-exposed" : "named-port-not-found",
                Summary = $"port {port.Port} -> targetPort {target}, but the pods expose {string.Join(", ", declared.Select(d => d.Name is null ? $"{d.Port}" : $"{d.Name}:{d.Port}"))}",
                Cause = $"Service {svc.Name} forwards port {port.Port} to targetPort {target}, which no container of its pods declares; connections are refused or time out.",
                Evidence = [new(EvidenceSource.Spec, $"service {svc.Name} ports[{port.Name ?? port.Port.ToString(CultureInfo.InvariantCulture)}]: port {port.Port} targetPort {target}"),
                    new(EvidenceSource.Spec, $"pod {matching[0].Name} container ports: {string.Join(", ", declared.Select(d => $"{d.Name ?? "-"}={d.Port}/{d.Protocol}"))}")],
                Fix = new Fix(suggestion is not null ? $"Set targetPort to {suggestion.Port}." : "Set targetPort to the port the container listens on.",
                    [$"kubectl describe svc {svc.Name} -n {svc.Namespace}"],
                    suggestion is not null ? Patches.ServiceTargetPort(port.Port, suggestion.Port.ToString(CultureInfo.InvariantCulture)) : null),
                Docs = FindingCatalog.DocsFor(FindingCodes.ServicePortMismatch),
            };
        }

        return null;
    }

    /// <summary>
    /// network-policy-blocks: every backend pod is selected by at least one policy that restricts ingress, and none of
    /// the policies selecting it has an ingress rule. Conservative: any ingress rule (with from-peers, ports only, or an
    /// empty <c>{}</c>) counts as admitting something, so only true deny-all isolation is reported.
    /// </summary>
    private static Finding? PolicyBlocks(ClusterModel model, ServiceInfo svc, EndpointsInfo? ep, List<PodInfo> matching)
    {
        if (model.NetworkPolicies.Count == 0 || matching.Count == 0)
        {
            return null;
        }

        var ns = svc.Namespace ?? "";
        var policies = model.NetworkPolicies.Where(p => (p.Namespace ?? "") == ns && p.AffectsIngress).ToList();
        if (policies.Count == 0)
        {
            return null;
        }

        var blocking = new List<NetworkPolicyInfo>();
        foreach (var pod in matching)
        {
            var selecting = policies.Where(p => p.PodSelector.Matches(pod.Labels)).ToList();
            if (selecting.Count == 0 || selecting.Any(p => p.Ingress.Count > 0))
            {
                return null;
            }

            blocking.AddRange(selecting.Where(p => !blocking.Contains(p)));
        }

        var names = string.Join(", ", blocking.Select(p => p.Name));
        var first = blocking[0];
        var userFacing = svc.Type is "LoadBalancer" or "NodePort"
            || model.Ingresses.Any(i => (i.Namespace ?? "") == ns && i.BackendServices.Contains(svc.Name));
        var callers = model.Pods
            .Where(p => (p.Namespace ?? "") == ns && p.Phase is not ("Succeeded" or "Failed") && !svc.Selects(p.Labels))
            .Select(p => p.Labels.Where(kv => kv.Key is not ("pod-template-hash" or "controller-revision-hash" or "statefulset.kubernetes.io/pod-name")).ToList())
            .Where(l => l.Count > 0)
            .Select(l => l.OrderBy(kv => kv.Key == "app" ? 0 : 1).First())
            .Distinct()
            .ToList();
        var severity = userFacing || callers.Count > 0 ? Severity.High : Severity.Medium;
        var readyPods = ep?.ReadyAddresses.Count ?? matching.Count(p => p.IsReady);
        var selector = string.Join(",", svc.Selector.Select(kv => $"{kv.Key}={kv.Value}"));
        var targetPorts = svc.Ports.Select(p => p.TargetPort ?? p.Port.ToString(CultureInfo.InvariantCulture)).Distinct().ToList();

        var evidence = new List<Evidence>();
        foreach (var p in blocking.Take(3))
        {
            evidence.Add(new Evidence(EvidenceSource.Spec,
                $"networkpolicy {p.Name} spec: podSelector {NetworkPolicyInfo.SelectorText(p.PodSelector)}, policyTypes [{string.Join(",", p.PolicyTypes.DefaultIfEmpty("Ingress (default)"))}], ingress: [] (no rule: all ingress denied)"));
        }

        evidence.Add(new Evidence(EvidenceSource.Status, ep is not null
            ? $"Endpoints {svc.Name}: {ep.ReadyAddresses.Count} ready address(es) — the pods are Ready, the traffic is dropped before it reaches them"
            : $"{readyPods} of {matching.Count} pod(s) selected by {selector} are Ready"));
        evidence.Add(new Evidence(EvidenceSource.Spec, $"service {svc.Name} selector {selector} -> pods [{string.Join(" ", matching.Take(5).Select(p => p.Name))}] all selected by {names}"));

        // which pods call the Service is not in the model: the example admits every pod of the namespace (what the
        // default deny took away from in-namespace callers) and names the other workloads there so it can be narrowed.
        var peer = "podSelector: {}";
        var numericPorts = targetPorts.Where(t => int.TryParse(t, out _)).ToList();
        var allowName = $"{svc.Name}-allow-ingress";
        var lines = new List<string>
        {
            "kubectl apply -f - <<'EOF'",
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            "metadata: {name: " + allowName + ", namespace: " + ns + "}",
            "spec:",
            "  podSelector: {matchLabels: {" + string.Join(", ", svc.Selector.Select(kv => kv.Key + ": " + kv.Value)) + "}}",
            "  policyTypes: [Ingress]",
            "  ingress:",
            "    - from:",
            "        - " + peer,
        };
        if (numericPorts.Count > 0)
        {
            lines.Add("      ports:");
            lines.AddRange(numericPorts.Select(t => "        - {protocol: TCP, port: " + t + "}"));
        }

        lines.Add("EOF");
        var manifest = string.Join("\n", lines);

        return new Finding
        {
            Code = FindingCodes.NetworkPolicyBlocks,
            Severity = severity,
            Object = svc.Ref,
            Pods = matching.Select(p => p.Name).Take(10).ToList(),
            SubReason = "default-deny",
            Summary = $"NetworkPolicy {names} denies all ingress to the {matching.Count} pod(s) behind Service {svc.Name}; pods Ready, connections time out",
            Cause = $"NetworkPolicy {first.Name} in {ns} selects the pods of Service {svc.Name} ({selector}) for Ingress, and no policy selecting them has an ingress rule, so every connection to them is dropped:"
                + " the pods are Ready and the endpoints are present, but every client's connection times out."
                + (userFacing ? " The Service is user-facing." : ""),
            Evidence = evidence,
            Fix = new Fix(
                $"Keep the default deny and add an allow policy for the pods of {svc.Name}{(numericPorts.Count > 0 ? $" on port {string.Join(",", numericPorts)}" : "")}. The example admits every pod of {ns};"
                    + (callers.Count > 0 ? $" narrow `from` to the real callers (other workloads in {ns}: {string.Join(", ", callers.Take(3).Select(c => $"{c.Key}={c.Value}"))})." : " narrow `from` to the real callers.")
                    + (userFacing ? " The Service is user-facing: also admit the ingress controller's namespace (namespaceSelector)." : ""),
                [$"kubectl get networkpolicy -n {ns}", $"kubectl describe networkpolicy {first.Name} -n {ns}", manifest]),
            Related = blocking.Select(p => new RelatedFinding(FindingCodes.NetworkPolicyBlocks, p.Ref, "blocked-by")).ToList(),
            Docs = FindingCatalog.DocsFor(FindingCodes.NetworkPolicyBlocks),
        };
    }
}
