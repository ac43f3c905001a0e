using System.Globalization;
using KubeMedic.Core.Remedies;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Core.Policy;

/// <summary>
/// Reads the policy YAML (kind AutopilotPolicy, see docs/autopilot-policy.md). Unknown keys and bad values are a
/// <see cref="UserInputException"/> naming the file and the key; missing keys keep the safe defaults.
/// </summary>
public static class PolicyLoader
{
    public static AutopilotPolicy LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"policy {path}: cannot read ({ex.Message})", ex);
        }

        return Parse(text, path);
    }

    public static AutopilotPolicy Parse(string yaml, string source = "policy")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new UserInputException($"{source}: invalid YAML at line {ex.Start.Line}: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            return AutopilotPolicy.Default;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new UserInputException($"{source}: the policy must be a YAML mapping");
        }

        var r = new Reader(source);
        var p = AutopilotPolicy.Default;
        var remedyOptions = RemedyOptions.Default;
        foreach (var (key, value) in r.Entries(root, ""))
        {
            switch (key)
            {
                case "apiVersion":
                    if (r.Str(value, key) is not ("kubemedic.io/v1" or "kubemedic.io/v1alpha1"))
                    {
                        throw r.Error(key, "must be kubemedic.io/v1");
                    }

                    break;
                case "kind":
                    if (r.Str(value, key) != "AutopilotPolicy")
                    {
                        throw r.Error(key, "must be AutopilotPolicy");
                    }

                    break;
                case "metadata":
                    break;
                case "dryRun":
                    p = p with { DryRun = r.Bool(value, key) };
                    break;
                case "namespaces":
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        p = k switch
                        {
                            "allow" => p with { AllowNamespaces = r.List(v, $"{key}.{k}") },
                            "deny" => p with { DenyNamespaces = r.List(v, $"{key}.{k}") },
                            _ => throw r.Unknown($"{key}.{k}"),
                        };
                    }

                    break;
                case "exclude":
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        p = k == "names" ? p with { ExcludeNames = r.List(v, $"{key}.{k}") } : throw r.Unknown($"{key}.{k}");
                    }

                    break;
                case "remedies":
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        var path = $"{key}.{k}";
                        switch (k)
                        {
                            case "automatic":
                                var ids = r.List(v, path);
                                if (ids.FirstOrDefault(id => !RemedyIds.All.Contains(id)) is { } bad)
                                {
                                    throw r.Error(path, $"unknown remedy '{bad}' (known: {string.Join(", ", RemedyIds.All)})");
                                }

                                p = p with { AutomaticRemedies = ids };
                                break;
                            case "memoryFactor":
                                remedyOptions = remedyOptions with { MemoryFactor = r.Double(v, path, 1.0, 10) };
                                break;
                            case "peakHeadroomPercent":
                                remedyOptions = remedyOptions with { PeakHeadroom = r.Double(v, path, 0, 500) / 100 };
                                break;
                            case "memoryCap":
                                remedyOptions = remedyOptions with { MemoryCapBytes = Quantity.ParseBytes(r.Str(v, path)) is { } b and > 0 ? b : throw r.Error(path, "must be a memory quantity such as 8Gi") };
                                break;
                            case "priorityThreshold":
                                remedyOptions = remedyOptions with { PriorityThreshold = r.Int(v, path, int.MinValue, int.MaxValue) };
                                break;
                            case "recentDeployWindow":
                                remedyOptions = remedyOptions with { RecentDeployWindow = r.Duration(v, path) };
                                break;
                            default:
                                throw r.Unknown(path);
                        }
                    }

                    break;
                case "rateLimits":
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        p = k switch
                        {
                            "perWorkload" => p with { PerWorkload = r.Rate(v, $"{key}.{k}") },
                            "global" => p with { Global = r.Rate(v, $"{key}.{k}") },
                            _ => throw r.Unknown($"{key}.{k}"),
                        };
                    }

                    break;
                case "circuitBreaker":
                    var cb = p.Circuit;
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        cb = k switch
                        {
                            "failedVerifications" => cb with { FailedVerifications = r.Int(v, $"{key}.{k}", 1, 1000) },
                            "window" => cb with { Window = r.Duration(v, $"{key}.{k}") },
                            "openFor" => cb with { OpenFor = r.Duration(v, $"{key}.{k}") },
                            _ => throw r.Unknown($"{key}.{k}"),
                        };
                    }

                    p = p with { Circuit = cb };
                    break;
                case "blastRadius":
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        p = k == "maxReplicaPercent" ? p with { MaxReplicaPercent = r.Int(v, $"{key}.{k}", 0, 100) } : throw r.Unknown($"{key}.{k}");
                    }

                    break;
                case "storm":
                    var st = p.Storm;
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        st = k switch
                        {
                            "findings" => st with { Findings = r.Int(v, $"{key}.{k}", 1, 100000) },
                            "window" => st with { Window = r.Duration(v, $"{key}.{k}") },
                            "cooldown" => st with { Cooldown = r.Duration(v, $"{key}.{k}") },
                            _ => throw r.Unknown($"{key}.{k}"),
                        };
                    }

                    p = p with { Storm = st };
                    break;
                case "verification":
                    foreach (var (k, v) in r.Entries(value, key))
                    {
                        p = k == "window" ? p with { VerifyWindow = r.Duration(v, $"{key}.{k}") } : throw r.Unknown($"{key}.{k}");
                    }

                    break;
                default:
                    throw r.Unknown(key);
            }
        }

        return p with { Remedies = remedyOptions };
    }

    /// <summary>Parses "90s", "5m", "1h", "2d", "1h30m".</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || i >= text.Length || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            total += text[unitStart..i] switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.MinValue,
            };
            if (total < TimeSpan.Zero)
            {
                return null;
            }
        }

        return total;
    }

    private sealed class Reader(string source)
    {
        public UserInputException Error(string path, string message) => new($"{source}: {path} {message}");

        public UserInputException Unknown(string path) => new($"{source}: unknown key '{path}'");

        public IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode node, string path)
        {
            if (node is not YamlMappingNode map)
            {
                throw Error(path.Length == 0 ? "(root)" : path, "must be a mapping");
            }

            return map.Children.Select(kv => (((YamlScalarNode)kv.Key).Value ?? "", kv.Value)).ToList();
        }

        public string Str(YamlNode node, string path) => node is YamlScalarNode { Value: { } v } ? v : throw Error(path, "must be a string");

        public bool Bool(YamlNode node, string path) => Str(node, path) switch
        {
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            _ => throw Error(path, "must be true or false"),
        };

        public int Int(YamlNode node, string path, int min, int max) =>
            int.TryParse(Str(node, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : throw Error(path, $"must be an integer from {min} to {max}");

        public double Double(YamlNode node, string path, double min, double max) =>
            double.TryParse(Str(node, path), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : throw Error(path, $"must be a number from {min} to {max}");

        public TimeSpan Duration(YamlNode node, string path) =>
            ParseDuration(Str(node, path)) is { } d ? d : throw Error(path, "must be a duration such as 90s, 5m or 1h");

        public IReadOnlyList<string> List(YamlNode node, string path) => node is YamlSequenceNode seq
            ? seq.Children.Select((c, i) => Str(c, $"{path}[{i}]")).ToList()
            : throw Error(path, "must be a list");

        public RateLimit Rate(YamlNode node, string path)
        {
            var rate = new RateLimit(1, TimeSpan.FromHours(1));
            foreach (var (k, v) in Entries(node, path))
            {
                rate = k switch
                {
                    "max" => rate with { Max = Int(v, $"{path}.{k}", 0, 100000) },
                    "window" => rate with { Window = Duration(v, $"{path}.{k}") },
                    _ => throw Unknown($"{path}.{k}"),
                };
            }

            return rate;
        }
    }
}
