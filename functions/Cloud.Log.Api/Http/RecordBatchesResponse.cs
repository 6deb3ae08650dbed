using System.Globalization;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Wire;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>
/// A binary fetch answer: the stored record batches back to back (<see cref="MediaTypes.RecordBatches"/>),
/// with the offsets a JSON fetch carries in its body in <see cref="FetchHeaders"/>. The batches' bytes go
/// to the response as they came from storage: nothing is decoded or copied.
/// </summary>
/// <param name="fetch">The batches and offsets.</param>
public sealed class RecordBatchesResponse(FetchedBatches fetch) : IResult
{
    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaTypes.RecordBatches;
        response.ContentLength = fetch.Batches.Sum(b => (long)b.Length);
        response.Headers[FetchHeaders.NextOffset] = fetch.NextOffset.ToString(CultureInfo.InvariantCulture);
        response.Headers[FetchHeaders.HighWatermark] = fetch.HighWatermark.ToString(CultureInfo.InvariantCulture);
        response.Headers[FetchHeaders.LogStartOffset] = fetch.LogStartOffset.ToString(CultureInfo.InvariantCulture);
        foreach (var batch in fetch.Batches)
        {
            await response.BodyWriter.WriteAsync(batch, httpContext.RequestAborted).ConfigureAwait(false);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}
