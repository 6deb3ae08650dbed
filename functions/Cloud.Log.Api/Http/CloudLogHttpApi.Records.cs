using Cloud.Log.Api.Json;
using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Cloud.Log.Api.Http;

/// <summary>Records: produce, fetch, list offsets.</summary>
public sealed partial class CloudLogHttpApi
{
    /// <summary>The header that makes a produce idempotent: a retry with the same key is stored once.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// <c>POST /api/topics/{topic}/records</c>. The whole body is checked before anything is stored. With an
    /// <c>Idempotency-Key</c> header, or an idempotent producer's fields, a repeat of the request is answered
    /// with the first one's offsets. A body of <see cref="MediaTypes.RecordBatches"/> is record batches the
    /// producer encoded (the SDK's encoding), stored as they are.
    /// </summary>
    public Task<IResult> ProduceAsync(HttpRequest request, string topic) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            if (IsRecordBatches(request.ContentType))
            {
                return await ProduceBatchesAsync(request, topic, cancellationToken).ConfigureAwait(false);
            }

            var key = Query.HeaderOnce(request, IdempotencyKeyHeader);
            if (key is not null && (key.Length == 0 || key.Any(c => c is < ' ' or > '~')))
            {
                // Header text is ASCII; other bytes reach the app decoded however the server chose, so a key
                // made of them would not be the same key on every host.
                throw new CloudLogException(ErrorCode.InvalidRequest, $"An {IdempotencyKeyHeader} is 1 to {ProducerIdempotence.MaxKeyLength} printable ASCII characters.");
            }

            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            var produce = ProduceRequestReader.Parse(body.Memory, queueMessage: false);
            if (key is not null && produce.Producer is not null)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, $"A produce is made idempotent by an {IdempotencyKeyHeader} header or by producer fields, not both.");
            }

            var idempotence = key is null ? produce.Producer : ProducerIdempotence.ForIdempotencyKey(key);
            var results = await _engine.ProduceAsync(topic, produce.Records, produce.Acks, idempotence, cancellationToken).ConfigureAwait(false);
            LogProduced(topic, results);
            return Json(w => ResponseJson.WriteProduced(w, results));
        });

    /// <summary><c>POST /api/producers</c> → 201: a new idempotent producer's id and epoch (Kafka's InitProducerId).</summary>
    public Task<IResult> InitProducerAsync(HttpRequest request) =>
        HandleAsync(request, (caller, cancellationToken) =>
        {
            // Random in 0 to 2^62 - 1: ids derived from idempotency keys have bit 62 set, so the two never meet,
            // and two producers drawing the same id among 2^62 is not a risk worth a table round trip.
            var producerId = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & (ProducerIdempotence.KeyDerivedBit - 1);
            return Task.FromResult<IResult>(new JsonResponse(StatusCodes.Status201Created, w => ResponseJson.WriteProducer(w, producerId, 0)));
        });

    /// <summary>A binary produce: frames of partition and record batch; <c>acks</c> in the query.</summary>
    private async Task<IResult> ProduceBatchesAsync(HttpRequest request, string topic, CancellationToken cancellationToken)
    {
        if (request.Headers.ContainsKey(IdempotencyKeyHeader))
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, $"A binary produce carries its producer id and sequences in its batches, not an {IdempotencyKeyHeader} header.");
        }

        var acks = Query.Acks(request.Query);
        using var body = await ReadBodyAsync(request).ConfigureAwait(false);
        List<(int Partition, ReadOnlyMemory<byte> Batch)> frames;
        try
        {
            frames = BatchFrames.Read(body.Memory);
        }
        catch (RecordBatchFormatException e)
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, "The body is not frames of partition and record batch: " + e.Message);
        }

        var results = await _engine.ProduceBatchesAsync(topic, frames, acks, cancellationToken).ConfigureAwait(false);
        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            foreach (var batch in results.Where(b => b.Error is null))
            {
                Log.Produced(_logger, batch.RecordCount, topic, batch.Partition, batch.BaseOffset);
            }
        }

        return Json(w => ResponseJson.WriteProducedBatches(w, results));
    }

    private static bool IsRecordBatches(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var type) && type.MediaType.Equals(MediaTypes.RecordBatches, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the caller asked for record batches (<c>Accept</c>): only a client that reads them asks.</summary>
    private static bool AcceptsRecordBatches(HttpRequest request) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)
        && accepted.Any(a => a.MediaType.Equals(MediaTypes.RecordBatches, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);

    /// <summary><c>GET /api/topics/{topic}/partitions/{partition}/records</c>.</summary>
    public Task<IResult> FetchAsync(HttpRequest request, string topic, string partition) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            var number = Query.Partition(topic, partition);
            var query = request.Query;
            var offset = Query.Long(query, "offset");
            var maxRecords = Query.Int(query, "maxRecords", 500, 1, _options.MaxFetchRecords);
            var maxBytes = Query.Int(query, "maxBytes", 1024 * 1024, 1, _options.MaxFetchBytes);
            var maxWaitMs = Query.Int(query, "maxWaitMs", 0, 0, int.MaxValue);
            if (AcceptsRecordBatches(request))
            {
                var batches = await _engine.FetchBatchesAsync(topic, number, offset, maxRecords, maxBytes, TimeSpan.FromMilliseconds(maxWaitMs), cancellationToken).ConfigureAwait(false);
                return new RecordBatchesResponse(batches);
            }

            var base64 = Query.Text(query, "encoding") switch
            {
                null or "text" => false,
                "base64" => true,
                _ => throw new CloudLogException(ErrorCode.InvalidRequest, "Query parameter 'encoding' must be 'text' or 'base64'."),
            };
            var fetch = await _engine.FetchAsync(topic, number, offset, maxRecords, maxBytes, TimeSpan.FromMilliseconds(maxWaitMs), cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteFetch(w, number, fetch, base64));
        });

    /// <summary><c>GET /api/topics/{topic}/partitions/{partition}/offsets?at=earliest|latest|{timestampMs}</c>.</summary>
    public Task<IResult> ListOffsetsAsync(HttpRequest request, string topic, string partition) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            var number = Query.Partition(topic, partition);
            var at = Query.Text(request.Query, "at") ?? throw new CloudLogException(ErrorCode.InvalidRequest, "Query parameter 'at' is required: earliest, latest or a timestamp in ms.");
            var lookup = at switch
            {
                "earliest" => await _engine.GetEarliestOffsetAsync(topic, number, cancellationToken).ConfigureAwait(false),
                "latest" => await _engine.GetLatestOffsetAsync(topic, number, cancellationToken).ConfigureAwait(false),
                _ => await _engine.GetOffsetForTimestampAsync(topic, number, Query.Long(request.Query, "at")!.Value, cancellationToken).ConfigureAwait(false),
            };
            return Json(w => ResponseJson.WriteOffset(w, lookup));
        });

    private void LogProduced(string topic, IReadOnlyList<RecordMetadata> results)
    {
        if (!_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            return;
        }

        foreach (var partition in results.GroupBy(r => r.Partition))
        {
            Log.Produced(_logger, partition.Count(), topic, partition.Key, partition.First().Offset);
        }
    }
}
