using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Chaos;

/// <summary>
/// The simulator's chaos control endpoint, <c>/kubemedic/v1/chaos</c>: POST a <see cref="ChaosRequest"/> to inject a
/// fault, GET to list the active API faults, DELETE to clear them. Not part of the Kubernetes API; only the simulator has it.
/// </summary>
public static class ChaosControl
{
    public const string Path = "/kubemedic/v1/chaos";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    internal static IApplicationBuilder UseChaosControl(this IApplicationBuilder app, SimContext ctx) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.Value != Path)
        {
            await next(http);
            return;
        }

        var faults = ApiFaults.For(ctx);
        switch (http.Request.Method)
        {
            case "GET":
                await Reply(http, 200, new JsonObject { ["apiFaults"] = JsonSerializer.SerializeToNode(faults.Active, JsonOptions) });
                return;
            case "DELETE":
                faults.Clear();
                await Reply(http, 200, new JsonObject { ["result"] = "api faults cleared" });
                return;
            case "POST":
                ChaosRequest? request;
                try
                {
                    request = await JsonSerializer.DeserializeAsync<ChaosRequest>(http.Request.Body, JsonOptions, http.RequestAborted);
                }
                catch (JsonException ex)
                {
                    await Reply(http, 400, new JsonObject { ["error"] = "bad chaos request: " + ex.Message });
                    return;
                }

                if (request is null)
                {
                    await Reply(http, 400, new JsonObject { ["error"] = "empty chaos request" });
                    return;
                }

                try
                {
                    await Reply(http, 200, new JsonObject { ["result"] = await ChaosActions.RunAsync(ctx, request, http.RequestAborted) });
                }
                catch (ArgumentException ex)
                {
                    await Reply(http, 400, new JsonObject { ["error"] = ex.Message });
                }
                catch (ApiException ex)
                {
                    await Reply(http, 404, new JsonObject { ["error"] = ex.Message });
                }

                return;
            default:
                await Reply(http, 405, new JsonObject { ["error"] = "use GET, POST or DELETE" });
                return;
        }
    });

    private static async Task Reply(HttpContext http, int code, JsonObject body)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }
}
