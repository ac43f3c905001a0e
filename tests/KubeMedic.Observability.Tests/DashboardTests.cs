using System.Text.Json.Nodes;
using KubeMedic.Observability.Dashboards;
using NJsonSchema;

namespace KubeMedic.Observability.Tests;

public sealed class DashboardTests
{
    private static string SchemaFile(string name) => Path.Combine(Tools.Shared, "reference", "data", name);

    /// <summary>
    /// Loads a grafana-foundation-sdk schema file. NJsonSchema cannot resolve a root-level <c>$ref</c> next to <c>definitions</c>,
    /// so the root reference is followed by hand: the returned schema is the referenced definition of the unmodified file.
    /// </summary>
    private static async Task<JsonSchema> Schema(string name)
    {
        var (schema, rootRef) = await Load(name);
        return rootRef is null ? schema : schema.Definitions[rootRef.Split('/')[^1]];
    }

    private static async Task<(JsonSchema Schema, string? RootRef)> Load(string name)
    {
        var node = JsonNode.Parse(await File.ReadAllTextAsync(SchemaFile(name)))!.AsObject();
        var rootRef = node["$ref"]?.GetValue<string>();
        node.Remove("$ref");
        return (await JsonSchema.FromJsonAsync(node.ToJsonString()), rootRef);
    }

    private static async Task<JsonSchema> Definition(string file, string definition) => (await Load(file)).Schema.Definitions[definition];

    private static List<string> Errors(JsonSchema schema, JsonNode node) =>
        schema.Validate(node.ToJsonString()).Select(e => $"{e.Path}: {e.Kind}").ToList();

    [Fact]
    public async Task The_schema_loads_and_rejects_a_broken_dashboard()
    {
        var schema = await Schema("grafana-dashboard.jsonschema.json");
        var broken = DashboardGenerator.Generate();
        broken.Remove("annotations");
        broken["panels"]![1]!["gridPos"]!.AsObject().Remove("h");
        broken["bogus"] = 1;
        var errors = Errors(schema, broken);
        errors.ShouldContain(e => e.Contains("PropertyRequired", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("NoAdditionalPropertiesAllowed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generated_dashboard_validates_against_the_grafana_dashboard_schema()
    {
        var errors = Errors(await Schema("grafana-dashboard.jsonschema.json"), DashboardGenerator.Generate());
        errors.ShouldBeEmpty(string.Join("\n", errors));
    }

    [Fact]
    public async Task Panels_options_field_config_and_targets_validate_against_the_panel_and_prometheus_schemas()
    {
        var dashboard = DashboardGenerator.Generate();
        var target = await Definition("grafana-prometheus.jsonschema.json", "Dataquery");
        var checkedPanels = 0;
        foreach (var panel in dashboard["panels"]!.AsArray().Select(p => p!.AsObject()))
        {
            var type = panel["type"]!.GetValue<string>();
            if (type == "row")
            {
                continue;
            }

            var file = $"grafana-{type}.jsonschema.json";
            File.Exists(SchemaFile(file)).ShouldBeTrue($"no schema for panel type {type}");
            var options = await Definition(file, "Options");
            Errors(options, panel["options"]!).ShouldBeEmpty($"{panel["title"]} options");
            if (panel["fieldConfig"]!["defaults"]!["custom"] is { } custom)
            {
                var fieldConfig = await Definition(file, "FieldConfig");
                Errors(fieldConfig, custom).ShouldBeEmpty($"{panel["title"]} fieldConfig.defaults.custom");
            }

            foreach (var t in panel["targets"]!.AsArray())
            {
                Errors(target, t!).ShouldBeEmpty($"{panel["title"]} target");
            }

            checkedPanels++;
        }

        checkedPanels.ShouldBeGreaterThanOrEqualTo(8);

        // and the panel schemas do bite
        var gaugeOptions = await Definition("grafana-gauge.jsonschema.json", "Options");
        var bad = dashboard["panels"]!.AsArray().First(p => p!["type"]!.GetValue<string>() == "gauge")!["options"]!.DeepClone();
        bad["sizing"] = "huge";
        Errors(gaugeOptions, bad).ShouldNotBeEmpty();
        var badTarget = new JsonObject { ["refId"] = "A", ["legendFormat"] = "x" };
        Errors(target, badTarget).ShouldContain(e => e.Contains("PropertyRequired", StringComparison.Ordinal));
    }

    [Fact]
    public void Has_seed_001_panels_thresholds_variables_and_refresh()
    {
        var d = DashboardGenerator.Generate();
        d["refresh"]!.GetValue<string>().ShouldBe("30s");
        var panels = d["panels"]!.AsArray().Select(p => p!.AsObject()).Where(p => p["type"]!.GetValue<string>() != "row").ToList();
        var titles = panels.Select(p => p["title"]!.GetValue<string>()).ToList();
        titles.ShouldContain("Node CPU");
        titles.ShouldContain("Node memory");
        titles.ShouldContain("Running pods");
        titles.ShouldContain("Container restarts");
        titles.ShouldContain("OOM kills");
        titles.ShouldContain("5xx error rate");
        titles.ShouldContain("p99 latency");
        titles.ShouldContain("Pods by phase");
        foreach (var gauge in panels.Where(p => p["type"]!.GetValue<string>() == "gauge"))
        {
            var steps = gauge["fieldConfig"]!["defaults"]!["thresholds"]!["steps"]!.AsArray();
            steps.Select(s => s!["value"]?.GetValue<double>()).ShouldBe([null, 70, 90]);
        }

        var variables = d["templating"]!["list"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ToList();
        variables.ShouldContain("namespace");
        variables.ShouldContain("workload");
        DashboardGenerator.Expressions(d).Where(e => e.Contains("kube_", StringComparison.Ordinal) && !e.Contains("node_", StringComparison.Ordinal))
            .ShouldAllBe(e => e.Contains("$namespace", StringComparison.Ordinal));

        // panels never overlap on the 24-column grid
        var cells = new HashSet<(int, int)>();
        foreach (var p in d["panels"]!.AsArray())
        {
            var g = p!["gridPos"]!;
            var (x, y, w, h) = (g["x"]!.GetValue<int>(), g["y"]!.GetValue<int>(), g["w"]!.GetValue<int>(), g["h"]!.GetValue<int>());
            (x + w).ShouldBeLessThanOrEqualTo(24);
            for (var i = x; i < x + w; i++)
            {
                for (var j = y; j < y + h; j++)
                {
                    cells.Add((i, j)).ShouldBeTrue($"overlap at {i},{j} ({p["title"]})");
                }
            }
        }
    }
}
