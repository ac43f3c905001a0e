using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Observability.Rules;

namespace KubeMedic.Observability.Dashboards;

public sealed record DashboardOptions
{
    public string Title { get; init; } = "KubeMedic / Cluster overview";
    public string Uid { get; init; } = "kubemedic-cluster-overview";
    public string Refresh { get; init; } = "30s";
    public string ServiceLabel { get; init; } = "service";

    /// <summary>Gauge colours: yellow from this percentage (seed 001: 70).</summary>
    public double GaugeWarning { get; init; } = 70;

    /// <summary>Gauge colours: red from this percentage (seed 001: 90).</summary>
    public double GaugeCritical { get; init; } = 90;

    public AlertThresholds Thresholds { get; init; } = new();
}

/// <summary>
/// Builds the Grafana dashboard (classic JSON model, schemaVersion 39) of seed 001's 8 panels plus workload drill-down:
/// node CPU and memory gauges (70/90), running pods, restarts, OOM kills, 5xx rate, p99 latency, pods by phase; memory vs limit,
/// CPU throttling and replica availability. Template variables: datasource, node, namespace, workload. Deploys are annotated.
/// </summary>
public static class DashboardGenerator
{
    public static JsonObject Generate(DashboardOptions? options = null)
    {
        var o = options ?? new DashboardOptions();
        var svc = o.ServiceLabel;
        var panels = new JsonArray();
        var id = 1;
        var y = 0;

        void Row(string title)
        {
            panels.Add(new JsonObject
            {
                ["type"] = "row", ["id"] = id++, ["title"] = title, ["collapsed"] = false, ["panels"] = new JsonArray(),
                ["gridPos"] = Grid(0, y, 24, 1),
            });
            y += 1;
        }

        void Add(JsonObject panel, int x, int w, int h)
        {
            panel["id"] = id++;
            panel["gridPos"] = Grid(x, y, w, h);
            panels.Add(panel);
        }

        const string ns = "namespace=~\"$namespace\"";
        const string wl = "pod=~\"$workload.*\"";

        Row("Cluster (USE)");
        Add(Gauge("Node CPU", "Share of CPU time not idle, per node (seed 001 gauge: yellow 70 %, red 90 %).",
            "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\",instance=~\"$node\"}[$__rate_interval])))", "{{instance}}", o), 0, 6, 7);
        Add(Gauge("Node memory", "Memory in use (1 - MemAvailable / MemTotal), per node.",
            "100 * (1 - node_memory_MemAvailable_bytes{instance=~\"$node\"} / node_memory_MemTotal_bytes{instance=~\"$node\"})", "{{instance}}", o), 6, 6, 7);
        Add(Stat("Running pods", "Pods in phase Running (sum, not count: kube-state-metrics emits a 0-valued series for every other phase).",
            [Target("A", $"sum(kube_pod_status_phase{{phase=\"Running\",{ns}}})", "running")], "none", graph: true), 12, 4, 7);
        Add(Stat("Pods by phase", "Pods per phase; anything in Pending, Failed or Unknown needs a look.",
            [Target("A", $"sum by (phase) (kube_pod_status_phase{{{ns}}})", "{{phase}}")], "none", graph: false), 16, 8, 7);
        y += 7;

        Row("Workloads");
        Add(TimeSeries("Container restarts", "Restarts in the last 10 minutes per pod (kube-state-metrics).",
            [Target("A", $"sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{{{ns},{wl}}}[10m]))", "{{namespace}}/{{pod}}")],
            "none", null, bars: true), 0, 8, 8);
        Add(TimeSeries("OOM kills", "Containers whose last termination was OOMKilled (kube-state-metrics), and kernel OOM events (cAdvisor).",
            [
                Target("A", $"sum by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{{reason=\"OOMKilled\",{ns},{wl}}})", "OOMKilled {{namespace}}/{{pod}} {{container}}"),
                Target("B", $"sum by (namespace, pod, container) (increase(container_oom_events_total{{{ns},{wl},container!=\"\"}}[10m]))", "oom events {{namespace}}/{{pod}} {{container}}"),
            ], "none", null, bars: true), 8, 8, 8);
        Add(TimeSeries("Memory working set vs limit", "Working set per container against its memory limit: a steady climb is a leak, a flat line at the limit is a limit too low.",
            [
                Target("A", $"max by (namespace, pod, container) (container_memory_working_set_bytes{{{ns},{wl},container!=\"\"}})", "{{pod}} {{container}}"),
                Target("B", $"max by (namespace, pod, container) (kube_pod_container_resource_limits{{resource=\"memory\",{ns},{wl}}})", "limit {{pod}} {{container}}"),
            ], "bytes", null), 16, 8, 8);
        y += 8;
        Add(TimeSeries("CPU throttling", "Share of CFS periods throttled per container; above 25 % the CPU limit is too tight.",
            [Target("A", $"100 * sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{{{ns},{wl},container!=\"\"}}[$__rate_interval])) / sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{{{ns},{wl},container!=\"\"}}[$__rate_interval]))", "{{pod}} {{container}}")],
            "percent", o.Thresholds.CpuThrottlingPercent), 0, 12, 8);
        Add(TimeSeries("Deployment replicas available / desired", "Available replicas against spec.replicas per Deployment.",
            [
                Target("A", $"sum by (namespace, deployment) (kube_deployment_status_replicas_available{{{ns},deployment=~\"$workload\"}})", "available {{deployment}}"),
                Target("B", $"sum by (namespace, deployment) (kube_deployment_spec_replicas{{{ns},deployment=~\"$workload\"}})", "desired {{deployment}}"),
            ], "none", null), 12, 12, 8);
        y += 8;

        Row("Services (RED)");
        Add(TimeSeries("5xx error rate", "Share of requests answered with 5xx, per service (seed 003: above 1 % is critical).",
            [Target("A", $"100 * sum by (namespace, {svc}) (rate(http_server_requests_seconds_count{{status=~\"5..\",{ns}}}[$__rate_interval])) / sum by (namespace, {svc}) (rate(http_server_requests_seconds_count{{{ns}}}[$__rate_interval]))", $"{{{{namespace}}}}/{{{{{svc}}}}}")],
            "percent", o.Thresholds.ErrorRatePercent), 0, 8, 8);
        Add(TimeSeries("p99 latency", "99th percentile request latency per service (seed 003: above 500 ms is a warning).",
            [Target("A", $"histogram_quantile(0.99, sum by (namespace, {svc}, le) (rate(http_server_requests_seconds_bucket{{{ns}}}[$__rate_interval])))", $"{{{{namespace}}}}/{{{{{svc}}}}}")],
            "s", o.Thresholds.LatencyP99Seconds), 8, 8, 8);
        Add(TimeSeries("Request rate", "Requests per second per service and status class.",
            [Target("A", $"sum by (namespace, {svc}, status) (rate(http_server_requests_seconds_count{{{ns}}}[$__rate_interval]))", $"{{{{{svc}}}}} {{{{status}}}}")],
            "reqps", null), 16, 8, 8);

        return new JsonObject
        {
            ["uid"] = o.Uid,
            ["title"] = o.Title,
            ["description"] = "Generated by 'kubemedic dashboard generate': cluster USE, workload health and service RED, with deploy annotations.",
            ["tags"] = new JsonArray("kubemedic", "kubernetes"),
            ["timezone"] = "utc",
            ["editable"] = true,
            ["graphTooltip"] = 1,
            ["time"] = new JsonObject { ["from"] = "now-1h", ["to"] = "now" },
            ["refresh"] = o.Refresh,
            ["schemaVersion"] = 39,
            ["version"] = 1,
            ["links"] = new JsonArray(),
            ["annotations"] = new JsonObject
            {
                ["list"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["name"] = "Annotations & Alerts", ["builtIn"] = 1, ["enable"] = true, ["hide"] = true, ["iconColor"] = "rgba(0, 211, 255, 1)",
                        ["type"] = "dashboard", ["datasource"] = new JsonObject { ["type"] = "grafana", ["uid"] = "-- Grafana --" },
                    },
                    new JsonObject
                    {
                        ["name"] = "Deploys", ["enable"] = true, ["iconColor"] = "orange", ["datasource"] = Ds(),
                        ["expr"] = $"changes(kube_deployment_status_observed_generation{{{ns},deployment=~\"$workload\"}}[2m]) > 0",
                        ["step"] = "1m", ["titleFormat"] = "rollout {{deployment}}", ["textFormat"] = "{{namespace}}/{{deployment}} generation changed", ["tagKeys"] = "namespace,deployment",
                    },
                },
            },
            ["templating"] = new JsonObject
            {
                ["list"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["name"] = "datasource", ["label"] = "Data source", ["type"] = "datasource", ["query"] = "prometheus", ["hide"] = 0, ["refresh"] = 1,
                        ["current"] = new JsonObject { ["text"] = "default", ["value"] = "default" },
                    },
                    QueryVariable("node", "Node", "label_values(node_memory_MemTotal_bytes, instance)"),
                    QueryVariable("namespace", "Namespace", "label_values(kube_pod_info, namespace)"),
                    QueryVariable("workload", "Workload", "label_values(kube_deployment_spec_replicas{namespace=~\"$namespace\"}, deployment)"),
                },
            },
            ["panels"] = panels,
        };
    }

    public static string ToJson(JsonObject dashboard) => dashboard.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>Every PromQL expression in the dashboard (panel targets and annotations), for checking against a real Prometheus.</summary>
    public static IEnumerable<string> Expressions(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            foreach (var t in panel!["targets"]?.AsArray() ?? [])
            {
                yield return t!["expr"]!.GetValue<string>();
            }
        }

        foreach (var a in dashboard["annotations"]!["list"]!.AsArray())
        {
            if (a!["expr"] is { } e)
            {
                yield return e.GetValue<string>();
            }
        }
    }

    private static JsonObject Grid(int x, int y, int w, int h) => new() { ["h"] = h, ["w"] = w, ["x"] = x, ["y"] = y };

    private static JsonObject Ds() => new() { ["type"] = "prometheus", ["uid"] = "${datasource}" };

    private static JsonObject QueryVariable(string name, string label, string query) => new()
    {
        ["name"] = name, ["label"] = label, ["type"] = "query", ["datasource"] = Ds(), ["query"] = query, ["definition"] = query,
        ["refresh"] = 2, ["hide"] = 0, ["includeAll"] = true, ["multi"] = true, ["allValue"] = ".*", ["sort"] = 1,
        ["current"] = new JsonObject { ["text"] = "All", ["value"] = "$__all" }, ["options"] = new JsonArray(),
    };

    private static JsonObject Target(string refId, string expr, string legend) => new()
    {
        ["datasource"] = Ds(), ["refId"] = refId, ["expr"] = expr, ["legendFormat"] = legend, ["editorMode"] = "code", ["range"] = true,
    };

    private static JsonArray Steps(params (string Color, double? Value)[] steps) =>
        new(steps.Select(s => (JsonNode)new JsonObject { ["color"] = s.Color, ["value"] = s.Value is { } v ? JsonValue.Create(v) : null }).ToArray());

    private static JsonObject Gauge(string title, string description, string expr, string legend, DashboardOptions o) => new()
    {
        ["type"] = "gauge", ["title"] = title, ["description"] = description, ["datasource"] = Ds(),
        ["targets"] = new JsonArray(Target("A", expr, legend)),
        ["fieldConfig"] = new JsonObject
        {
            ["defaults"] = new JsonObject
            {
                ["unit"] = "percent", ["min"] = 0, ["max"] = 100, ["decimals"] = 1, ["color"] = new JsonObject { ["mode"] = "thresholds" },
                ["thresholds"] = new JsonObject { ["mode"] = "absolute", ["steps"] = Steps(("green", null), ("yellow", o.GaugeWarning), ("red", o.GaugeCritical)) },
            },
            ["overrides"] = new JsonArray(),
        },
        ["options"] = new JsonObject
        {
            ["showThresholdLabels"] = false, ["showThresholdMarkers"] = true, ["sizing"] = "auto", ["minVizWidth"] = 75, ["minVizHeight"] = 75,
            ["orientation"] = "auto", ["reduceOptions"] = new JsonObject { ["calcs"] = new JsonArray("lastNotNull"), ["values"] = false, ["fields"] = "" },
        },
    };

    private static JsonObject Stat(string title, string description, JsonObject[] targets, string unit, bool graph) => new()
    {
        ["type"] = "stat", ["title"] = title, ["description"] = description, ["datasource"] = Ds(),
        ["targets"] = new JsonArray(targets),
        ["fieldConfig"] = new JsonObject
        {
            ["defaults"] = new JsonObject
            {
                ["unit"] = unit, ["color"] = new JsonObject { ["mode"] = "thresholds" },
                ["thresholds"] = new JsonObject { ["mode"] = "absolute", ["steps"] = Steps(("blue", null)) },
            },
            ["overrides"] = new JsonArray(),
        },
        ["options"] = new JsonObject
        {
            ["graphMode"] = graph ? "area" : "none", ["colorMode"] = "value", ["justifyMode"] = "auto", ["textMode"] = graph ? "value" : "value_and_name",
            ["wideLayout"] = true, ["showPercentChange"] = false, ["percentChangeColorMode"] = "standard", ["orientation"] = "auto",
            ["reduceOptions"] = new JsonObject { ["calcs"] = new JsonArray("lastNotNull"), ["values"] = false, ["fields"] = "" },
        },
    };

    private static JsonObject TimeSeries(string title, string description, JsonObject[] targets, string unit, double? threshold, bool bars = false)
    {
        var steps = threshold is { } t ? Steps(("green", null), ("red", t)) : Steps(("green", null));
        return new JsonObject
        {
            ["type"] = "timeseries", ["title"] = title, ["description"] = description, ["datasource"] = Ds(),
            ["targets"] = new JsonArray(targets),
            ["fieldConfig"] = new JsonObject
            {
                ["defaults"] = new JsonObject
                {
                    ["unit"] = unit, ["min"] = 0, ["color"] = new JsonObject { ["mode"] = "palette-classic" },
                    ["thresholds"] = new JsonObject { ["mode"] = "absolute", ["steps"] = steps },
                    ["custom"] = new JsonObject
                    {
                        ["drawStyle"] = bars ? "bars" : "line", ["lineWidth"] = 1, ["fillOpacity"] = bars ? 80 : 10, ["showPoints"] = "never",
                        ["thresholdsStyle"] = new JsonObject { ["mode"] = threshold is null ? "off" : "line+area" },
                    },
                },
                ["overrides"] = new JsonArray(),
            },
            ["options"] = new JsonObject
            {
                ["legend"] = new JsonObject { ["displayMode"] = "list", ["placement"] = "bottom", ["showLegend"] = true, ["calcs"] = new JsonArray() },
                ["tooltip"] = new JsonObject { ["mode"] = "multi", ["sort"] = "desc" },
            },
        };
    }
}
