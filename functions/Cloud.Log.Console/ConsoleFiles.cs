using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Security.Cryptography;
using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Cloud.Log.Console;

/// <summary>
/// The console's files, embedded in this assembly, and how a host answers a request for one. Both hosts
/// call <see cref="Serve"/>: the standalone server through
/// <see cref="ConsoleEndpointRouteBuilderExtensions.MapCloudLogConsole"/>, the function app from its
/// <c>Console</c> HTTP function, so the two serve the same bytes with the same headers.
/// </summary>
public sealed class ConsoleFiles
{
    /// <summary>The prefix of the console's manifest resource names.</summary>
    internal const string ResourcePrefix = "console/";

    /// <summary>
    /// What every answer carries: the page may load only its own files and call any API origin the user
    /// points it at (CORS decides there); it may not be framed.
    /// </summary>
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly Lazy<ConsoleFiles> EmbeddedFiles = new(() => Load(typeof(ConsoleFiles).Assembly));

    private readonly Dictionary<string, ConsoleFile> _files;

    private ConsoleFiles(Dictionary<string, ConsoleFile> files) => _files = files;

    /// <summary>The files embedded in this assembly at build.</summary>
    public static ConsoleFiles Embedded => EmbeddedFiles.Value;

    /// <summary>The paths of every file, below <c>/console/</c>.</summary>
    public IEnumerable<string> Paths => _files.Keys;

    /// <summary>The file at <paramref name="path"/> (below <c>/console/</c>; empty is <c>index.html</c>), or false.</summary>
    public bool TryGetFile(string? path, [NotNullWhen(true)] out ConsoleFile? file)
    {
        var key = string.IsNullOrEmpty(path) ? "index.html" : path.TrimStart('/');
        return _files.TryGetValue(key, out file);
    }

    /// <summary>
    /// Answers a GET or HEAD for <paramref name="path"/>, the part of the URL after <c>/console/</c>: the file,
    /// with its media type, entity tag (a matching <c>If-None-Match</c> is 304) and security headers; the
    /// console's root without its final slash is redirected to it, so the page's relative links resolve; an
    /// unknown file is a 404 problem.
    /// </summary>
    public IResult Serve(HttpRequest request, string? path)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect(request.PathBase + request.Path + "/" + request.QueryString);
        }

        if (!TryGetFile(path, out var file))
        {
            return ApiProblem.NotFound(request.PathBase + request.Path);
        }

        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Bytes(file.Content, file.ContentType, entityTag: new EntityTagHeaderValue(file.ETag));
    }

    /// <summary>Reads every <c>console/…</c> resource of <paramref name="assembly"/>.</summary>
    internal static ConsoleFiles Load(Assembly assembly)
    {
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            using var stream = assembly.GetManifestResourceStream(name)!;
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var contentType = types.TryGetContentType(path, out var type) ? type : "application/octet-stream";
            if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "text/javascript" or "application/json")
            {
                contentType += "; charset=utf-8";
            }

            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            files[path] = new ConsoleFile(path, contentType, bytes, etag);
        }

        return new ConsoleFiles(files);
    }
}
