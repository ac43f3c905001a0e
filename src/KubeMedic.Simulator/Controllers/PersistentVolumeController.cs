using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// PV binding and dynamic provisioning: a pending claim binds to a matching Available volume, or gets a new one
/// from its StorageClass (Immediate at once; WaitForFirstConsumer once the scheduler picks a node). A claim whose
/// class does not exist stays Pending with ProvisioningFailed.
/// </summary>
internal sealed class PersistentVolumeController(SimContext ctx) : Controller(ctx)
{
    public const string SelectedNodeAnnotation = "volume.kubernetes.io/selected-node";

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Pvcs && ev.EventType != "DELETED" && ev.Object.Str("status.phase") != "Bound") Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.StorageClasses || (ev.Type == Resources.Pvs && ev.EventType == "ADDED"))
        {
            foreach (var pvc in Store.All(Resources.Pvcs).Where(p => p.Str("status.phase") != "Bound")) Enqueue(KeyOf(pvc));
        }
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var pvc = Store.Get(Resources.Pvcs, ns, name);
        if (pvc is null || pvc.Str("status.phase") == "Bound") return;
        var className = pvc.Str("spec.storageClassName") ?? "";
        var size = pvc.Str("spec.resources.requests.storage") ?? "1Gi";
        var pv = Store.All(Resources.Pvs).FirstOrDefault(v => v.Str("status.phase") == "Available" && (v.Str("spec.storageClassName") ?? "") == className
            && Quantity.Parse(v.Str("spec.capacity.storage")) >= Quantity.Parse(size) && v.Obj("spec.claimRef") is null);
        if (pv is null)
        {
            if (className.Length == 0) return;
            var sc = Store.Get(Resources.StorageClasses, null, className);
            if (sc is null)
            {
                Ctx.Events.Warning(pvc, "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found", "persistentvolume-controller");
                return;
            }

            if (sc.Str("volumeBindingMode") == "WaitForFirstConsumer" && pvc.Labels("metadata.annotations").GetValueOrDefault(SelectedNodeAnnotation) is null)
            {
                Ctx.Events.Normal(pvc, "WaitForFirstConsumer", "waiting for first consumer to be created before binding", "persistentvolume-controller");
                return;
            }

            var pvName = "pvc-" + pvc.Uid();
            pv = Store.Create(Resources.Pvs, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = pvName, ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = sc.Str("provisioner") } },
                ["spec"] = new JsonObject
                {
                    ["capacity"] = new JsonObject { ["storage"] = size },
                    ["accessModes"] = pvc.Arr("spec.accessModes")?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                    ["persistentVolumeReclaimPolicy"] = sc.Str("reclaimPolicy") ?? "Delete",
                    ["storageClassName"] = className,
                    ["volumeMode"] = "Filesystem",
                    ["hostPath"] = new JsonObject { ["path"] = "/var/lib/kubemedic-sim/" + pvName },
                },
                ["status"] = new JsonObject { ["phase"] = "Available" },
            });
            Ctx.Events.Normal(pvc, "ProvisioningSucceeded", $"Successfully provisioned volume {pvName}", sc.Str("provisioner") ?? "provisioner");
        }

        var pvCopy = pv.Clone();
        pvCopy.Ensure("spec")["claimRef"] = new JsonObject { ["kind"] = "PersistentVolumeClaim", ["namespace"] = ns, ["name"] = name, ["uid"] = pvc.Uid(), ["apiVersion"] = "v1" };
        pvCopy.Ensure("status")["phase"] = "Bound";
        Store.Update(Resources.Pvs, pvCopy);
        var copy = pvc.Clone();
        copy.Ensure("spec")["volumeName"] = pv.Name();
        var status = copy.Ensure("status");
        status["phase"] = "Bound";
        status["accessModes"] = pv.Arr("spec.accessModes")?.DeepClone();
        status["capacity"] = new JsonObject { ["storage"] = pv.Str("spec.capacity.storage") };
        Store.Update(Resources.Pvcs, copy);
    }
}
