using System.Buffers.Binary;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Wire;

namespace Cloud.Log.Protocol.Tests.Wire;

public class BatchFramesTests
{
    private static byte[] Batch(int records) =>
        RecordBatch.Encode(Enumerable.Range(0, records).Select(i => new ProducerRecord(null, new byte[] { (byte)i }, 1000)).ToList(), TimestampType.CreateTime, 1000);

    /// <summary>Frames written back to back split into the same partitions and batch bytes.</summary>
    [Fact]
    public void Frames_read_back_as_their_partitions_and_batches()
    {
        var first = Batch(1);
        var second = Batch(3);
        var body = BatchFrames.Frame(2, first).Concat(BatchFrames.Frame(70_000, second)).ToArray();

        var frames = BatchFrames.Read(body);

        Assert.Equal([2, 70_000], frames.Select(f => f.Partition));
        Assert.Equal(first, frames[0].Batch.ToArray());
        Assert.Equal(second, frames[1].Batch.ToArray());
    }

    /// <summary>An empty body, a frame cut short, a length past the body or a wrong magic byte are format errors.</summary>
    [Fact]
    public void Malformed_bodies_are_refused()
    {
        var frame = BatchFrames.Frame(0, Batch(2));
        Assert.Throws<RecordBatchFormatException>(() => BatchFrames.Read(Array.Empty<byte>()));
        Assert.Throws<RecordBatchFormatException>(() => BatchFrames.Read(frame.AsMemory(0, 20)));
        Assert.Throws<RecordBatchFormatException>(() => BatchFrames.Read(frame.AsMemory(0, frame.Length - 1)));

        var huge = (byte[])frame.Clone();
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(BatchFrames.PartitionSize + 8), int.MaxValue);
        Assert.Throws<RecordBatchFormatException>(() => BatchFrames.Read(huge));

        var badMagic = (byte[])frame.Clone();
        badMagic[BatchFrames.PartitionSize + 16] = 1;
        Assert.Throws<RecordBatchFormatException>(() => BatchFrames.Read(badMagic));
    }
}
