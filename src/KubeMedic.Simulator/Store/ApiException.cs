using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Store;

/// <summary>An API error, rendered as a <c>kind: Status</c> body with the same code and reason a real apiserver uses.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }

    public static string Qualified(ResourceType rt) => rt.Group.Length == 0 ? rt.Plural : $"{rt.Plural}.{rt.Group}";

    public static ApiException NotFound(ResourceType rt, string name) =>
        new(404, "NotFound", $"{Qualified(rt)} \"{name}\" not found", DetailsFor(rt, name));

    public static ApiException AlreadyExists(ResourceType rt, string name) =>
        new(409, "AlreadyExists", $"{Qualified(rt)} \"{name}\" already exists", DetailsFor(rt, name));

    public static ApiException Conflict(ResourceType rt, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(rt)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", DetailsFor(rt, name));

    public static ApiException Invalid(ResourceType rt, string name, IReadOnlyList<(string Field, string Type, string Message)> causes)
    {
        var details = DetailsFor(rt, name);
        details["kind"] = rt.Kind;
        details["causes"] = Json.ToArray(causes.Select(c => (JsonNode)new JsonObject { ["reason"] = c.Type, ["message"] = c.Message, ["field"] = c.Field }));
        var list = causes.Select(c => $"{c.Field}: {c.Message}").ToList();
        var joined = list.Count == 1 ? list[0] : "[" + string.Join(", ", list) + "]";
        var qualifiedKind = rt.Group.Length == 0 ? rt.Kind : $"{rt.Kind}.{rt.Group}";
        return new ApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {joined}", details);
    }

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException Unsupported(string message) => new(415, "UnsupportedMediaType", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    private static JsonObject DetailsFor(ResourceType rt, string name)
    {
        var d = new JsonObject { ["name"] = name, ["kind"] = rt.Plural };
        if (rt.Group.Length > 0) d["group"] = rt.Group;
        return d;
    }

    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = Reason,
        ["details"] = Details?.DeepClone(),
        ["code"] = Code,
    };
}
