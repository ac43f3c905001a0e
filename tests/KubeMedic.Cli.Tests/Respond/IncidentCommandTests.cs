namespace KubeMedic.Cli.Tests.Respond;

/// <summary>The incident, runbook and postmortem verbs, run as the real CLI.</summary>
public sealed class IncidentCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("km-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Open_note_status_update_resolve_and_postmortem_by_hand()
    {
        var (rc, id, _) = await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "open", "checkout latency", "--severity", "sev3");
        rc.ShouldBe(0);
        id = id.Trim();
        id.ShouldStartWith("inc-");

        (await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "note", "p99 at 2.3 s since 14:05")).ExitCode.ShouldBe(0);
        var update = await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "status-update", id, "--set", "identified", "-m", "connection pool exhausted");
        update.Stdout.ShouldContain("[SEV3] Identified: checkout latency");
        update.Stdout.ShouldContain("connection pool exhausted");

        var resolved = await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "resolve", id);
        resolved.Stdout.ShouldContain("Component status: Operational");
        (await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "list")).Stdout.ShouldContain("No open incidents");
        (await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "list", "--all")).Stdout.ShouldContain(id);

        var show = await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "show", id);
        show.Stdout.ShouldContain("[note] p99 at 2.3 s since 14:05 (tester)");

        var pm = await KubemedicProcess.RunAsync(_dir, Timeout, "postmortem", id);
        pm.ExitCode.ShouldBe(0);
        var file = Directory.GetFiles(Path.Combine(_dir, "docs", "dev-logs")).ShouldHaveSingleItem();
        pm.Stdout.ShouldContain(Path.GetFileName(file));
        var text = File.ReadAllText(file);
        text.ShouldContain("## Root cause\n\nconnection pool exhausted");
        text.ShouldContain("[note] p99 at 2.3 s since 14:05");

        var json = await KubemedicProcess.RunAsync(_dir, Timeout, "postmortem", id, "-o", "json");
        System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)!["incidentId"]!.GetValue<string>().ShouldBe(id);
        var html = await KubemedicProcess.RunAsync(_dir, Timeout, "postmortem", id, "--format", "html", "-o", "-");
        html.Stdout.ShouldStartWith("<!DOCTYPE html>");
        html.Stdout.ShouldContain("<svg");
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_exit_2()
    {
        var missing = await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "show", "inc-nope");
        missing.ExitCode.ShouldBe(2);
        missing.Stderr.Trim().ShouldBe($"error: no incident 'inc-nope' under {Path.Combine(_dir, ".kubemedic", "incidents")} (see 'kubemedic incident list')");
        var badSev = await KubemedicProcess.RunAsync(_dir, Timeout, "incident", "open", "x", "--severity", "SEV9");
        badSev.ExitCode.ShouldBe(2);
        badSev.Stderr.ShouldContain("--severity");
        var badRunbook = await KubemedicProcess.RunAsync(_dir, Timeout, "runbook", "NoSuchAlert");
        badRunbook.ExitCode.ShouldBe(2);
        badRunbook.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1);
        var badFormat = await KubemedicProcess.RunAsync(_dir, Timeout, "postmortem", "latest", "--format", "pdf");
        badFormat.ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task Runbook_by_alert_name_with_an_object_and_export()
    {
        var rb = await KubemedicProcess.RunAsync(_dir, Timeout, "runbook", "KubePodCrashLooping", "--object", "Deployment/shop/web");
        rb.ExitCode.ShouldBe(0);
        rb.Stdout.ShouldContain("# crash-loop:");
        rb.Stdout.ShouldContain("kubectl rollout undo deployment/web -n shop");
        foreach (var section in new[] { "## Meaning", "## Impact", "## Diagnosis", "## Mitigation" })
        {
            rb.Stdout.ShouldContain(section);
        }

        var export = await KubemedicProcess.RunAsync(_dir, Timeout, "runbook", "export", "rb");
        export.ExitCode.ShouldBe(0);
        File.Exists(Path.Combine(_dir, "rb", "oom-killed.md")).ShouldBeTrue();
        File.Exists(Path.Combine(_dir, "rb", "README.md")).ShouldBeTrue();
    }

    [Fact]
    public void The_committed_runbooks_match_what_export_writes()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "KubeMedic.slnx")))
        {
            repo = repo.Parent;
        }

        repo.ShouldNotBeNull();
        var committed = Path.Combine(repo.FullName, "docs", "runbooks");
        var fresh = Path.Combine(_dir, "fresh");
        KubeMedic.Core.Runbooks.RunbookCatalog.Export(fresh);
        foreach (var file in Directory.GetFiles(fresh))
        {
            var name = Path.GetFileName(file);
            File.ReadAllText(Path.Combine(committed, name)).ShouldBe(File.ReadAllText(file), $"docs/runbooks/{name} is stale: run 'kubemedic runbook export docs/runbooks'");
        }
    }
}

/// <summary><c>respond --snapshot</c>: no repair possible, but triage, diagnosis, hypotheses, status updates and a postmortem.</summary>
public sealed class RespondSnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("km-respond-snap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Respond_on_the_seed_000_snapshot_triages_diagnoses_and_writes_a_status_update_without_changing_anything()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "KubeMedic.slnx")))
        {
            repo = repo.Parent;
        }

        var snapshot = Path.Combine(repo!.FullName, "tests", "KubeMedic.Core.Tests", "Fixtures", "seed000-oom.json");
        var (rc, stdout, stderr) = await KubemedicProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), "respond", "--snapshot", snapshot, "--yes");
        rc.ShouldBe(1, stderr); // the incident stays open: a snapshot cannot be repaired
        stdout.ShouldContain("Severity: SEV2");
        stdout.ShouldContain("oom-killed on Deployment/production/order-service");
        stdout.ShouldContain("Status update (Investigating): [SEV2] Investigating: order-service (production): Container OOMKilled");
        stdout.ShouldContain("Hypothesis: The problem started with the latest rollout of Deployment/production/order-service (revision 2) → CONFIRMED");
        stdout.ShouldContain("Not applied: snapshot");
        stdout.ShouldContain("[x] Was the severity classified?");
        var postmortem = Directory.GetFiles(Path.Combine(_dir, "docs", "dev-logs"), "*.md").ShouldHaveSingleItem();
        File.ReadAllText(postmortem).ShouldContain("| [ ] | mitigate |");
    }
}
