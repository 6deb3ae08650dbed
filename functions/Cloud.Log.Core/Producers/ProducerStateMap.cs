using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Producers;

/// <summary>
/// The idempotent producers of one partition, as its leader knows them: Kafka's producer state. It
/// decides whether a batch continues its producer's sequence (append), repeats a stored batch
/// (duplicate) or cannot be stored (refuse), and tracks which entries changed since they were last
/// persisted. Pure logic: the writer loop owns it, one thread at a time.
/// </summary>
internal sealed class ProducerStateMap
{
    private readonly Dictionary<long, ProducerStateEntry> _entries = [];
    private readonly HashSet<long> _dirty = [];

    public int Count => _entries.Count;

    public bool Contains(long producerId) => _entries.ContainsKey(producerId);

    public ProducerStateEntry? Get(long producerId) => _entries.GetValueOrDefault(producerId);

    /// <summary>
    /// Kafka's rules: an unknown producer may start anywhere (its state may have expired); a lower epoch
    /// is fenced; a higher epoch starts again at sequence 0; under the same epoch a batch that repeats a
    /// remembered one is a duplicate, one that continues the last is appended, anything else is out of order.
    /// </summary>
    public ProducerCheck Check(ProducerBatchIdentity batch, int recordCount)
    {
        if (!_entries.TryGetValue(batch.ProducerId, out var entry))
        {
            return ProducerCheck.Append;
        }

        if (batch.ProducerEpoch < entry.Epoch)
        {
            return ProducerCheck.Refuse(ErrorCode.InvalidProducerEpoch, $"Producer {batch.ProducerId} epoch {batch.ProducerEpoch} is older than epoch {entry.Epoch}, which fenced it.");
        }

        if (batch.ProducerEpoch > entry.Epoch)
        {
            return batch.BaseSequence == 0
                ? ProducerCheck.Append
                : ProducerCheck.Refuse(ErrorCode.OutOfOrderSequenceNumber, $"Producer {batch.ProducerId} starts epoch {batch.ProducerEpoch} at sequence {batch.BaseSequence}, not 0.");
        }

        var lastSequence = batch.LastSequence(recordCount);
        foreach (var stored in entry.Batches)
        {
            if (stored.BaseSequence == batch.BaseSequence && stored.LastSequence == lastSequence)
            {
                return new ProducerCheck(ProducerCheckOutcome.Duplicate, stored);
            }
        }

        var newest = entry.Batches.Count > 0 ? entry.Batches[^1].LastSequence : -1;
        if (newest < 0 || batch.BaseSequence == ProducerBatchIdentity.IncrementSequence(newest, 1))
        {
            return ProducerCheck.Append;
        }

        var oldest = entry.Batches[0].BaseSequence;
        if (IsBefore(batch.BaseSequence, oldest, newest))
        {
            return ProducerCheck.Refuse(ErrorCode.DuplicateSequenceNumber, $"Producer {batch.ProducerId} sequence {batch.BaseSequence} was stored long ago; its offsets are no longer known.");
        }

        return ProducerCheck.Refuse(ErrorCode.OutOfOrderSequenceNumber, $"Producer {batch.ProducerId} sent sequence {batch.BaseSequence}; the partition expected {ProducerBatchIdentity.IncrementSequence(newest, 1)}.");
    }

    /// <summary>Records a stored batch of an idempotent producer (appended now, or found in the log).</summary>
    public void Apply(RecordBatchHeader header, long appendTime)
    {
        var producer = header.Producer ?? throw new ArgumentException("The batch has no producer.", nameof(header));
        var batch = new ProducerBatchMetadata(producer.BaseSequence, producer.LastSequence(header.RecordCount), header.BaseOffset, header.MaxTimestamp);
        var entry = _entries.TryGetValue(producer.ProducerId, out var known) && known.LastOffset >= header.BaseOffset
            ? known // already applied: recovery scans may overlap what persisted rows hold
            : (known ?? new ProducerStateEntry(producer.ProducerId, producer.ProducerEpoch, [], appendTime)).With(producer.ProducerEpoch, batch, appendTime);
        _entries[producer.ProducerId] = entry;
        _dirty.Add(producer.ProducerId);
    }

    /// <summary>Adds an entry read from storage, unless a newer view of that producer is already here.</summary>
    public void Merge(ProducerStateEntry entry)
    {
        if (!_entries.TryGetValue(entry.ProducerId, out var known) || known.LastOffset < entry.LastOffset)
        {
            _entries[entry.ProducerId] = entry;
        }
    }

    /// <summary>Puts one producer's entry back as it was (null: unknown), undoing batches that were not stored after all.</summary>
    public void Restore(long producerId, ProducerStateEntry? entry)
    {
        if (entry is null)
        {
            _entries.Remove(producerId);
            _dirty.Remove(producerId);
        }
        else
        {
            _entries[producerId] = entry;
        }
    }

    /// <summary>The entries changed since the last call, to be persisted; clears the change set.</summary>
    public IReadOnlyList<ProducerStateEntry> TakeDirty()
    {
        var changed = _dirty.Select(id => _entries[id]).ToList();
        _dirty.Clear();
        return changed;
    }

    /// <summary>Forgets producers whose newest batch is older than their expiry (persisted rows expire likewise).</summary>
    public void Expire(Func<ProducerStateEntry, bool> expired)
    {
        foreach (var (id, entry) in _entries.Where(e => !_dirty.Contains(e.Key) && expired(e.Value)).ToList())
        {
            _entries.Remove(id);
        }
    }

    /// <summary>Whether <paramref name="sequence"/> lies before the remembered window that runs from <paramref name="oldest"/> to <paramref name="newest"/>.</summary>
    private static bool IsBefore(int sequence, int oldest, int newest)
    {
        // Distances along the wrapping sequence space, measured back from the newest.
        const long Space = (long)int.MaxValue + 1;
        var behind = ((long)newest - sequence + Space) % Space;
        var window = ((long)newest - oldest + Space) % Space;
        return behind > window && behind < Space / 2;
    }
}
