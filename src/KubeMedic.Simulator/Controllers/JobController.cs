using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The Job controller: runs up to parallelism pods until completions succeed; counts failed pods against
/// backoffLimit (pod re-creation delayed 10s doubling to 6m) and ends with Complete or Failed/BackoffLimitExceeded.
/// </summary>
internal sealed class JobController(SimContext ctx) : Controller(ctx)
{
    private readonly Dictionary<string, DateTimeOffset> _notBefore = new(StringComparer.Ordinal);

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Jobs) Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.Pods && PodUtil.OwnerName(ev.Object, "Job") is { } owner) Enqueue(ObjectStore.Key(ev.Object.Namespace(), owner));
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var job = Store.Get(Resources.Jobs, ns, name);
        if (job is null || job.Str("metadata.deletionTimestamp") is not null) return;
        var done = job.Arr("status.conditions").Objects().Any(c => c.Str("type") is "Complete" or "Failed" && c.Str("status") == "True");
        var uid = job.Uid();
        var pods = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid)).ToList();
        var active = pods.Where(PodUtil.IsActive).ToList();
        var succeeded = pods.Count(p => p.Str("status.phase") == "Succeeded");
        var failed = pods.Count(p => p.Str("status.phase") == "Failed");
        var completions = (int)(job.Long("spec.completions") ?? 1);
        var parallelism = (int)(job.Long("spec.parallelism") ?? 1);
        var backoffLimit = job.Long("spec.backoffLimit") ?? 6;
        var now = Now;
        var copy = job.Clone();
        var status = copy.Ensure("status");
        status["startTime"] ??= Json.Timestamp(now);

        if (!done)
        {
            if (failed > backoffLimit)
            {
                foreach (var p in active) Lifecycle.Delete(Store, Ctx.Clock, Resources.Pods, ns, p.Name(), new DeleteOptions());
                active.Clear();
                PodUtil.SetCondition(status, "FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
                PodUtil.SetCondition(status, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
                Ctx.Events.Warning(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", "job-controller");
            }
            else if (succeeded >= completions)
            {
                PodUtil.SetCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
                PodUtil.SetCondition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
                status["completionTime"] = Json.Timestamp(now);
                Ctx.Events.Normal(job, "Completed", "Job completed", "job-controller");
            }
            else if (job.Bool("spec.suspend") != true)
            {
                var want = Math.Min(parallelism, completions - succeeded) - active.Count;
                if (want > 0 && failed > 0)
                {
                    // Re-creation after a failure waits 10s, doubling per failure up to 6 minutes.
                    var delay = TimeSpan.FromSeconds(Math.Min(360, 10 * Math.Pow(2, failed - 1)));
                    if (!_notBefore.TryGetValue(key + "#" + failed, out var nb))
                    {
                        nb = now + delay;
                        _notBefore[key + "#" + failed] = nb;
                    }

                    if (now < nb)
                    {
                        EnqueueAt(nb, key);
                        want = 0;
                    }
                }

                for (var i = 0; i < want; i++)
                {
                    var labels = Json.StringMap(job.Obj("spec.template.metadata.labels"));
                    var pod = PodUtil.FromTemplate(job, job.Obj("spec.template") ?? new JsonObject(), $"{job.Name()}-{Names.RandomSuffix()}", labels);
                    var created = Api.ApiHandlers.CreateInternal(Ctx, Resources.Pods, pod);
                    active.Add(created);
                    Ctx.Events.Normal(job, "SuccessfulCreate", $"Created pod: {created.Name()}", "job-controller");
                }
            }
        }

        status["active"] = active.Count;
        status["succeeded"] = succeeded;
        status["failed"] = failed;
        status["ready"] = active.Count(PodUtil.IsReady);
        status["terminating"] = pods.Count(p => p.Str("metadata.deletionTimestamp") is not null);
        foreach (var k in new[] { "active", "succeeded", "failed" })
        {
            if (status[k]?.GetValue<int>() == 0) status.Remove(k);
        }

        status["uncountedTerminatedPods"] = new JsonObject();
        if (Json.DeepEquals(job.Obj("status"), status)) return;
        Store.Update(Resources.Jobs, copy);
    }
}
