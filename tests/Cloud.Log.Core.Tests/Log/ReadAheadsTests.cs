using Cloud.Log.Core.Log;
using Cloud.Log.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>Reads started ahead of sequential readers stay within the engine's budget and are served once, while fresh.</summary>
public class ReadAheadsTests
{
    private static Func<CancellationToken, Task<BlobRead>> Answer(int bytes) =>
        _ => Task.FromResult(new BlobRead(new byte[bytes], bytes, false, 1));

    /// <summary>A read is claimed once, by the place it was started for, and then no longer counts against the budget.</summary>
    [Fact]
    public async Task A_read_is_served_once_to_its_own_place()
    {
        var reads = new ReadAheads(1000, new FakeTimeProvider());
        reads.Start(0, "a.log", 100, 300, Answer(300));

        Assert.Null(reads.Take(0, "b.log", 100)); // another segment at the same position
        Assert.Null(reads.Take(1, "a.log", 100)); // another copy of the segment
        Assert.Null(reads.Take(0, "a.log", 101));
        Assert.Equal(300, reads.Bytes);

        var read = await reads.Take(0, "a.log", 100)!;
        Assert.Equal(300, read!.Value.Data.Length);
        Assert.Null(reads.Take(0, "a.log", 100));
        Assert.Equal(0, reads.Bytes);
    }

    /// <summary>Past the budget the oldest read goes first; a read larger than the whole budget is never started.</summary>
    [Fact]
    public void The_oldest_reads_make_room_and_the_budget_holds()
    {
        var time = new FakeTimeProvider();
        var reads = new ReadAheads(1000, time);
        for (var i = 0; i < 5; i++)
        {
            reads.Start(0, "a.log", i * 400, 400, Answer(400));
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(reads.Bytes <= 1000, $"{reads.Bytes} bytes held");
        }

        Assert.Null(reads.Take(0, "a.log", 800)); // the third went to make room for the fifth
        Assert.NotNull(reads.Take(0, "a.log", 1200));
        Assert.NotNull(reads.Take(0, "a.log", 1600));

        reads.Start(0, "a.log", 5000, 1001, Answer(1001));
        Assert.Null(reads.Take(0, "a.log", 5000));
        Assert.Equal(5, reads.Started); // the oversized one was not
    }

    /// <summary>A read nobody claimed within its lifetime is not served (the consumer went away or polls too slowly).</summary>
    [Fact]
    public void A_stale_read_is_not_served()
    {
        var time = new FakeTimeProvider();
        var reads = new ReadAheads(1000, time);
        reads.Start(0, "a.log", 0, 100, Answer(100));
        time.Advance(ReadAheads.Lifetime + TimeSpan.FromSeconds(1));

        Assert.Null(reads.Take(0, "a.log", 0));
        Assert.Equal(0, reads.Bytes);
    }

    /// <summary>A read that fails is a miss, not an error: the fetch reads for itself.</summary>
    [Fact]
    public async Task A_failed_read_is_a_miss()
    {
        var reads = new ReadAheads(1000, new FakeTimeProvider());
        reads.Start(0, "a.log", 0, 100, _ => throw new InvalidOperationException("the storage went away"));
        reads.Start(0, "a.log", 100, 100, _ => Task.FromException<BlobRead>(new TimeoutException()));

        Assert.Null(await reads.Take(0, "a.log", 0)!);
        Assert.Null(await reads.Take(0, "a.log", 100)!);
    }

    /// <summary>With no budget (read-ahead turned off), nothing is started.</summary>
    [Fact]
    public void No_budget_starts_nothing()
    {
        var reads = new ReadAheads(0, new FakeTimeProvider());
        reads.Start(0, "a.log", 0, 100, Answer(100));

        Assert.Equal(0, reads.Started);
        Assert.Null(reads.Take(0, "a.log", 0));
    }
}
