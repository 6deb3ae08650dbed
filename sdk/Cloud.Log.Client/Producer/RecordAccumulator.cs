using System.Diagnostics;
using Cloud.Log.Client.Diagnostics;
using Cloud.Log.Client.Pipeline;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Client.Producer;

/// <summary>
/// The producer's engine, Kafka's accumulator and sender in one: records wait in their partition's queue
/// until a batch is full (<c>batch.size</c>) or has waited <c>linger.ms</c>; one sender loop then drains
/// every ready partition that has nothing in flight — all its waiting records, as batches of at most
/// <c>batch.size</c> — encodes each batch once, and sends the batches of a topic together, as frames of one
/// binary produce request (the service appends a partition's frames in order). Batches that fail
/// transiently are sent again, the same bytes, until their delivery timeout; the partition's later records
/// wait behind them, so order holds.
/// </summary>
internal sealed class RecordAccumulator : IAsyncDisposable
{
    private readonly CloudLogRestClient _rest;
    private readonly CloudLogProducerClientOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, PartitionQueue> _queues = [];
    private readonly HashSet<ProducerBatch> _inFlight = [];
    private readonly Dictionary<string, int> _sticky = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _producerIdLock = new(1, 1);
    private readonly Task _sender;
    private TaskCompletionSource _spaceFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bufferedBytes;
    private int _flushes;
    private bool _closing;
    private long _producerId = -1;
    private short _producerEpoch;

    public RecordAccumulator(CloudLogRestClient rest, CloudLogProducerClientOptions options)
    {
        _rest = rest;
        _options = options;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>The partition keyless records of <paramref name="topic"/> stick to until its batch is sent (Kafka's sticky partitioner).</summary>
    public int StickyPartition(string topic, int partitionCount)
    {
        lock (_lock)
        {
            if (!_sticky.TryGetValue(topic, out var partition) || partition >= partitionCount)
            {
                partition = Random.Shared.Next(partitionCount);
                _sticky[topic] = partition;
            }

            return partition;
        }
    }

    /// <summary>Queues a record; the task completes when it is delivered or has failed.</summary>
    public async Task<DeliveryResult> AppendAsync(TopicPartition topicPartition, ProducerRecord record, CancellationToken cancellationToken)
    {
        var size = EstimateSize(record);
        await WaitForSpaceAsync(size, cancellationToken).ConfigureAwait(false);
        var pending = new PendingRecord(record, size, Environment.TickCount64);
        bool wake;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (!_queues.TryGetValue(topicPartition, out var queue))
            {
                queue = new PartitionQueue(topicPartition);
                _queues.Add(topicPartition, queue);
            }

            // The sender needs to hear of a batch that is full, and of a first record (a new linger deadline).
            wake = queue.Records.Count == 0 || queue.Bytes + size >= _options.BatchSize || _options.Linger == TimeSpan.Zero || _flushes > 0;
            queue.Records.Enqueue(pending);
            queue.Bytes += size;
        }

        if (wake)
        {
            Wake();
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends everything queued now without waiting out the linger, and waits until it is delivered or failed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<Task> pending;
        lock (_lock)
        {
            _flushes++;
            pending = [.. _queues.Values.SelectMany(q => q.Records).Select(r => (Task)r.Completion.Task), .. _inFlight.SelectMany(b => b.Records).Select(r => (Task)r.Completion.Task)];
        }

        try
        {
            Wake();
            await Task.WhenAll(pending).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _flushes--;
            }
        }
    }

    /// <summary>Delivers what is queued (as a flush does), then stops the sender.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
        }

        Wake();
        await _sender.ConfigureAwait(false);
        _wake.Dispose();
        _producerIdLock.Dispose();
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            List<ProducerBatch> ready = [];
            var wait = Timeout.InfiniteTimeSpan;
            bool done;
            lock (_lock)
            {
                var now = Environment.TickCount64;
                var lingerMs = (long)_options.Linger.TotalMilliseconds;
                HashSet<string> readyTopics = [];
                foreach (var queue in _queues.Values)
                {
                    if (queue.Records.Count == 0 || queue.InFlight > 0)
                    {
                        continue;
                    }

                    var due = queue.Records.Peek().AppendedAt + lingerMs;
                    if (queue.Bytes >= _options.BatchSize || now >= due || _flushes > 0 || _closing)
                    {
                        readyTopics.Add(queue.TopicPartition.Topic);
                    }
                    else if (wait == Timeout.InfiniteTimeSpan || due - now < wait.TotalMilliseconds)
                    {
                        wait = TimeSpan.FromMilliseconds(due - now);
                    }
                }

                // As Kafka drains every partition of a ready broker, a request that goes anyway takes what its
                // topic's other partitions hold, lingered out or not: one request instead of one per partition.
                if (readyTopics.Count > 0)
                {
                    foreach (var queue in _queues.Values)
                    {
                        if (queue.Records.Count > 0 && queue.InFlight == 0 && readyTopics.Contains(queue.TopicPartition.Topic))
                        {
                            ready.AddRange(Drain(queue));
                        }
                    }
                }

                done = _closing && _inFlight.Count == 0 && ready.Count == 0 && _queues.Values.All(q => q.Records.Count == 0);
            }

            if (done)
            {
                return;
            }

            foreach (var request in ready.GroupBy(b => b.TopicPartition.Topic).SelectMany(Requests))
            {
                _ = SendAsync(request.Topic, request.Batches);
            }

            if (ready.Count == 0)
            {
                await _wake.WaitAsync(wait).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes a ready queue's records as batches of at most <c>batch.size</c> (at least one record each), up to
    /// <c>max.request.size</c> in all: they go in one request, so the partition's order holds.
    /// </summary>
    private List<ProducerBatch> Drain(PartitionQueue queue)
    {
        var drained = new List<ProducerBatch>();
        long requestBytes = 0;
        while (queue.Records.Count > 0 && (drained.Count == 0 || requestBytes + queue.Records.Peek().Size <= _options.MaxRequestSize))
        {
            var records = new List<PendingRecord>();
            long bytes = 0;
            while (queue.Records.TryPeek(out var next) && (records.Count == 0 || bytes + next.Size <= _options.BatchSize))
            {
                queue.Records.Dequeue();
                queue.Bytes -= next.Size;
                bytes += next.Size;
                records.Add(next);
            }

            var batch = new ProducerBatch(queue, records) { Deadline = records[0].AppendedAt + (long)_options.DeliveryTimeout.TotalMilliseconds };
            _inFlight.Add(batch);
            drained.Add(batch);
            requestBytes += bytes;
        }

        queue.InFlight = drained.Count;
        if (_sticky.TryGetValue(queue.TopicPartition.Topic, out var sticky) && sticky == queue.TopicPartition.Partition)
        {
            _sticky.Remove(queue.TopicPartition.Topic); // the next keyless record picks a new partition
        }

        return drained;
    }

    /// <summary>
    /// A topic's ready batches cut into requests of at most <c>max.request.size</c> bytes, a partition's batches
    /// always in the same request (two requests of one partition in flight could land out of order).
    /// </summary>
    private IEnumerable<(string Topic, List<ProducerBatch> Batches)> Requests(IGrouping<string, ProducerBatch> topicBatches)
    {
        var current = new List<ProducerBatch>();
        long bytes = 0;
        foreach (var partition in topicBatches.GroupBy(b => b.Queue))
        {
            var size = partition.Sum(b => b.Records.Sum(r => (long)r.Size));
            if (current.Count > 0 && bytes + size > _options.MaxRequestSize)
            {
                yield return (topicBatches.Key, current);
                current = [];
                bytes = 0;
            }

            current.AddRange(partition);
            bytes += size;
        }

        yield return (topicBatches.Key, current);
    }

    private async Task SendAsync(string topic, List<ProducerBatch> batches)
    {
        IReadOnlyList<BatchOutcome> outcomes;
        using var activity = ClientDiagnostics.Source.StartActivity("produce " + topic, ActivityKind.Producer);
        activity?.SetTag("messaging.system", "cloudlog");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.batch.message_count", batches.Sum(b => b.Records.Count));
        try
        {
            await EncodeAsync(batches).ConfigureAwait(false);
            foreach (var batch in batches)
            {
                batch.Attempts++;
            }

            outcomes = await _rest.ProduceAsync(topic, batches.Select(b => (b.TopicPartition.Partition, (ReadOnlyMemory<byte>)b.Bytes!)).ToList(), _options.Acks, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CloudLogException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Code.ToString());
            outcomes = batches.Select(b => new BatchOutcome(b.TopicPartition.Partition, -1, -1, e)).ToList();
        }
        catch (Exception e)
        {
            // A bug, not a service answer: fail the records rather than leave their callers waiting forever.
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            outcomes = batches.Select(b => new BatchOutcome(b.TopicPartition.Partition, -1, -1, new CloudLogException(CloudLogErrorCode.ServiceUnreachable, e.Message, e))).ToList();
        }

        // Per partition, in order: a batch after one that is sent again goes again with it (with idempotence,
        // its own failure is the gap the other left).
        foreach (var partition in batches.Select((batch, i) => (Batch: batch, Outcome: outcomes[i])).GroupBy(x => x.Batch.Queue))
        {
            var again = new List<ProducerBatch>();
            CloudLogException? cause = null;
            foreach (var (batch, outcome) in partition)
            {
                if (outcome.Error is null)
                {
                    Delivered(batch, outcome);
                }
                else if (cause is not null)
                {
                    again.Add(batch);
                }
                else if (outcome.Error.Code == CloudLogErrorCode.DuplicateSequenceNumber)
                {
                    DeliveredBefore(batch);
                }
                else if (outcome.Error.IsTransient && Environment.TickCount64 + (long)Backoff(batch.Attempts, outcome.Error.RetryAfter).TotalMilliseconds < batch.Deadline)
                {
                    cause = outcome.Error;
                    again.Add(batch);
                }
                else
                {
                    Failed(batch, outcome.Error);
                }
            }

            if (again.Count > 0)
            {
                _ = SendAgainAsync(topic, again, cause!);
            }
        }
    }

    private async Task SendAgainAsync(string topic, List<ProducerBatch> batches, CloudLogException cause)
    {
        await Task.Delay(Backoff(batches[0].Attempts, cause.RetryAfter)).ConfigureAwait(false);
        await SendAsync(topic, batches).ConfigureAwait(false);
    }

    /// <summary>Encodes batches at their first send: under idempotence, with the producer id and the partition's next sequence.</summary>
    private async Task EncodeAsync(List<ProducerBatch> batches)
    {
        if (batches.All(b => b.Bytes is not null))
        {
            return;
        }

        var (producerId, epoch) = _options.EnableIdempotence ? await ProducerIdAsync().ConfigureAwait(false) : (-1L, (short)-1);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var sequences = new Dictionary<PartitionQueue, int>();
        foreach (var batch in batches.Where(b => b.Bytes is null))
        {
            ProducerBatchIdentity? identity = null;
            if (producerId >= 0)
            {
                // A partition's batches of one request take consecutive sequences from where it stands.
                if (!sequences.TryGetValue(batch.Queue, out var sequence))
                {
                    lock (_lock)
                    {
                        sequence = batch.Queue.NextSequence;
                    }
                }

                identity = new ProducerBatchIdentity(producerId, epoch, sequence);
                sequences[batch.Queue] = ProducerBatchIdentity.IncrementSequence(sequence, batch.Records.Count);
                batch.ProducerId = producerId;
                batch.BaseSequence = sequence;
            }

            batch.Bytes = RecordBatch.Encode(batch.Records.Select(r => r.Record).ToList(), TimestampType.CreateTime, now, identity);
            ClientDiagnostics.BatchRecords.Record(batch.Records.Count);
            ClientDiagnostics.BatchBytes.Record(batch.Bytes.Length);
        }
    }

    /// <summary>The producer id and epoch, asked of the service once (and again after a reset).</summary>
    private async Task<(long, short)> ProducerIdAsync()
    {
        await _producerIdLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _producerId) < 0)
            {
                var (id, epoch) = await _rest.InitProducerAsync(CancellationToken.None).ConfigureAwait(false);
                lock (_lock)
                {
                    _producerEpoch = epoch;
                    _producerId = id;
                }
            }

            lock (_lock)
            {
                return (_producerId, _producerEpoch);
            }
        }
        finally
        {
            _producerIdLock.Release();
        }
    }

    private void Delivered(ProducerBatch batch, BatchOutcome outcome)
    {
        var topic = batch.TopicPartition.Topic;
        var status = _options.Acks == Acks.None ? PersistenceStatus.PossiblyPersisted : PersistenceStatus.Persisted;
        for (var i = 0; i < batch.Records.Count; i++)
        {
            var record = batch.Records[i];
            var offset = outcome.BaseOffset >= 0 ? new Offset(outcome.BaseOffset + i) : Offset.Unset;
            var timestamp = outcome.LogAppendTime >= 0 ? outcome.LogAppendTime : record.Record.Timestamp ?? 0;
            record.Completion.TrySetResult(new DeliveryResult(topic, outcome.Partition, offset, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), status));
        }

        ClientDiagnostics.RecordsSent.Add(batch.Records.Count, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        ClientDiagnostics.BytesSent.Add(batch.Bytes!.Length, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        Finished(batch, advanceSequence: true);
    }

    /// <summary>Stored before, by an earlier send whose answer was lost, too long ago for its offsets to be known.</summary>
    private void DeliveredBefore(ProducerBatch batch)
    {
        foreach (var record in batch.Records)
        {
            record.Completion.TrySetResult(new DeliveryResult(batch.TopicPartition.Topic, batch.TopicPartition.Partition, Offset.Unset, DateTimeOffset.FromUnixTimeMilliseconds(record.Record.Timestamp ?? 0), PersistenceStatus.Persisted));
        }

        Finished(batch, advanceSequence: true);
    }

    /// <summary>Fails a batch for good, saying whether it may be stored anyway.</summary>
    private void Failed(ProducerBatch batch, CloudLogException error)
    {
        // Sent at least once and never answered: it may be stored. A service refusal (4xx) stored nothing.
        var possiblyStored = batch.Attempts > 0 && error.IsTransient;
        if (batch.ProducerId >= 0 && (possiblyStored || error.Code == CloudLogErrorCode.OutOfOrderSequenceNumber || error.Code == CloudLogErrorCode.InvalidProducerEpoch))
        {
            ResetProducerId(batch.ProducerId); // the partition's sequence is no longer known: start afresh under a new id
        }

        var status = possiblyStored ? PersistenceStatus.PossiblyPersisted : PersistenceStatus.NotPersisted;
        foreach (var record in batch.Records)
        {
            var result = new DeliveryResult(batch.TopicPartition.Topic, batch.TopicPartition.Partition, Offset.Unset, DateTimeOffset.FromUnixTimeMilliseconds(record.Record.Timestamp ?? 0), status);
            record.Completion.TrySetException(new CloudLogException(error.Status, error.Code, error.Message, error) { DeliveryResult = result, RetryAfter = error.RetryAfter });
        }

        ClientDiagnostics.ProduceErrors.Add(batch.Records.Count, new KeyValuePair<string, object?>("error.type", error.Code.ToString()));
        Finished(batch, advanceSequence: false);
    }

    private void Finished(ProducerBatch batch, bool advanceSequence)
    {
        var freed = batch.Records.Sum(r => (long)r.Size);
        lock (_lock)
        {
            if (advanceSequence && batch.ProducerId >= 0 && batch.ProducerId == _producerId)
            {
                batch.Queue.NextSequence = ProducerBatchIdentity.IncrementSequence(batch.BaseSequence, batch.Records.Count);
            }

            batch.Queue.InFlight--;
            _inFlight.Remove(batch);
            _bufferedBytes -= freed;
            _spaceFreed.TrySetResult();
            _spaceFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Wake();
    }

    /// <summary>Drops a producer id whose sequences may have diverged from the service's; the next batch asks for a new one.</summary>
    private void ResetProducerId(long failedId)
    {
        lock (_lock)
        {
            if (_producerId != failedId)
            {
                return;
            }

            _producerId = -1;
            foreach (var queue in _queues.Values)
            {
                queue.NextSequence = 0;
            }
        }
    }

    /// <summary>Exponential backoff with jitter (Kafka's), never shorter than what the service asked for.</summary>
    private TimeSpan Backoff(int attempts, TimeSpan? retryAfter)
    {
        var exponential = _options.RetryBackoff.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempts - 1));
        var capped = Math.Min(exponential, _options.RetryBackoffMax.TotalMilliseconds);
        var jittered = TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }

    private async Task WaitForSpaceAsync(int size, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)_options.MaxBlock.TotalMilliseconds;
        while (true)
        {
            Task freed;
            lock (_lock)
            {
                if (_bufferedBytes == 0 || _bufferedBytes + size <= _options.BufferMemory)
                {
                    _bufferedBytes += size;
                    return;
                }

                freed = _spaceFreed.Task;
            }

            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, $"The producer's buffer ({_options.BufferMemory} bytes) stayed full for {_options.MaxBlock}: records are not being delivered as fast as they are produced.");
            }

            await freed.WaitAsync(TimeSpan.FromMilliseconds(left), cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>A record's size in a batch, near enough: its fields plus Kafka's per-record overhead.</summary>
    private static int EstimateSize(ProducerRecord record) =>
        21 + (record.Key?.Length ?? 0) + (record.Value?.Length ?? 0) + record.Headers.Sum(h => 10 + h.Key.Length + (h.Value?.Length ?? 0));
}
