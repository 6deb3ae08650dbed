using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>
/// A JSON answer written straight to the response body with a <see cref="Utf8JsonWriter"/>: no model
/// objects, no reflection, no intermediate string.
/// </summary>
/// <param name="status">The HTTP status.</param>
/// <param name="write">Writes the body.</param>
public sealed class JsonResponse(int status, Action<Utf8JsonWriter> write) : IResult
{
    /// <summary>
    /// Compact output that leaves quotes, apostrophes and non-ASCII letters as they are: the bodies are
    /// <c>application/json</c>, never embedded in HTML, so HTML-safe escaping would only make them unreadable.
    /// </summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>A 200 answer.</summary>
    public static JsonResponse Ok(Action<Utf8JsonWriter> write) => new(200, write);

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = Status;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        using var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter, WriterOptions);
        write(writer);
        await writer.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
        await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}
