using System.Buffers.Binary;
using Azure.Core;
using Cloud.Log.Protocol.Wire;

namespace Cloud.Log.Client.Pipeline;

/// <summary>
/// A binary produce body (<see cref="BatchFrames"/>), written frame by frame from the encoded batches
/// without first copying them into one buffer. Replayable, so the pipeline may retry it.
/// </summary>
internal sealed class FramesContent(IReadOnlyList<(int Partition, ReadOnlyMemory<byte> Batch)> frames) : RequestContent
{
    public override bool TryComputeLength(out long length)
    {
        length = frames.Sum(f => (long)BatchFrames.PartitionSize + f.Batch.Length);
        return true;
    }

    public override void WriteTo(Stream stream, CancellationToken cancellation)
    {
        Span<byte> partition = stackalloc byte[BatchFrames.PartitionSize];
        foreach (var (number, batch) in frames)
        {
            BinaryPrimitives.WriteInt32BigEndian(partition, number);
            stream.Write(partition);
            stream.Write(batch.Span);
        }
    }

    public override async Task WriteToAsync(Stream stream, CancellationToken cancellation)
    {
        var partition = new byte[BatchFrames.PartitionSize];
        foreach (var (number, batch) in frames)
        {
            BinaryPrimitives.WriteInt32BigEndian(partition, number);
            await stream.WriteAsync(partition, cancellation).ConfigureAwait(false);
            await stream.WriteAsync(batch, cancellation).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        // Nothing to release: the batches belong to the producer.
    }
}
