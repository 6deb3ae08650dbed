using System.Collections.Concurrent;
using Cloud.Log.Core;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>Fetch (sessionless, whole stored batches, long poll) and ListOffsets.</summary>
public sealed partial class KafkaRequestDispatcher
{
    /// <summary>A partition fetch's record limit: the byte limits are what bound a Kafka fetch.</summary>
    private const int MaxRecordsPerPartition = 1_000_000;

    private async Task<bool> FetchAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var request = FetchMessages.ReadRequest(reader, version);
        var wanted = request.Topics.SelectMany(t => t.Partitions.Select(p => (Topic: t.Name, Request: p))).ToList();
        if (version < 4)
        {
            WriteFetch(writer, version, request, wanted.Select(w => Empty(w.Request.Partition, KafkaError.UnsupportedVersion)).ToList());
            return true;
        }

        // Every fetch's read buffers go back to the pool once the answer was written (or will not be).
        var fetches = new ConcurrentBag<FetchedBatches>();
        writer.AfterSent(() =>
        {
            foreach (var fetched in fetches)
            {
                fetched.ReturnBuffers();
            }
        });

        // First every partition at once, without waiting; then, when none had records, a long poll on all of
        // them until the first has some or max_wait_ms is over.
        var results = await Task.WhenAll(wanted.Select(w => FetchPartitionAsync(w.Topic, w.Request, TimeSpan.Zero, fetches, cancellationToken))).ConfigureAwait(false);
        var maxWait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, (int)CloudLogEngine.MaxFetchWait.TotalMilliseconds));
        if (maxWait > TimeSpan.Zero && request.MinBytes > 0 && results.Length > 0 && results.All(r => r.Batches.Count == 0) && results.Any(r => r.ErrorCode == KafkaError.None))
        {
            await LongPollAsync(wanted, results, maxWait, fetches, cancellationToken).ConfigureAwait(false);
        }

        // The request's max_bytes over all partitions: at least the first batch, then whole batches while they fit.
        var budget = request.MaxBytes > 0 ? request.MaxBytes : int.MaxValue;
        var used = 0L;
        for (var i = 0; i < results.Length; i++)
        {
            var kept = new List<ReadOnlyMemory<byte>>();
            foreach (var batch in results[i].Batches)
            {
                if (used > 0 && used + batch.Length > budget)
                {
                    break;
                }

                kept.Add(batch);
                used += batch.Length;
            }

            if (kept.Count != results[i].Batches.Count)
            {
                results[i] = results[i] with { Batches = kept };
            }
        }

        WriteFetch(writer, version, request, results);
        return true;
    }

    private async Task LongPollAsync(List<(string Topic, FetchPartitionRequest Request)> wanted, FetchPartitionResponse[] results, TimeSpan maxWait, ConcurrentBag<FetchedBatches> fetches, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var polls = new Dictionary<Task<FetchPartitionResponse>, int>();
        for (var i = 0; i < wanted.Count; i++)
        {
            if (results[i].ErrorCode == KafkaError.None)
            {
                polls[FetchPartitionAsync(wanted[i].Topic, wanted[i].Request, maxWait, fetches, stop.Token)] = i;
            }
        }

        var pending = polls.Keys.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var result = await done.ConfigureAwait(false);
            if (result.Batches.Count > 0 || stop.IsCancellationRequested)
            {
                if (result.Batches.Count > 0)
                {
                    results[polls[done]] = result;
                }

                break;
            }
        }

        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var poll in pending)
        {
            var result = await poll.ConfigureAwait(false);
            if (result.Batches.Count > 0)
            {
                results[polls[poll]] = result;
            }
        }
    }

    private async Task<FetchPartitionResponse> FetchPartitionAsync(string topic, FetchPartitionRequest request, TimeSpan maxWait, ConcurrentBag<FetchedBatches> fetches, CancellationToken cancellationToken)
    {
        try
        {
            var fetched = await _engine.FetchBatchesAsync(topic, request.Partition, request.FetchOffset, MaxRecordsPerPartition, Math.Max(request.PartitionMaxBytes, 1), maxWait, cancellationToken).ConfigureAwait(false);
            fetches.Add(fetched);
            return new FetchPartitionResponse(request.Partition, KafkaError.None, fetched.HighWatermark, fetched.LogStartOffset, fetched.Batches);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Empty(request.Partition, KafkaError.None);
        }
        catch (CloudLogException e)
        {
            return Empty(request.Partition, KafkaError.From(e.Code), e.HighWatermark ?? -1, e.LogStartOffset ?? -1);
        }
        catch (Azure.RequestFailedException e)
        {
            LogFailure(e, "fetch");
            return Empty(request.Partition, KafkaError.KafkaStorageError);
        }
    }

    private static FetchPartitionResponse Empty(int partition, short error, long highWatermark = -1, long logStart = -1) =>
        new(partition, error, highWatermark, logStart, []);

    private static void WriteFetch(KafkaWriter writer, short version, FetchRequest request, IReadOnlyList<FetchPartitionResponse> results)
    {
        var topics = new List<FetchTopicResponse>();
        var index = 0;
        foreach (var topic in request.Topics)
        {
            topics.Add(new FetchTopicResponse(topic.Name, [.. results.Skip(index).Take(topic.Partitions.Count)]));
            index += topic.Partitions.Count;
        }

        FetchMessages.WriteResponse(writer, version, KafkaError.None, topics);
    }

    private async Task<bool> ListOffsetsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var request = ListOffsetsMessages.ReadRequest(reader, version);
        var topics = new List<ListOffsetsTopicResponse>();
        foreach (var topic in request)
        {
            var partitions = await Task.WhenAll(topic.Partitions.Select(p => ListOffsetAsync(topic.Name, p, cancellationToken))).ConfigureAwait(false);
            topics.Add(new ListOffsetsTopicResponse(topic.Name, partitions));
        }

        ListOffsetsMessages.WriteResponse(writer, version, topics);
        return true;
    }

    private async Task<ListOffsetsPartitionResponse> ListOffsetAsync(string topic, ListOffsetsPartitionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            switch (request.Timestamp)
            {
                case ListOffsetsMessages.Earliest:
                    return Found(await _engine.GetEarliestOffsetAsync(topic, request.Partition, cancellationToken).ConfigureAwait(false), -1);
                case ListOffsetsMessages.Latest:
                    return Found(await _engine.GetLatestOffsetAsync(topic, request.Partition, cancellationToken).ConfigureAwait(false), -1);
                case ListOffsetsMessages.MaxTimestamp:
                    return await MaxTimestampAsync(topic, request.Partition, cancellationToken).ConfigureAwait(false);
                case < 0:
                    return new ListOffsetsPartitionResponse(request.Partition, KafkaError.InvalidRequest, -1, -1);
                default:
                    var found = await _engine.GetOffsetForTimestampAsync(topic, request.Partition, request.Timestamp, cancellationToken).ConfigureAwait(false);
                    return Found(found, found.Timestamp ?? -1);
            }
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            LogFailure(e, "list offsets");
            return new ListOffsetsPartitionResponse(request.Partition, KafkaError.From(e), -1, -1);
        }

        ListOffsetsPartitionResponse Found(OffsetLookup lookup, long timestamp) =>
            new(request.Partition, KafkaError.None, lookup.Offset is null ? -1 : timestamp, lookup.Offset ?? -1);
    }

    /// <summary>
    /// ListOffsets' -3 (KIP-734): the record with the highest timestamp. Found in the last batch, whose max
    /// timestamp is the highest where producers' clocks move forward (documented as such in docs/kafka.md).
    /// </summary>
    private async Task<ListOffsetsPartitionResponse> MaxTimestampAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        var latest = await _engine.GetLatestOffsetAsync(topic, partition, cancellationToken).ConfigureAwait(false);
        var earliest = await _engine.GetEarliestOffsetAsync(topic, partition, cancellationToken).ConfigureAwait(false);
        if (latest.Offset is not { } end || end <= (earliest.Offset ?? 0))
        {
            return new ListOffsetsPartitionResponse(partition, KafkaError.None, -1, -1);
        }

        var fetched = await _engine.FetchBatchesAsync(topic, partition, end - 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        var records = fetched.Batches.SelectMany(b => RecordBatch.DecodeRecords(b)).ToList();
        if (records.Count == 0)
        {
            return new ListOffsetsPartitionResponse(partition, KafkaError.None, -1, -1);
        }

        var max = records.MaxBy(r => r.Timestamp)!;
        return new ListOffsetsPartitionResponse(partition, KafkaError.None, max.Timestamp, max.Offset);
    }
}
