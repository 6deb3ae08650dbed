using System.Diagnostics;
using System.Globalization;
using Cloud.Log.Client.Consumer;
using Cloud.Log.Client.Diagnostics;
using Cloud.Log.Client.Pipeline;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Wire;

namespace Cloud.Log.Client;

/// <summary>
/// Fetching: one loop for every partition the consumer reads, long-polling record batches ahead of the
/// application with one request per round for all the partitions that have room (Kafka's fetcher: one fetch in
/// flight per server, naming every fetchable partition).
/// </summary>
public partial class CloudLogConsumerClient
{
    private static readonly TimeSpan MaxFetchBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The most partitions one fetch request names (the service's default limit); more are split over several requests sent together.</summary>
    private const int MaxPartitionsPerRequest = 256;

    /// <summary>Records one partition's part of a fetch may hold (whole batches: at least one comes).</summary>
    private const int MaxRecordsPerPartition = 10_000;

    private TaskCompletionSource _fetchWake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _fetchRequest;
    private Task? _fetcher;

    /// <summary>Starts the fetch loop once, when the first partition is added. Under the lock.</summary>
    private void StartFetcher() => _fetcher ??= Task.Run(FetchLoopAsync);

    /// <summary>Tells the fetch loop to look again (a partition has room, was added or sought). Under the lock.</summary>
    private void WakeFetcher() => _fetchWake.TrySetResult();

    /// <summary>
    /// A seek or a new partition: a long poll in flight ends now, so that the partition is fetched at once (as
    /// each partition's own long poll used to). Without long polls the request in flight answers soon anyway and
    /// is left to finish. Under the lock.
    /// </summary>
    private void RestartFetch()
    {
        if (_options.FetchMaxWait > TimeSpan.Zero)
        {
            _fetchRequest?.Cancel();
        }

        WakeFetcher();
    }

    /// <summary>
    /// Fetches every partition until the consumer closes: resolves logical start offsets, then sends one request
    /// (<c>POST /api/fetch</c>) naming each partition that has fewer than
    /// <see cref="CloudLogConsumerClientOptions.PrefetchCount"/> records waiting and is not backing off, and
    /// queues each one's records for the application; when none has room, waits until one has. A partition's
    /// failure (its own error in the answer, or the whole request's) backs that partition off, or resets it when
    /// its offset fell out of the log; one the application must know of is handed to it once per attempt.
    /// </summary>
    private async Task FetchLoopAsync()
    {
        var closing = _closing.Token;
        while (!closing.IsCancellationRequested)
        {
            var fetch = new List<(PartitionState State, int Epoch, long From)>();
            var resolve = new List<(PartitionState State, int Epoch, Offset From)>();
            Task wake;
            long retryIn = long.MaxValue;
            CancellationTokenSource request;
            lock (_lock)
            {
                if (_fetchWake.Task.IsCompleted)
                {
                    _fetchWake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _fetchWake.Task;
                var now = Environment.TickCount64;
                foreach (var state in _partitions.Values)
                {
                    if (state.Buffered >= _options.PrefetchCount)
                    {
                        continue; // enough is waiting: fetch again once the application took some (TryTake wakes the loop)
                    }

                    if (state.RetryAt > now)
                    {
                        retryIn = Math.Min(retryIn, state.RetryAt - now);
                        continue;
                    }

                    if (state.FetchPosition.IsSpecial)
                    {
                        resolve.Add((state, state.Epoch, state.FetchPosition));
                    }
                    else
                    {
                        fetch.Add((state, state.Epoch, state.FetchPosition.Value));
                    }
                }

                _fetchRequest?.Dispose();
                request = _fetchRequest = CancellationTokenSource.CreateLinkedTokenSource(closing);
            }

            try
            {
                if (resolve.Count > 0)
                {
                    await Task.WhenAll(resolve.Select(r => ResolveAsync(r.State, r.Epoch, r.From, request.Token))).ConfigureAwait(false);
                }
                else if (fetch.Count > 0)
                {
                    await Task.WhenAll(fetch.Chunk(MaxPartitionsPerRequest).Select(part => FetchOnceAsync(part, request.Token))).ConfigureAwait(false);
                }
                else
                {
                    var delay = retryIn == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(retryIn);
                    await wake.WaitAsync(delay, closing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            catch (OperationCanceledException) when (request.IsCancellationRequested)
            {
                // A seek restarted the fetch, or the consumer closes: the loop looks again.
            }
        }
    }

    /// <summary>Makes one partition's logical start offset real, or fails the partition.</summary>
    private async Task ResolveAsync(PartitionState state, int epoch, Offset from, CancellationToken cancellationToken)
    {
        try
        {
            var resolved = await ResolveStartAsync(state.TopicPartition, from, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (state.Epoch == epoch && !state.Removed)
                {
                    state.Position = resolved;
                    state.FetchPosition = resolved;
                    state.Failures = 0;
                }
            }
        }
        catch (CloudLogException e)
        {
            Fail(state, epoch, e);
        }
    }

    /// <summary>One request for <paramref name="partitions"/>; each one's answer is queued, or fails that partition alone.</summary>
    private async Task FetchOnceAsync((PartitionState State, int Epoch, long From)[] partitions, CancellationToken cancellationToken)
    {
        var topics = partitions.Select(p => p.State.TopicPartition.Topic).Distinct(StringComparer.Ordinal).ToList();
        using var activity = ClientDiagnostics.Source.StartActivity(topics.Count == 1 ? "fetch " + topics[0] : "fetch", ActivityKind.Consumer);
        activity?.SetTag("messaging.system", "cloudlog");
        activity?.SetTag("messaging.operation.type", "receive");
        if (topics.Count == 1)
        {
            activity?.SetTag("messaging.destination.name", topics[0]);
        }

        if (partitions.Length == 1)
        {
            activity?.SetTag("messaging.destination.partition.id", partitions[0].State.TopicPartition.Partition.ToString(CultureInfo.InvariantCulture));
        }

        List<FetchFrame> frames;
        try
        {
            frames = await _rest.FetchPartitionsAsync(
                partitions.Select(p => (p.State.TopicPartition.Topic, p.State.TopicPartition.Partition, p.From)).ToList(),
                _options.MaxPartitionFetchBytes,
                MaxRecordsPerPartition,
                _options.FetchMaxWait,
                _options.Retry.NetworkTimeout,
                cancellationToken).ConfigureAwait(false);
            if (frames.Count != partitions.Length || frames.Where((f, i) => f.Topic != partitions[i].State.TopicPartition.Topic || f.Partition != partitions[i].State.TopicPartition.Partition).Any())
            {
                throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, "POST /api/fetch: the answer does not list the partitions asked for, in order.");
            }
        }
        catch (CloudLogException e)
        {
            foreach (var (state, epoch, _) in partitions)
            {
                Fail(state, epoch, e); // the whole request failed: each partition as if its own fetch had
            }

            return;
        }

        var count = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            count += Deliver(partitions[i].State, partitions[i].Epoch, partitions[i].From, frames[i]);
        }

        activity?.SetTag("messaging.batch.message_count", count);
    }

    /// <summary>Queues one partition's part of an answer for the application, or fails the partition; answers the records queued.</summary>
    private int Deliver(PartitionState state, int epoch, long from, FetchFrame frame)
    {
        var (topic, partition) = state.TopicPartition;
        List<ConsumeResult> records;
        try
        {
            if (frame.Status != 200)
            {
                throw new CloudLogException(frame.Status, frame.Code ?? "UNKNOWN", frame.Detail ?? $"{state.TopicPartition}: the fetch failed ({frame.Status}).")
                {
                    LogStartOffset = frame.LogStartOffset >= 0 ? frame.LogStartOffset : null,
                    HighWatermark = frame.HighWatermark >= 0 ? frame.HighWatermark : null,
                };
            }

            records = Decode(topic, partition, frame.Batches, from);
        }
        catch (CloudLogException e)
        {
            Fail(state, epoch, e);
            return 0;
        }

        ClientDiagnostics.BytesFetched.Add(frame.Batches.Length, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        lock (_lock)
        {
            if (state.Removed || state.Epoch != epoch)
            {
                return 0; // sought or revoked while fetching: these records are stale
            }

            state.Failures = 0;
            state.FetchPosition = frame.NextOffset;
            if (frame.HighWatermark >= 0)
            {
                state.HighWatermark = frame.HighWatermark; // -1: the answer's budget ran out before this partition was read
            }

            if (records.Count > 0)
            {
                state.Buffered += records.Count;
                _chunks.Writer.TryWrite(new FetchedChunk(state, epoch, records));
            }

            if (state.HighWatermark >= 0)
            {
                ClientDiagnostics.Lag.Record(
                    Math.Max(0, state.HighWatermark - (state.Position.IsSpecial ? from : state.Position.Value)),
                    new KeyValuePair<string, object?>("messaging.destination.name", topic),
                    new KeyValuePair<string, object?>("messaging.destination.partition.id", partition));
            }
        }

        return records.Count;
    }

    /// <summary>
    /// A partition's fetch failed: reset it when its offset fell out of the log (and <see cref="AutoOffsetReset"/>
    /// allows); otherwise hand the application an error it must know of, and back the partition off.
    /// </summary>
    private void Fail(PartitionState state, int epoch, CloudLogException e)
    {
        lock (_lock)
        {
            if (state.Removed || state.Epoch != epoch)
            {
                return;
            }

            state.Failures++;
            if (e.Code == CloudLogErrorCode.OffsetOutOfRange && _options.AutoOffsetReset != AutoOffsetReset.Error)
            {
                // Retention removed the records at our position (or a seek went past the end): reset, as Kafka does.
                Reset(state, epoch, _options.AutoOffsetReset == AutoOffsetReset.Earliest ? Offset.Beginning : Offset.End);
                return;
            }

            if (!e.IsTransient)
            {
                _chunks.Writer.TryWrite(new FetchedChunk(state, epoch, [], e));
            }

            var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxFetchBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(state.Failures, 10))));
            var wait = e.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff;
            state.RetryAt = Environment.TickCount64 + (long)wait.TotalMilliseconds;
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

    /// <summary>Moves a partition to a logical offset after its position fell out of the log. Under the lock (or takes it).</summary>
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
                state.RetryAt = 0;
            }
        }
    }
}
