using System.Text.Json;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model.Parsing;

/// <summary>The fields of one item collected while its properties stream by (kind may arrive after other fields).</summary>
internal sealed class ItemDraft
{
    public string? Kind;
    public string? ApiVersion;
    public string? Name;
    public string? Namespace;
    public string? Uid;
    public DateTimeOffset? Created;
    public DateTimeOffset? Deleted;
    public long Generation;
    public Dictionary<string, string>? Labels;
    public Dictionary<string, string>? Annotations;
    public List<OwnerRef>? Owners;
    public KubeObject? Object;
    public List<string>? DataKeys;
    public string? Type;

    // event fields (core/v1 and events.k8s.io/v1)
    public ObjectRef? Involved;
    public string? InvolvedUid;
    public string? FieldPath;
    public string? Reason;
    public string? Message;
    public int? Count;
    public DateTimeOffset? First;
    public DateTimeOffset? Last;
    public DateTimeOffset? EventTime;
    public string? Source;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Reset()
    {
        Kind = ApiVersion = Name = Namespace = Uid = Type = Reason = Message = Source = InvolvedUid = FieldPath = null;
        Created = Deleted = First = Last = EventTime = null;
        Generation = 0;
        Labels = Annotations = null;
        Owners = null;
        Object = null;
        DataKeys = null;
        Involved = null;
        Count = null;
    }
}

/// <summary>
/// Parses Kubernetes API JSON (kubectl output) token by token into the model. One method per object part;
/// unknown properties are skipped without materialising them. Secret data values are never read.
/// </summary>
internal static partial class KubeJsonParser
{
    private static readonly HashSet<string> KeptAnnotations =
    [
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/desired-replicas",
        "kubernetes.io/change-cause",
        "control-plane.alpha.kubernetes.io/leader",
        "kubernetes.io/ingress.class",
    ];

    private static readonly byte[][] KeptAnnotationBytes = KeptAnnotations.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadMetadata(ref JsonStream js, ItemDraft d)
    {
        if (!js.EnterObject("metadata"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("name"u8))
            {
                if (d.Kind == "Event")
                {
                    js.SkipValue();
                }
                else
                {
                    d.Name = js.UniqueString();
                }
            }
            else if (js.Is("namespace"u8))
            {
                d.Namespace = js.String();
            }
            else if (js.Is("uid"u8))
            {
                if (d.Kind is "Event" or "Pod")
                {
                    js.SkipValue();
                }
                else
                {
                    d.Uid = js.UniqueString();
                }
            }
            else if (js.Is("creationTimestamp"u8))
            {
                d.Created = js.Time();
            }
            else if (js.Is("deletionTimestamp"u8))
            {
                d.Deleted = js.Time();
            }
            else if (js.Is("generation"u8))
            {
                d.Generation = js.Long() ?? 0;
            }
            else if (js.Is("labels"u8))
            {
                d.Labels = ReadSharedStringMap(ref js, "metadata.labels");
            }
            else if (js.Is("annotations"u8))
            {
                d.Annotations = ReadAnnotations(ref js);
            }
            else if (js.Is("ownerReferences"u8))
            {
                d.Owners = ReadOwners(ref js);
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<string, string>? ReadAnnotations(ref JsonStream js)
    {
        if (!js.EnterObject("metadata.annotations"))
        {
            return null;
        }

        Dictionary<string, string>? map = null;
        while (js.NextProperty())
        {
            var keep = false;
            foreach (var k in KeptAnnotationBytes)
            {
                if (js.Is(k))
                {
                    keep = true;
                    break;
                }
            }

            if (keep)
            {
                var key = js.PropertyName();
                var value = js.String();
                if (value is not null)
                {
                    (map ??= [])[key] = value;
                }
            }
            else
            {
                js.SkipValue();
            }
        }

        return map;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<OwnerRef>? ReadOwners(ref JsonStream js)
    {
        if (!js.EnterArray("metadata.ownerReferences"))
        {
            return null;
        }

        var list = new List<OwnerRef>(1);
        while (js.NextElement())
        {
            js.ExpectObject("an owner reference");
            string? kind = null, name = null, uid = null;
            var controller = false;
            while (js.NextProperty())
            {
                if (js.Is("kind"u8))
                {
                    kind = js.String();
                }
                else if (js.Is("name"u8))
                {
                    name = js.String();
                }
                else if (js.Is("uid"u8))
                {
                    js.SkipValue();
                }
                else if (js.Is("controller"u8))
                {
                    controller = js.Bool();
                }
                else
                {
                    js.SkipValue();
                }
            }

            if (kind is not null && name is not null)
            {
                list.Add(js.Pool.Share(new OwnerRef(kind, name, uid, controller)));
            }
        }

        return list;
    }

    /// <summary>Reads a string map that many objects share (labels): an equal map read before is returned, not a copy.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<string, string>? ReadSharedStringMap(ref JsonStream js, string what)
    {
        if (!js.EnterObject(what))
        {
            return null;
        }

        var pairs = js.Pool.Pairs;
        pairs.Clear();
        while (js.NextProperty())
        {
            var key = js.PropertyName();
            var value = js.String();
            pairs.Add((key, value ?? ""));
        }

        return js.Pool.ShareMap(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pairs));
    }

    /// <summary>Reads only the keys of an object (ConfigMap/Secret data); values are skipped unread.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<string> ReadKeys(ref JsonStream js, string what, List<string>? into)
    {
        into ??= [];
        if (!js.EnterObject(what))
        {
            return into;
        }

        while (js.NextProperty())
        {
            into.Add(js.PropertyName());
            js.SkipValue();
        }

        return into;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<Condition> ReadConditions(ref JsonStream js)
    {
        var list = new List<Condition>(4);
        if (!js.EnterArray("status.conditions"))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject("a condition");
            string? type = null, status = null, reason = null, message = null;
            DateTimeOffset? transition = null, heartbeat = null;
            while (js.NextProperty())
            {
                if (js.Is("type"u8))
                {
                    type = js.String();
                }
                else if (js.Is("status"u8))
                {
                    status = js.String();
                }
                else if (js.Is("reason"u8))
                {
                    reason = js.String();
                }
                else if (js.Is("message"u8))
                {
                    message = js.String();
                }
                else if (js.Is("lastTransitionTime"u8))
                {
                    transition = js.Time();
                }
                else if (js.Is("lastHeartbeatTime"u8))
                {
                    heartbeat = js.Time();
                }
                else
                {
                    js.SkipValue();
                }
            }

            if (type is not null)
            {
                list.Add(js.Pool.Share(new Condition(type, status ?? "Unknown", reason, message, transition, heartbeat)));
            }
        }

        return list;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static LabelSelectorInfo ReadLabelSelector(ref JsonStream js, string what)
    {
        var sel = new LabelSelectorInfo();
        if (!js.EnterObject(what))
        {
            return sel;
        }

        while (js.NextProperty())
        {
            if (js.Is("matchLabels"u8))
            {
                sel.MatchLabels = ReadSharedStringMap(ref js, what + ".matchLabels") ?? [];
            }
            else if (js.Is("matchExpressions"u8))
            {
                sel.MatchExpressions = ReadRequirements(ref js, what + ".matchExpressions");
            }
            else
            {
                js.SkipValue();
            }
        }

        return sel;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<NodeSelectorRequirement> ReadRequirements(ref JsonStream js, string what)
    {
        var list = new List<NodeSelectorRequirement>();
        if (!js.EnterArray(what))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject(what);
            string? key = null, op = null;
            var values = new List<string>();
            while (js.NextProperty())
            {
                if (js.Is("key"u8))
                {
                    key = js.String();
                }
                else if (js.Is("operator"u8))
                {
                    op = js.String();
                }
                else if (js.Is("values"u8))
                {
                    ReadStringList(ref js, values, what + ".values");
                }
                else
                {
                    js.SkipValue();
                }
            }

            if (key is not null)
            {
                list.Add(new NodeSelectorRequirement(key, op ?? "In", values));
            }
        }

        return list;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadStringList(ref JsonStream js, List<string> into, string what)
    {
        if (!js.EnterArray(what))
        {
            return;
        }

        while (js.NextElement())
        {
            if (js.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                js.SkipCurrent();
                continue;
            }

            if (js.CurrentString() is { } s)
            {
                into.Add(s);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ResourceAmounts ReadResourceList(ref JsonStream js, string what, out string? cpuText, out string? memText)
    {
        cpuText = memText = null;
        if (!js.EnterObject(what))
        {
            return ResourceAmounts.None;
        }

        long? cpu = null, mem = null, pods = null, eph = null;
        while (js.NextProperty())
        {
            if (js.Is("cpu"u8))
            {
                cpuText = js.String();
                cpu = Quantity.Parse(cpuText, 1000);
            }
            else if (js.Is("memory"u8))
            {
                memText = js.String();
                mem = Quantity.Parse(memText);
            }
            else if (js.Is("pods"u8))
            {
                pods = Quantity.Parse(js.String());
            }
            else if (js.Is("ephemeral-storage"u8))
            {
                eph = Quantity.Parse(js.String());
            }
            else
            {
                js.SkipValue();
            }
        }

        return js.Pool.Share(new ResourceAmounts(cpu, mem, pods, eph));
    }
}
