using System.Buffers;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Wire;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>
/// A binary multi-partition fetch answer (<see cref="FetchFrames"/>): per partition a frame header, then its
/// stored batches copied from the engine's read buffers straight into the response's own buffers (one copy, no
/// decoding, no intermediate array), sent in a few large writes. Every read buffer goes back to the engine's
/// pool once its bytes are copied, or when the response is abandoned.
/// </summary>
internal sealed class FetchFramesResponse(IReadOnlyList<PartitionFetch> partitions) : IResult
{
    /// <summary>Bytes copied to the response between two flushes: a flush per batch (16 KiB, often) costs a send each.</summary>
    private const int FlushBytes = 256 * 1024;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        try
        {
            var frames = partitions.Select(Frame).ToList();
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = MediaTypes.RecordBatches;
            response.ContentLength = frames.Select((f, i) => (long)FetchFrames.HeaderSize(f.Topic, f.Code, f.Detail) + partitions[i].Bytes).Sum();
            var body = response.BodyWriter;
            var unflushed = 0;
            for (var i = 0; i < frames.Count; i++)
            {
                var frame = frames[i];
                var header = body.GetSpan(FetchFrames.HeaderSize(frame.Topic, frame.Code, frame.Detail));
                var written = FetchFrames.WriteHeader(header, frame, checked((int)partitions[i].Bytes));
                body.Advance(written);
                unflushed += written;
                foreach (var batch in partitions[i].Batches?.Batches ?? [])
                {
                    body.Write(batch.Span);
                    unflushed += batch.Length;
                    if (unflushed >= FlushBytes)
                    {
                        await body.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
                        unflushed = 0;
                    }
                }

                partitions[i].Release(); // copied into the response's buffers: the read buffers go back
            }

            await body.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            foreach (var partition in partitions)
            {
                partition.Release();
            }
        }
    }

    /// <summary>A partition's frame header's fields (its batches are written batch by batch, not as one block).</summary>
    private static FetchFrame Frame(PartitionFetch p) => new(
        p.Topic,
        p.Partition,
        p.Error is { } error ? error.Code.ToHttpStatus() : StatusCodes.Status200OK,
        p.Error?.Code.ToWireName(),
        p.Error?.Message,
        p.NextOffset,
        p.HighWatermark,
        p.LogStartOffset,
        ReadOnlyMemory<byte>.Empty);
}
