using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Store;

/// <summary>Delete options as the API receives them (query or DeleteOptions body).</summary>
internal sealed record DeleteOptions(long? GracePeriodSeconds = null, string? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionRv = null);

/// <summary>
/// Deletion semantics shared by the API and the controllers: graceful pod deletion (deletionTimestamp, the kubelet
/// confirms), finalizers, and propagation (Background: the garbage collector removes dependents; Foreground: the
/// owner waits for them; Orphan: dependents lose their owner reference).
/// </summary>
internal static class Lifecycle
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    public static JsonObject Delete(ObjectStore store, TimeProvider clock, ResourceType rt, string? ns, string name, DeleteOptions options)
    {
        var current = store.GetRequired(rt, ns, name);
        if (options.PreconditionUid is { } uid && uid != current.Uid())
        {
            throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on {ApiException.Qualified(rt)} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid()}");
        }

        if (options.PreconditionRv is { } rv && rv != current.Str("metadata.resourceVersion")) throw ApiException.Conflict(rt, name);

        var now = clock.GetUtcNow();
        var obj = current.Clone();
        var meta = obj.Ensure("metadata");
        var finalizers = meta.Arr("finalizers");

        if (rt == Resources.Namespaces)
        {
            if (meta.Str("deletionTimestamp") is null)
            {
                meta["deletionTimestamp"] = Json.Timestamp(now);
                obj.Ensure("status")["phase"] = "Terminating";
                return store.Update(rt, obj);
            }

            return current;
        }

        var policy = options.PropagationPolicy;
        if (policy == "Orphan" || (policy is null && rt.Kind is "ReplicationController"))
        {
            Orphan(store, current);
        }
        else if (policy == "Foreground" && meta.Str("deletionTimestamp") is null)
        {
            var f = meta.EnsureArray("finalizers");
            if (!f.Any(x => x?.GetValue<string>() == ForegroundFinalizer)) f.Add(ForegroundFinalizer);
            meta["deletionTimestamp"] = Json.Timestamp(now);
            meta["deletionGracePeriodSeconds"] = 0;
            return store.Update(rt, obj);
        }

        if (rt == Resources.Pods)
        {
            var grace = options.GracePeriodSeconds ?? obj.Long("spec.terminationGracePeriodSeconds") ?? 30;
            var phase = obj.Str("status.phase");
            var unscheduled = string.IsNullOrEmpty(obj.Str("spec.nodeName"));
            if (grace > 0 && !unscheduled && phase is not ("Succeeded" or "Failed"))
            {
                if (meta.Str("deletionTimestamp") is not null)
                {
                    // Already terminating: a shorter grace period moves the deadline closer, nothing else changes.
                    var existing = meta.Long("deletionGracePeriodSeconds") ?? grace;
                    if (grace >= existing) return current;
                }

                meta["deletionTimestamp"] = Json.Timestamp(now + TimeSpan.FromSeconds(grace));
                meta["deletionGracePeriodSeconds"] = grace;
                return store.Update(rt, obj);
            }

            // Grace 0 (force), unscheduled or finished: gone now unless finalizers hold it.
            if ((finalizers?.Count ?? 0) > 0)
            {
                meta["deletionTimestamp"] ??= Json.Timestamp(now);
                meta["deletionGracePeriodSeconds"] = 0;
                return store.Update(rt, obj);
            }

            return store.Remove(rt, ns, name) ?? current;
        }

        if ((finalizers?.Count ?? 0) > 0)
        {
            if (meta.Str("deletionTimestamp") is not null) return current;
            meta["deletionTimestamp"] = Json.Timestamp(now);
            meta["deletionGracePeriodSeconds"] = 0;
            return store.Update(rt, obj);
        }

        return store.Remove(rt, ns, name) ?? current;
    }

    /// <summary>Removes the owner reference to <paramref name="owner"/> from its dependents.</summary>
    public static void Orphan(ObjectStore store, JsonObject owner)
    {
        var uid = owner.Uid();
        foreach (var rt in DependentKinds)
        {
            foreach (var dep in store.All(rt, owner.Namespace()))
            {
                if (dep.Arr("metadata.ownerReferences").Objects().All(r => r.Str("uid") != uid)) continue;
                var copy = dep.Clone();
                var refs = copy.Obj("metadata")!.Arr("ownerReferences")!;
                copy.Obj("metadata")!["ownerReferences"] = Json.ToArray(refs.Objects().Where(r => r.Str("uid") != uid).Select(r => r.DeepClone()).ToList());
                store.Update(rt, copy);
            }
        }
    }

    public static readonly ResourceType[] DependentKinds =
    [
        Resources.Pods, Resources.ReplicaSets, Resources.Endpoints, Resources.Jobs, Resources.ControllerRevisions, Resources.Pvcs, Resources.Deployments,
        Resources.ConfigMaps, Resources.Secrets, Resources.Services, Resources.StatefulSets, Resources.DaemonSets,
    ];

    public static JsonObject OwnerReference(JsonObject owner, bool controller = true) => new()
    {
        ["apiVersion"] = owner.Str("apiVersion"),
        ["kind"] = owner.Str("kind"),
        ["name"] = owner.Name(),
        ["uid"] = owner.Uid(),
        ["controller"] = controller,
        ["blockOwnerDeletion"] = true,
    };

    public static string? ControllerUid(JsonObject obj) =>
        obj.Arr("metadata.ownerReferences").Objects().FirstOrDefault(r => r.Bool("controller") == true)?.Str("uid");
}
