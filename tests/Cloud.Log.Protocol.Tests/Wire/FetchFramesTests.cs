using System.Buffers.Binary;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Wire;

namespace Cloud.Log.Protocol.Tests.Wire;

public class FetchFramesTests
{
    private static byte[] Batch(int records) =>
        RecordBatch.Encode(Enumerable.Range(0, records).Select(i => new ProducerRecord(null, new byte[] { (byte)i }, 1000)).ToList(), TimestampType.CreateTime, 1000);

    /// <summary>Frames written back to back read back as the same partitions, statuses, offsets and batch bytes, in order.</summary>
    [Fact]
    public void Frames_read_back_as_written()
    {
        var batches = Batch(1).Concat(Batch(3)).ToArray();
        var body = FetchFrames.Write(new FetchFrame("orders", 2, 200, null, null, 4, 9, 0, batches))
            .Concat(FetchFrames.Write(new FetchFrame("payments.eu", 70_000, 416, "OFFSET_OUT_OF_RANGE", "Offset 12 is past the high watermark é", 12, 9, 3, ReadOnlyMemory<byte>.Empty)))
            .ToArray();

        var frames = FetchFrames.Read(body);

        Assert.Equal(2, frames.Count);
        Assert.Equal(("orders", 2, 200, (string?)null, 4L, 9L, 0L), (frames[0].Topic, frames[0].Partition, frames[0].Status, frames[0].Code, frames[0].NextOffset, frames[0].HighWatermark, frames[0].LogStartOffset));
        Assert.Equal(batches, frames[0].Batches.ToArray());
        Assert.Equal(("payments.eu", 70_000, 416, "OFFSET_OUT_OF_RANGE", 12L, 9L, 3L), (frames[1].Topic, frames[1].Partition, frames[1].Status, frames[1].Code, frames[1].NextOffset, frames[1].HighWatermark, frames[1].LogStartOffset));
        Assert.Equal("Offset 12 is past the high watermark é", frames[1].Detail);
        Assert.True(frames[1].Batches.IsEmpty);
        Assert.Empty(FetchFrames.Read(ReadOnlyMemory<byte>.Empty));
    }

    /// <summary>A header's size is what is written before its batches.</summary>
    [Fact]
    public void Header_size_is_the_bytes_before_the_batches()
    {
        var frame = new FetchFrame("t", 0, 503, "STORAGE_UNAVAILABLE", "down", 0, -1, -1, new byte[7]);
        Assert.Equal(FetchFrames.HeaderSize("t", "STORAGE_UNAVAILABLE", "down") + 7, FetchFrames.Write(frame).Length);
    }

    /// <summary>A frame cut anywhere short, or claiming more batch bytes than are left, or a negative length, is a format error.</summary>
    [Fact]
    public void Malformed_answers_are_refused()
    {
        var frame = FetchFrames.Write(new FetchFrame("orders", 1, 200, null, null, 2, 2, 0, Batch(2)));
        for (var cut = 1; cut < frame.Length; cut += 7)
        {
            Assert.Throws<RecordBatchFormatException>(() => FetchFrames.Read(frame.AsMemory(0, cut)));
        }

        var negative = (byte[])frame.Clone();
        BinaryPrimitives.WriteInt16BigEndian(negative, -3);
        Assert.Throws<RecordBatchFormatException>(() => FetchFrames.Read(negative));

        var noTopic = (byte[])frame.Clone();
        BinaryPrimitives.WriteInt16BigEndian(noTopic, 0);
        Assert.Throws<RecordBatchFormatException>(() => FetchFrames.Read(noTopic));
    }
}
