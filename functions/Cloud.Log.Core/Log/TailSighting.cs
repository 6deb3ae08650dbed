using Cloud.Log.Core.Storage;

namespace Cloud.Log.Core.Log;

/// <summary>
/// What one fetch's own range reads of an open segment told of the copy they read: the blob's length and whether
/// it was sealed, as of a response that started after the fetch began (a range read ahead for an earlier fetch
/// tells nothing here). When the copy is the leader's copy of the active segment, that is what a look at the tail
/// would have found, so the fetch may answer its high watermark without one (<see cref="PartitionReader"/>).
/// Thread-safe.
/// </summary>
internal sealed class TailSighting
{
    private readonly Lock _gate = new();
    private readonly List<Sight> _sights = [];

    /// <summary>What was seen, latest first.</summary>
    public IReadOnlyList<Sight> Latest
    {
        get
        {
            lock (_gate)
            {
                return [.. Enumerable.Reverse(_sights)];
            }
        }
    }

    /// <summary>
    /// A read of <paramref name="segment"/>'s copy at <paramref name="location"/>, whose whole batches end at <paramref name="end"/> with next offset <paramref name="endNextOffset"/> (null when
    /// it held none), and the blob's state <paramref name="state"/> (null until its headers are in, or when it failed).
    /// </summary>
    public void Saw(SegmentInfo segment, int location, long end, long? endNextOffset, Task<BlobState?> state)
    {
        if (segment.IsClosed)
        {
            return; // a closed segment is not the tail
        }

        lock (_gate)
        {
            _sights.Add(new Sight(segment, location, end, endNextOffset, state));
        }
    }

    /// <summary>One read's view of a copy.</summary>
    /// <param name="Segment">The segment read.</param>
    /// <param name="Location">The location of the copy read.</param>
    /// <param name="End">The byte where the whole batches read end.</param>
    /// <param name="EndNextOffset">The offset after the last batch read, or null when none was read.</param>
    /// <param name="State">The blob's length and seal when the response came (null: it failed).</param>
    internal sealed record Sight(SegmentInfo Segment, int Location, long End, long? EndNextOffset, Task<BlobState?> State);
}
