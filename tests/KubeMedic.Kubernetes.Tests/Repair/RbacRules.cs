using KubeMedic.Simulator.Chaos;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>
/// The RBAC authorizer's decision for one ServiceAccount over the Roles, ClusterRoles and bindings of manifest files (the
/// subset deploy/ uses: apiGroups, resources with subresources, verbs, resourceNames; no aggregation, no non-resource URLs).
/// </summary>
internal sealed class RbacRules
{
    private readonly List<(string? Namespace, Rule Rule)> _granted = [];

    private sealed record Rule(string[] Groups, string[] Resources, string[] Verbs, string[] Names);

    /// <summary>The rules bound to ServiceAccount <paramref name="ns"/>/<paramref name="account"/> in <paramref name="files"/>.</summary>
    public static RbacRules For(string ns, string account, params string[] files)
    {
        var docs = files.SelectMany(f =>
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(f);
            stream.Load(reader);
            return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>();
        }).ToList();
        static string? Text(YamlNode? node, params string[] path)
        {
            foreach (var key in path)
            {
                node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;
            }

            return (node as YamlScalarNode)?.Value;
        }

        static string[] List(YamlNode rule, string key) =>
            ((YamlMappingNode)rule).Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlSequenceNode seq
                ? [.. seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")]
                : [];

        var roles = docs.Where(d => Text(d, "kind") is "Role" or "ClusterRole").ToDictionary(
            d => (Text(d, "kind")!, Text(d, "metadata", "namespace"), Text(d, "metadata", "name")!),
            d => ((YamlSequenceNode)d.Children[new YamlScalarNode("rules")]).Children
                .Select(r => new Rule(List(r, "apiGroups"), List(r, "resources"), List(r, "verbs"), List(r, "resourceNames"))).ToList());
        var rules = new RbacRules();
        foreach (var binding in docs.Where(d => Text(d, "kind") is "RoleBinding" or "ClusterRoleBinding"))
        {
            var subjects = (YamlSequenceNode)binding.Children[new YamlScalarNode("subjects")];
            if (!subjects.Children.Any(s => Text(s, "kind") == "ServiceAccount" && Text(s, "name") == account && Text(s, "namespace") == ns))
            {
                continue;
            }

            var bindingNs = Text(binding, "kind") == "RoleBinding" ? Text(binding, "metadata", "namespace") : null;
            var refKind = Text(binding, "roleRef", "kind")!;
            var key = (refKind, refKind == "Role" ? bindingNs : null, Text(binding, "roleRef", "name")!);
            foreach (var rule in roles.GetValueOrDefault(key) ?? [])
            {
                rules._granted.Add((bindingNs, rule)); // a RoleBinding grants in its namespace only, even a ClusterRole's rules
            }
        }

        return rules;
    }

    public bool Allows(ApiRequestInfo r)
    {
        var resource = r.Subresource is null ? r.Resource : $"{r.Resource}/{r.Subresource}";
        return _granted.Any(g =>
            (g.Namespace is null || g.Namespace == r.Namespace)
            && (g.Rule.Groups.Contains("*") || g.Rule.Groups.Contains(r.Group))
            && (g.Rule.Resources.Contains("*") || g.Rule.Resources.Contains(resource))
            && (g.Rule.Verbs.Contains("*") || g.Rule.Verbs.Contains(r.Verb))
            && (g.Rule.Names.Length == 0 || (r.Name is not null && g.Rule.Names.Contains(r.Name))));
    }
}
