using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>Audit entries and objects that both audit stores' tests write.</summary>
internal static class AuditSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An entry of the seed 000 repair (raise-memory-limit on production/order-service).</summary>
    public static AuditEntry Entry(string id, string phase, DateTimeOffset at, string workload = "Deployment/production/order-service") => new()
    {
        ActionId = id,
        At = at,
        Phase = phase,
        Actor = "tester@host (autopilot)",
        FindingId = "oom-killed:Deployment/production/order-service",
        FindingCode = "oom-killed",
        Target = new ObjectRef("Deployment", "production", "order-service"),
        WorkloadKey = workload,
        Remedy = "raise-memory-limit",
    };

    /// <summary>A Deployment carrying "hunter2" in a literal env value and in last-applied, a secretKeyRef, and an ordinary env value ("debug").</summary>
    public static JsonNode SecretBearingDeployment() => JsonNode.Parse("""
        {"kind":"Deployment","metadata":{"name":"api","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"password\":\"hunter2\"}"}},
         "spec":{"template":{"spec":{"containers":[{"name":"api","env":[
            {"name":"DB_PASSWORD","value":"hunter2"},
            {"name":"API_TOKEN","valueFrom":{"secretKeyRef":{"name":"api","key":"token"}}},
            {"name":"LOG_LEVEL","value":"debug"}]}]}}}}
        """)!;
}
