using Cloud.Log.Core.Log;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>Where a read for an offset starts in a segment, and how far before the offset's batch it may be.</summary>
public class OffsetIndexTests
{
    /// <summary>A segment from offset 100 with entries at offsets 200 (byte 4,000) and 300 (byte 9,000).</summary>
    private static readonly OffsetIndex Index = OffsetIndex.Parse(
        100,
        [.. OffsetIndex.Encode(new OffsetIndexEntry(200, 4_000, 10)), .. OffsetIndex.Encode(new OffsetIndexEntry(300, 9_000, 20))],
        committedBytes: null);

    [Theory]
    [InlineData(100, 100, 0L, 0L)] // the segment's first batch
    [InlineData(150, 100, 0L, 4_000L)] // before the first entry: at most the bytes up to it
    [InlineData(200, 200, 4_000L, 0L)] // an entry's own batch
    [InlineData(250, 200, 4_000L, 5_000L)] // between two entries
    [InlineData(300, 300, 9_000L, 0L)]
    public void An_offset_is_found_at_the_entry_before_it_within_the_bytes_to_the_next(long offset, long entryOffset, long position, long bytesBefore)
    {
        var (entry, before) = Index.Locate(offset);
        Assert.Equal((entryOffset, position), (entry.Offset, entry.Position));
        Assert.Equal(bytesBefore, before);
    }

    [Fact]
    public void Past_the_last_entry_the_bytes_before_an_offset_are_not_known()
    {
        var (entry, before) = Index.Locate(350);
        Assert.Equal(9_000, entry.Position);
        Assert.Null(before);
    }

    [Fact]
    public void In_a_segment_without_entries_only_its_first_offset_is_placed_exactly()
    {
        var empty = OffsetIndex.Parse(100, [], committedBytes: null);
        Assert.Equal(0L, empty.Locate(100).BytesBefore);
        Assert.Null(empty.Locate(101).BytesBefore);
        Assert.Equal(0, empty.Locate(101).Entry.Position);
    }
}
