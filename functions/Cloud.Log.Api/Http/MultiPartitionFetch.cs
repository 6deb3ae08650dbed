using Cloud.Log.Core;

namespace Cloud.Log.Api.Http;

/// <summary>
/// Runs a multi-partition fetch over the engine's per-partition fetch. First every partition is read at once
/// without waiting (a few at a time, so that the memory held is bounded by the request's budget plus a few
/// partitions' maximum), and no more is read once the answer holds the request's <c>maxBytes</c>. When no
/// partition had records and the request may wait, every partition read without an error long-polls at once,
/// and the first to get records ends the others' waits: the answer comes as soon as any partition has
/// records, or when the wait ends. Last, in the request's order, a partition that would take the answer past
/// its total bytes or records answers no records (its next offset is the one asked for), except the first with
/// records, which always comes whole (Kafka's <c>fetch.max.bytes</c> rule).
/// </summary>
internal static class MultiPartitionFetch
{
    /// <summary>Partitions read from storage at once by one request.</summary>
    private const int ReadsInFlight = 16;

    public static async Task RunAsync(CloudLogEngine engine, IReadOnlyList<PartitionFetch> partitions, bool binary, long maxBytes, int maxRecords, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        try
        {
            await ReadAllAsync(engine, partitions, binary, maxBytes, cancellationToken).ConfigureAwait(false);
            if (maxWait > TimeSpan.Zero && !partitions.Any(p => p.HasRecords))
            {
                await LongPollAsync(engine, partitions, binary, maxWait, cancellationToken).ConfigureAwait(false);
            }

            Trim(partitions, maxBytes, maxRecords);
        }
        catch
        {
            foreach (var partition in partitions)
            {
                partition.Release();
            }

            throw;
        }
    }

    private static async Task ReadAllAsync(CloudLogEngine engine, IReadOnlyList<PartitionFetch> partitions, bool binary, long maxBytes, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(ReadsInFlight);
        long held = 0;
        await Task.WhenAll(partitions.Select(async partition =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Interlocked.Read(ref held) < maxBytes)
                {
                    await partition.ReadAsync(engine, binary, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref held, partition.Bytes);
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }

    private static async Task LongPollAsync(CloudLogEngine engine, IReadOnlyList<PartitionFetch> partitions, bool binary, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        using var firstRecords = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAll(partitions.Where(p => p.WasRead && p.Error is null).Select(async partition =>
        {
            var poll = new PartitionFetch(partition.Topic, partition.Partition, partition.Offset, partition.MaxBytes, partition.MaxRecords);
            try
            {
                await poll.ReadAsync(engine, binary, maxWait, firstRecords.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return; // another partition got records first: this one answers what it read before
            }

            if (poll.HasRecords)
            {
                partition.TakeFrom(poll);
                await firstRecords.CancelAsync().ConfigureAwait(false);
            }
            else if (poll.Error is null)
            {
                partition.TakeFrom(poll); // the newer offsets; a failed poll leaves the first read's answer
            }
        })).ConfigureAwait(false);
    }

    private static void Trim(IReadOnlyList<PartitionFetch> partitions, long maxBytes, int maxRecords)
    {
        long bytes = 0;
        long records = 0;
        var any = false;
        foreach (var partition in partitions.Where(p => p.HasRecords))
        {
            if (any && (bytes + partition.Bytes > maxBytes || records + partition.RecordCount > maxRecords))
            {
                partition.Drop();
                continue;
            }

            any = true;
            bytes += partition.Bytes;
            records += partition.RecordCount;
        }
    }
}
