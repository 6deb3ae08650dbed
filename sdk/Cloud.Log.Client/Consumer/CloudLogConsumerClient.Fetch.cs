using System.Diagnostics;
using System.Globalization;
using Cloud.Log.Client.Consumer;
using Cloud.Log.Client.Diagnostics;
using Cloud.Log.Client.Pipeline;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Client;

/// <summary>Fetching: one loop per partition, long-polling record batches ahead of the application.</summary>
public partial class CloudLogConsumerClient
{
    private static readonly TimeSpan MaxFetchBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Fetches one partition until it is removed: resolves a logical start offset, waits while
    /// <see cref="CloudLogConsumerClientOptions.PrefetchCount"/> records are waiting, long-polls the next
    /// batches, and queues them for the application. Transient failures back off and try again; others
    /// are handed to the application once, then tried again more slowly.
    /// </summary>
    private async Task FetchLoopAsync(PartitionState state)
    {
        var failures = 0;
        while (true)
        {
            int epoch;
            Offset from;
            CancellationToken cancellation;
            Task space;
            lock (_lock)
            {
                if (state.Removed)
                {
                    return;
                }

                epoch = state.Epoch;
                from = state.FetchPosition;
                cancellation = state.FetchCancellation.Token;
                space = Task.CompletedTask;
                if (state.Buffered >= _options.PrefetchCount)
                {
                    // Enough is waiting: fetch again once the application took some (TryTake completes this).
                    if (state.SpaceFreed.Task.IsCompleted)
                    {
                        state.SpaceFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    space = state.SpaceFreed.Task;
                }
            }

            try
            {
                if (!space.IsCompleted)
                {
                    await space.WaitAsync(cancellation).ConfigureAwait(false);
                    continue;
                }

                if (from.IsSpecial)
                {
                    var resolved = await ResolveStartAsync(state.TopicPartition, from, cancellation).ConfigureAwait(false);
                    lock (_lock)
                    {
                        if (state.Epoch == epoch && !state.Removed)
                        {
                            state.Position = resolved;
                            state.FetchPosition = resolved;
                        }
                    }

                    continue;
                }

                await FetchOnceAsync(state, epoch, from.Value, cancellation).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // A seek restarted the fetch, or the partition went: the loop looks again.
            }
            catch (CloudLogException e)
            {
                failures++;
                if (e.Code == CloudLogErrorCode.OffsetOutOfRange && _options.AutoOffsetReset != AutoOffsetReset.Error)
                {
                    // Retention removed the records at our position (or a seek went past the end): reset, as Kafka does.
                    Reset(state, epoch, _options.AutoOffsetReset == AutoOffsetReset.Earliest ? Offset.Beginning : Offset.End);
                    continue;
                }

                if (!e.IsTransient)
                {
                    _chunks.Writer.TryWrite(new FetchedChunk(state, epoch, [], e));
                }

                var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxFetchBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 10))));
                try
                {
                    await Task.Delay(e.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // As above.
                }
            }
        }
    }

    private async Task FetchOnceAsync(PartitionState state, int epoch, long from, CancellationToken cancellationToken)
    {
        var (topic, partition) = state.TopicPartition;
        using var activity = ClientDiagnostics.Source.StartActivity("fetch " + topic, ActivityKind.Consumer);
        activity?.SetTag("messaging.system", "cloudlog");
        activity?.SetTag("messaging.operation.type", "receive");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.destination.partition.id", partition.ToString(CultureInfo.InvariantCulture));
        var fetched = await _rest.FetchAsync(topic, partition, from, _options.MaxPartitionFetchBytes, _options.FetchMaxWait, _options.Retry.NetworkTimeout, cancellationToken).ConfigureAwait(false);
        var records = Decode(topic, partition, fetched.Batches, from);
        activity?.SetTag("messaging.batch.message_count", records.Count);
        ClientDiagnostics.BytesFetched.Add(fetched.Batches.Length, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        lock (_lock)
        {
            if (state.Removed || state.Epoch != epoch)
            {
                return; // sought or revoked while fetching: these records are stale
            }

            state.FetchPosition = fetched.NextOffset;
            state.HighWatermark = fetched.HighWatermark;
            if (records.Count > 0)
            {
                state.Buffered += records.Count;
                _chunks.Writer.TryWrite(new FetchedChunk(state, epoch, records));
            }

            ClientDiagnostics.Lag.Record(
                Math.Max(0, fetched.HighWatermark - (state.Position.IsSpecial ? from : state.Position.Value)),
                new KeyValuePair<string, object?>("messaging.destination.name", topic),
                new KeyValuePair<string, object?>("messaging.destination.partition.id", partition));
        }
    }

    /// <summary>The records of whole batches from <paramref name="from"/> on; keys and values are slices of the answer, not copies.</summary>
    private static List<ConsumeResult> Decode(string topic, int partition, ReadOnlyMemory<byte> batches, long from)
    {
        var records = new List<ConsumeResult>();
        var position = 0;
        while (position < batches.Length)
        {
            if (!RecordBatch.TryReadHeader(batches.Span[position..], out var header) || header.TotalSize > batches.Length - position)
            {
                throw new CloudLogException(CloudLogErrorCode.CorruptMessage, $"{topic} [{partition}]: a fetched batch is cut short at byte {position}.");
            }

            IReadOnlyList<ConsumerRecord> decoded;
            try
            {
                decoded = RecordBatch.DecodeRecords(batches.Slice(position, header.TotalSize));
            }
            catch (RecordBatchFormatException e)
            {
                throw new CloudLogException(CloudLogErrorCode.CorruptMessage, $"{topic} [{partition}]: a fetched batch is damaged: {e.Message}", e);
            }

            var type = header.TimestampType == TimestampType.LogAppendTime ? CloudLogTimestampType.LogAppendTime : CloudLogTimestampType.CreateTime;
            foreach (var r in decoded)
            {
                if (r.Offset >= from)
                {
                    records.Add(new ConsumeResult(
                        topic,
                        partition,
                        r.Offset,
                        DateTimeOffset.FromUnixTimeMilliseconds(r.Timestamp),
                        type,
                        r.Key is { } key ? new BinaryData(key) : null,
                        r.Value is { } value ? new BinaryData(value) : null,
                        r.Headers.Count == 0 ? [] : r.Headers.Select(h => new CloudLogHeader(h.Key, h.Value is { } v ? new BinaryData(v) : null)).ToList()));
                }
            }

            position += header.TotalSize;
        }

        return records;
    }

    /// <summary>A logical start offset made real: the committed offset (for <see cref="Offset.Unset"/>, with a group), the log start or the high watermark.</summary>
    private async Task<Offset> ResolveStartAsync(TopicPartition topicPartition, Offset start, CancellationToken cancellationToken)
    {
        if (start == Offset.Unset)
        {
            if (_options.GroupId is { } group && await CommittedOffsetAsync(group, topicPartition, cancellationToken).ConfigureAwait(false) is { } committed)
            {
                return committed;
            }

            start = _options.AutoOffsetReset switch
            {
                AutoOffsetReset.Earliest => Offset.Beginning,
                AutoOffsetReset.Latest => Offset.End,
                _ => throw new CloudLogException(CloudLogErrorCode.OffsetOutOfRange, $"{topicPartition} has no committed offset and AutoOffsetReset is Error: seek to where it should start."),
            };
        }

        var at = start == Offset.Beginning ? "earliest" : "latest";
        return await _rest.ListOffsetAsync(topicPartition.Topic, topicPartition.Partition, at, cancellationToken).ConfigureAwait(false) ?? 0;
    }

    private async Task<long?> CommittedOffsetAsync(string group, TopicPartition topicPartition, CancellationToken cancellationToken)
    {
        try
        {
            var (offsets, _) = await _rest.GetGroupOffsetsAsync(group, topicPartition.Topic, cancellationToken).ConfigureAwait(false);
            return offsets.FirstOrDefault(o => o.Partition == topicPartition.Partition)?.Offset.Value;
        }
        catch (CloudLogException e) when (e.Code == CloudLogErrorCode.GroupIdNotFound)
        {
            return null; // a group that never committed
        }
    }

    /// <summary>Moves a partition to a logical offset after its position fell out of the log.</summary>
    private void Reset(PartitionState state, int epoch, Offset to)
    {
        lock (_lock)
        {
            if (state.Epoch == epoch && !state.Removed)
            {
                state.Epoch++;
                state.Position = to;
                state.FetchPosition = to;
                state.Buffered = 0;
            }
        }
    }
}
