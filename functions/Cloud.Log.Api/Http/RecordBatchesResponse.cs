using System.Buffers;
using System.Globalization;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Wire;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>
/// A binary fetch answer: the stored record batches back to back (<see cref="MediaTypes.RecordBatches"/>),
/// with the offsets a JSON fetch carries in its body in <see cref="FetchHeaders"/>. The batches' bytes go
/// to the response as they came from storage, copied into the response in a few large sends; nothing is decoded.
/// The buffers the engine read them into go back to its pool once they are copied.
/// </summary>
/// <param name="fetch">The batches and offsets.</param>
public sealed class RecordBatchesResponse(FetchedBatches fetch) : IResult
{
    /// <summary>Bytes copied to the response between two flushes: a flush per batch (16 KiB, often) costs a send each.</summary>
    private const int FlushBytes = 256 * 1024;

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
        var body = response.BodyWriter;
        try
        {
            var unflushed = 0;
            foreach (var batch in fetch.Batches)
            {
                body.Write(batch.Span);
                unflushed += batch.Length;
                if (unflushed >= FlushBytes)
                {
                    await body.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
                    unflushed = 0;
                }
            }
        }
        finally
        {
            // Every byte is in the response's own buffers now (or the response was abandoned): the read buffers go back.
            fetch.ReturnBuffers();
        }

        await body.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}
