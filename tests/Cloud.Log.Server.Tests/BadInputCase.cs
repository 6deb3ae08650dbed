using System.Text;

namespace Cloud.Log.Server.Tests;

/// <summary>One malformed or hostile request, and what it must be answered with (a status, and a code where one is certain).</summary>
public sealed record BadInputCase(string Name, HttpMethod Method, string Path, byte[]? Body, IReadOnlyDictionary<string, string> Headers, int Status, string? Code)
{
    /// <summary>
    /// False for the one kind of request Kestrel refuses before the app sees it: a path whose percent-encoding
    /// decodes to NUL gets Kestrel's bare 400. Every other case must be answered with a problem body.
    /// </summary>
    public bool ProblemBody { get; init; } = true;

    /// <summary>Sent with <c>Transfer-Encoding: chunked</c> and no Content-Length.</summary>
    public bool Chunked { get; init; }

    /// <summary>The body's media type.</summary>
    public string ContentType { get; init; } = "application/json";

    public static BadInputCase Json(string name, HttpMethod method, string path, string? body, int status, string? code, IReadOnlyDictionary<string, string>? headers = null) =>
        new(name, method, path, body is null ? null : Encoding.UTF8.GetBytes(body), headers ?? new Dictionary<string, string>(), status, code);

    public static BadInputCase Raw(string name, HttpMethod method, string path, byte[] body, int status, string? code) =>
        new(name, method, path, body, new Dictionary<string, string>(), status, code);

    public override string ToString() => Name;
}
