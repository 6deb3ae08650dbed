using System.Text.Json;
using Cloud.Log.Api.Json;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>The multi-partition fetch: several partitions, of one topic or many, in one request (Kafka's Fetch).</summary>
public sealed partial class CloudLogHttpApi
{
    /// <summary>A partition's <c>maxBytes</c> when the request names none: as a single fetch's default.</summary>
    private const int DefaultPartitionMaxBytes = 1024 * 1024;

    /// <summary>A partition's <c>maxRecords</c> when the request names none: as a single fetch's default.</summary>
    private const int DefaultPartitionMaxRecords = 500;

    /// <summary>The request's total <c>maxBytes</c> when it names none: Kafka's <c>fetch.max.bytes</c> (50 MiB), within the service's limit.</summary>
    private const int DefaultTotalMaxBytes = 52_428_800;

    /// <summary>
    /// <c>POST /api/fetch</c>: reads every partition the body names — <c>{"partitions": [{"topic", "partition",
    /// "offset", "maxBytes", "maxRecords"}], "maxBytes", "maxRecords", "maxWaitMs", "encoding"}</c> — through
    /// the engine's per-partition fetch, concurrently, and answers each one's records (JSON) or stored batches
    /// (<c>Accept:</c> record batches, <see cref="Protocol.Wire.FetchFrames"/>) with its offsets, or its own
    /// error (an unknown partition, an offset out of range). The whole body is checked, and the caller's right
    /// to every topic named, before anything is read.
    /// </summary>
    public Task<IResult> FetchPartitionsAsync(HttpRequest request) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            using var json = JsonBody.Parse(body.Memory, "partitions", "maxBytes", "maxRecords", "maxWaitMs", "encoding");
            var root = json.Root;
            var maxBytes = Bounded(root, "maxBytes", Math.Min(DefaultTotalMaxBytes, _options.MaxFetchBytes), 1, _options.MaxFetchBytes);
            var maxRecords = Bounded(root, "maxRecords", _options.MaxFetchRecords, 1, _options.MaxFetchRecords);
            var maxWaitMs = Bounded(root, "maxWaitMs", 0, 0, (int)CloudLogEngine.MaxFetchWait.TotalMilliseconds);
            var base64 = JsonBody.String(root, "encoding") switch
            {
                null or "text" => false,
                "base64" => true,
                _ => throw JsonBody.Invalid("'encoding' must be 'text' or 'base64'."),
            };
            var partitions = ParsePartitions(caller, root);
            var binary = AcceptsRecordBatches(request);
            await MultiPartitionFetch.RunAsync(_engine, partitions, binary, maxBytes, maxRecords, TimeSpan.FromMilliseconds(maxWaitMs), cancellationToken).ConfigureAwait(false);
            return binary ? new FetchFramesResponse(partitions) : Json(w => ResponseJson.WriteMultiFetch(w, partitions, base64));
        });

    /// <summary>The partitions asked for, each checked: fields, ranges, no partition twice, the caller's right to its topic.</summary>
    private List<PartitionFetch> ParsePartitions(Auth.ApiCaller caller, JsonElement root)
    {
        if (JsonBody.Field(root, "partitions") is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
        {
            throw JsonBody.Invalid("'partitions' must be a non-empty array of {topic, partition, offset}.");
        }

        if (array.GetArrayLength() > _options.MaxFetchPartitions)
        {
            throw JsonBody.Invalid($"A fetch names at most {_options.MaxFetchPartitions} partitions; this one names {array.GetArrayLength()}.");
        }

        var partitions = new List<PartitionFetch>();
        var seen = new HashSet<(string, int)>();
        foreach (var entry in array.EnumerateArray())
        {
            var at = $"partitions[{partitions.Count}]";
            if (entry.ValueKind != JsonValueKind.Object || entry.EnumerateObject().Any(p => p.Name is not ("topic" or "partition" or "offset" or "maxBytes" or "maxRecords")))
            {
                throw JsonBody.Invalid($"{at} must be an object of topic, partition, offset, maxBytes and maxRecords.");
            }

            if (entry.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).Any(g => g.Count() > 1))
            {
                throw JsonBody.Invalid($"{at} names a field twice.");
            }

            var topic = JsonBody.String(entry, "topic") ?? throw new CloudLogException(ErrorCode.InvalidTopic, $"{at}.topic is required.");
            CheckTopic(caller, topic);
            var partition = JsonBody.Int32(entry, "partition", ErrorCode.InvalidRequest, $"{at}.partition must be a whole number of 32 bits.")
                ?? throw JsonBody.Invalid($"{at}.partition is required.");
            if (partition < 0)
            {
                throw JsonBody.Invalid($"{at}.partition must not be negative.");
            }

            var offset = JsonBody.Int64(entry, "offset") ?? throw JsonBody.Invalid($"{at}.offset is required: a partition's offset to read from.");
            if (offset < 0)
            {
                throw JsonBody.Invalid($"{at}.offset must not be negative.");
            }

            if (!seen.Add((topic, partition)))
            {
                throw JsonBody.Invalid($"{at}: topic '{topic}' partition {partition} is named twice.");
            }

            partitions.Add(new PartitionFetch(
                topic,
                partition,
                offset,
                Bounded(entry, "maxBytes", Math.Min(DefaultPartitionMaxBytes, _options.MaxFetchBytes), 1, _options.MaxFetchBytes, at),
                Bounded(entry, "maxRecords", Math.Min(DefaultPartitionMaxRecords, _options.MaxFetchRecords), 1, _options.MaxFetchRecords, at)));
        }

        return partitions;
    }

    /// <summary>A whole-number field from <paramref name="min"/> to <paramref name="max"/>, or its default.</summary>
    private static int Bounded(JsonElement obj, string name, int defaultValue, int min, int max, string? at = null)
    {
        var field = at is null ? $"'{name}'" : $"{at}.{name}";
        var value = JsonBody.Int32(obj, name, ErrorCode.InvalidRequest, $"{field} must be from {min} to {max}.") ?? defaultValue;
        return value < min || value > max ? throw JsonBody.Invalid($"{field} must be from {min} to {max}.") : value;
    }
}
