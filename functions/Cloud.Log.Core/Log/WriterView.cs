using Cloud.Log.Core.Metadata;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>
/// What one instance's writer knows of a partition's active segment: the segment, the state row it was
/// read with (ISR, leader, epoch), and how far the <see cref="Sequencer"/> copy has grown as far as this
/// writer has seen, with the bytes it saw recently so that it can bring a lagging copy up without reading
/// them again. Owned by <see cref="PartitionWriter"/>, touched by its loop only.
/// </summary>
internal sealed class WriterView
{
    /// <summary>
    /// How many recently seen bytes (other writers' blocks, read off the sequencer) are kept for bringing lagging
    /// copies up: two of the largest blocks. A copy lagging further is brought up from a read of the sequencer.
    /// At each commit, what every in-sync copy holds is let go but the block in its last
    /// <see cref="SegmentCopies.EndCheckBytes"/> (what a lagging copy's end is compared with), so a quiet
    /// partition's view holds at most that one block.
    /// </summary>
    private const long RecentBytesLimit = 2L * Topics.TopicConfig.MaxBlockBytes;

    private readonly LinkedList<(long Position, ReadOnlyMemory<byte> Bytes)> _recent = new();
    private readonly List<StoredBatch> _uncommitted = [];
    private readonly long _uncommittedBytesLimit;
    private long _recentBytes;
    private long _uncommittedBytes;

    /// <param name="segment">The active segment.</param>
    /// <param name="state">The partition's state row as read with it.</param>
    /// <param name="tail">The sequencer's tail, from its last index entry on.</param>
    /// <param name="uncommittedBytesLimit">
    /// How many bytes of the newest <see cref="Uncommitted"/> batches are kept: what the partition's tail cache can
    /// hold (<see cref="CloudLogEngineOptions.TailCacheBytesPerPartition"/>); older ones could not be cached anyway.
    /// </param>
    public WriterView(SegmentInfo segment, PartitionStateEntity state, SegmentTail tail, long uncommittedBytesLimit)
    {
        _uncommittedBytesLimit = uncommittedBytesLimit;
        Segment = segment;
        State = state;
        Epoch = Math.Max(segment.Epoch, state.Epoch);
        Position = tail.Position;
        NextOffset = tail.NextOffset;
        BlockCount = tail.BlockCount;
        MaxTimestamp = tail.MaxTimestamp;
        StartOffset = tail.StartOffset;
        CommittedPosition = tail.StartPosition;
        CommittedOffset = tail.StartOffset;
        Remember(tail.StartPosition, tail.Bytes, tail.Batches);
    }

    public SegmentInfo Segment { get; }

    /// <summary>The partition's state row as this writer last read or wrote it (its ETag orders changes).</summary>
    public PartitionStateEntity State { get; set; }

    /// <summary>The leader epoch stamped into every batch of this segment.</summary>
    public int Epoch { get; }

    /// <summary>The copy every block is appended to first: its append-position condition orders the writers.</summary>
    public int Sequencer => SequencerOf(State);

    /// <summary>The copy written last, whose length is the high watermark.</summary>
    public int Leader => State.Leader;

    /// <summary>The in-sync copies other than the sequencer and the leader: written between the two.</summary>
    public IReadOnlyList<int> Followers => State.IsrList.Where(l => l != Sequencer && l != Leader).ToList();

    /// <summary>The sequencer's length as this writer has seen it: the next append's position condition.</summary>
    public long Position { get; private set; }

    /// <summary>The offset the next batch gets.</summary>
    public long NextOffset { get; private set; }

    public int BlockCount { get; set; }

    public long MaxTimestamp { get; private set; }

    /// <summary>Where this view's knowledge of the segment starts (an index entry's offset).</summary>
    public long StartOffset { get; }

    /// <summary>Bytes this writer knows every in-sync copy holds (the leader included).</summary>
    public long CommittedPosition { get; private set; }

    /// <summary>The offset after what this writer knows every in-sync copy holds.</summary>
    public long CommittedOffset { get; private set; }

    /// <summary>Batches of idempotent producers seen since <see cref="StartOffset"/>, for a producer state built later.</summary>
    public List<RecordBatchHeader> ProducerBatches { get; } = [];

    /// <summary>
    /// Each copy's offset index tail (its length and last entry's position) as this writer last wrote or saw it,
    /// so that its next entry is appended at once; updated by the index appends, which run beside the loop.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<int, (long Length, long LastPosition)> IndexTails { get; } = new();

    /// <summary>
    /// Batches seen on the sequencer past what is committed, for the tail cache once they are: the newest of them,
    /// up to the limit the view was made with. Each holds the array it was read into, so a writer that loses race
    /// after race (and reads each block it lost to) would otherwise keep every one of those arrays until it wins.
    /// </summary>
    public IReadOnlyList<StoredBatch> Uncommitted => _uncommitted;

    /// <summary>
    /// The sequencer copy's first copy, with the leader alone: the first in-sync copy in the partition's replica
    /// order that is not the leader. It changes only with a roll (the sequencer and the leader never leave the
    /// ISR in place), so every writer of one segment agrees on it.
    /// </summary>
    public static int SequencerOf(PartitionStateEntity state)
    {
        var isr = state.IsrList;
        foreach (var replica in state.ReplicaList)
        {
            if (replica != state.Leader && isr.Contains(replica))
            {
                return replica;
            }
        }

        return state.Leader;
    }

    /// <summary>
    /// Takes bytes the sequencer holds from <see cref="Position"/> on (this writer's block, or what others appended).
    /// Without <paramref name="keepBytes"/> the bytes are not kept for bringing copies up (this writer's own block:
    /// it wrote the block to every in-sync copy itself, and its array goes back to a pool), and its batches are kept
    /// only until <see cref="MarkCommitted"/>.
    /// </summary>
    public void Advance(ReadOnlyMemory<byte> bytes, IReadOnlyList<StoredBatch> batches, int? blockCount, bool keepBytes = true)
    {
        Remember(Position, keepBytes ? bytes : ReadOnlyMemory<byte>.Empty, batches);
        Position += bytes.Length;
        if (batches.Count > 0)
        {
            NextOffset = batches[^1].NextOffset;
            MaxTimestamp = Math.Max(MaxTimestamp, batches.Max(b => b.Header.MaxTimestamp));
        }

        if (blockCount is { } count)
        {
            BlockCount = Math.Max(BlockCount, count);
        }
    }

    /// <summary>Every in-sync copy now holds what the sequencer held up to <see cref="Position"/>; answers the batches that became committed.</summary>
    public List<StoredBatch> MarkCommitted()
    {
        CommittedPosition = Position;
        CommittedOffset = NextOffset;
        Forget(CommittedPosition - SegmentCopies.EndCheckBytes);
        var committed = new List<StoredBatch>(_uncommitted);
        _uncommitted.Clear();
        _uncommittedBytes = 0;
        return committed;
    }

    /// <summary>The sequencer's bytes from <paramref name="from"/> to <paramref name="to"/>, when this writer still has them all.</summary>
    public ReadOnlyMemory<byte>? BytesBetween(long from, long to)
    {
        if (from == to)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var parts = new List<ReadOnlyMemory<byte>>();
        var at = from;
        foreach (var (position, bytes) in _recent)
        {
            var end = position + bytes.Length;
            if (end <= at || position > at)
            {
                if (position > at)
                {
                    return null; // a hole: those bytes are no longer kept
                }

                continue;
            }

            var take = bytes[(int)(at - position)..(int)(Math.Min(end, to) - position)];
            parts.Add(take);
            at += take.Length;
            if (at == to)
            {
                break;
            }
        }

        if (at != to)
        {
            return null;
        }

        if (parts.Count == 1)
        {
            return parts[0];
        }

        var joined = new byte[to - from];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(joined.AsMemory(offset));
            offset += part.Length;
        }

        return joined;
    }

    private void Remember(long position, ReadOnlyMemory<byte> bytes, IReadOnlyList<StoredBatch> batches)
    {
        foreach (var batch in batches)
        {
            if (batch.Header.Producer is not null)
            {
                ProducerBatches.Add(batch.Header);
            }
        }

        foreach (var batch in batches)
        {
            if (batch.NextOffset > CommittedOffset)
            {
                _uncommitted.Add(batch);
                _uncommittedBytes += batch.Bytes.Length;
            }
        }

        var dropped = 0;
        while (_uncommittedBytes > _uncommittedBytesLimit && dropped < _uncommitted.Count)
        {
            _uncommittedBytes -= _uncommitted[dropped++].Bytes.Length; // the tail cache starts its run again after the gap
        }

        _uncommitted.RemoveRange(0, dropped);
        if (bytes.IsEmpty)
        {
            return;
        }

        _recent.AddLast((position, bytes));
        _recentBytes += bytes.Length;
        while (_recentBytes > RecentBytesLimit && _recent.Count > 1)
        {
            _recentBytes -= _recent.First!.Value.Bytes.Length;
            _recent.RemoveFirst();
        }
    }

    /// <summary>Lets go of the kept bytes that end at or before <paramref name="position"/>: no lagging copy needs them.</summary>
    private void Forget(long position)
    {
        while (_recent.First is { Value: var (start, bytes) } && start + bytes.Length <= position)
        {
            _recentBytes -= bytes.Length;
            _recent.RemoveFirst();
        }
    }
}
