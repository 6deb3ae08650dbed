using Cloud.Log.Api.Json;
using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>Records: produce, fetch, list offsets.</summary>
public sealed partial class CloudLogHttpApi
{
    /// <summary>The header that makes a produce idempotent: a retry with the same key is stored once.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// <c>POST /api/topics/{topic}/records</c>. The whole body is checked before anything is stored. With an
    /// <c>Idempotency-Key</c> header, a repeat of the request is answered with the first one's offsets.
    /// </summary>
    public Task<IResult> ProduceAsync(HttpRequest request, string topic) =>
        HandleAsync(request, ApiAccess.Produce, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            var key = Query.HeaderOnce(request, IdempotencyKeyHeader);
            var idempotence = key is null ? null : ProducerIdempotence.ForIdempotencyKey(key);
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            var produce = ProduceRequestReader.Parse(body.Memory, queueMessage: false);
            var results = await _engine.ProduceAsync(topic, produce.Records, produce.Acks, idempotence, cancellationToken).ConfigureAwait(false);
            LogProduced(topic, results);
            return Json(w => ResponseJson.WriteProduced(w, results));
        });

    /// <summary><c>GET /api/topics/{topic}/partitions/{partition}/records</c>.</summary>
    public Task<IResult> FetchAsync(HttpRequest request, string topic, string partition) =>
        HandleAsync(request, ApiAccess.Consume, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            var number = Query.Partition(topic, partition);
            var query = request.Query;
            var offset = Query.Long(query, "offset");
            var maxRecords = Query.Int(query, "maxRecords", 500, 1, _options.MaxFetchRecords);
            var maxBytes = Query.Int(query, "maxBytes", 1024 * 1024, 1, _options.MaxFetchBytes);
            var maxWaitMs = Query.Int(query, "maxWaitMs", 0, 0, int.MaxValue);
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
        HandleAsync(request, ApiAccess.Consume, async (caller, cancellationToken) =>
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
