using KubeMedic.Simulator.Metrics;
using Microsoft.AspNetCore.Builder;

namespace KubeMedic.Simulator.Chaos;

/// <summary>
/// What the lab adds to the simulator's API server, installed by <c>ApiServer</c> before its own handler: the API fault
/// middleware (first, so faults hit every request), then the metric targets and the chaos control endpoint.
/// </summary>
internal static class LabHooks
{
    public static void Install(WebApplication app, SimContext ctx)
    {
        var metrics = SimMetricsSource.For(ctx);
        app.UseApiFaults(ApiFaults.For(ctx), metrics.ApiRequests);
        app.UseSimulatorMetrics(metrics);
        app.UseChaosControl(ctx);
        app.UseServiceProxy(ctx);
    }
}
