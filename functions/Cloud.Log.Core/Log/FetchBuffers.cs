using Cloud.Log.Core.Storage;

namespace Cloud.Log.Core.Log;

/// <summary>
/// The pooled buffers one fetch's range reads landed in (<see cref="SegmentBlobs.ReadAsync"/> with pooling), held
/// until the answer's bytes were copied out and then given back at once. Giving back twice gives back once.
/// Thread-safe.
/// </summary>
internal sealed class FetchBuffers
{
    private readonly Lock _gate = new();
    private List<byte[]>? _buffers = [];

    /// <summary>Takes the buffer of a pooled read; a read that was not pooled has none.</summary>
    public void Add(byte[]? pooled)
    {
        if (pooled is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_buffers is not null)
            {
                _buffers.Add(pooled);
                return;
            }
        }

        SegmentBlobs.Return(pooled); // already given back: this one goes back at once
    }

    /// <summary>Gives every buffer back to the pool: nothing may read the bytes in them afterwards.</summary>
    public void Return()
    {
        List<byte[]>? buffers;
        lock (_gate)
        {
            (buffers, _buffers) = (_buffers, null);
        }

        foreach (var buffer in buffers ?? [])
        {
            SegmentBlobs.Return(buffer);
        }
    }
}
