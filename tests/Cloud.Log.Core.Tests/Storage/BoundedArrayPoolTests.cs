using Cloud.Log.Core.Storage;

namespace Cloud.Log.Core.Tests.Storage;

/// <summary>The large-array pool keeps at most its budget of idle arrays, all sizes together, and reuses what it keeps.</summary>
public class BoundedArrayPoolTests
{
    private const int Mib = 1024 * 1024;

    [Theory]
    [InlineData(0, BoundedArrayPool.MinArrayLength)]
    [InlineData(1, BoundedArrayPool.MinArrayLength)]
    [InlineData(BoundedArrayPool.MinArrayLength + 1, 2 * BoundedArrayPool.MinArrayLength)]
    [InlineData(Mib, Mib)]
    [InlineData(Mib + 1, 2 * Mib)]
    [InlineData(8 * Mib, 8 * Mib)]
    public void A_rent_gets_the_power_of_two_at_or_above_its_length(int wanted, int length)
    {
        var pool = new BoundedArrayPool(maxArrayLength: 8 * Mib, maxIdleBytes: 16 * Mib);
        Assert.Equal(length, pool.Rent(wanted).Length);
    }

    [Fact]
    public void A_rent_reuses_the_idle_array_of_its_size()
    {
        var pool = new BoundedArrayPool(maxArrayLength: 8 * Mib, maxIdleBytes: 16 * Mib);
        var first = pool.Rent(Mib + 100);
        pool.Return(first);
        Assert.Equal(2 * Mib, pool.IdleBytes);

        Assert.NotSame(first, pool.Rent(Mib)); // another size: a new array
        Assert.Same(first, pool.Rent(2 * Mib - 1));
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void Arrays_given_back_past_the_budget_are_not_kept_when_only_their_size_is_idle()
    {
        var pool = new BoundedArrayPool(maxArrayLength: 8 * Mib, maxIdleBytes: 10 * Mib);
        var arrays = new[] { pool.Rent(4 * Mib), pool.Rent(4 * Mib), pool.Rent(4 * Mib) };
        foreach (var array in arrays)
        {
            pool.Return(array);
        }

        // 4 + 4 fit, the third 4 does not, and only 4 MiB arrays are idle to give way.
        Assert.Equal(8 * Mib, pool.IdleBytes);
        var kept = new[] { pool.Rent(4 * Mib), pool.Rent(4 * Mib) };
        Assert.Contains(kept, k => ReferenceEquals(k, arrays[0])); // by reference: the arrays are alike byte for byte
        Assert.Contains(kept, k => ReferenceEquals(k, arrays[1]));
        Assert.DoesNotContain(kept, k => ReferenceEquals(k, arrays[2]));
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void An_array_of_a_size_in_use_takes_the_place_of_an_idle_larger_one_past_the_budget()
    {
        var pool = new BoundedArrayPool(maxArrayLength: 8 * Mib, maxIdleBytes: 10 * Mib);
        var large = new[] { pool.Rent(4 * Mib), pool.Rent(4 * Mib) };
        var small = new[] { pool.Rent(2 * Mib), pool.Rent(2 * Mib), pool.Rent(2 * Mib) };
        pool.Return(large[0]);
        pool.Return(large[1]);
        foreach (var array in small)
        {
            pool.Return(array);
        }

        // 4 + 4 + 2 fill the budget; the next 2 MiB array takes a 4 MiB one's place, and the last fits: 4 + 2 + 2 + 2.
        Assert.Equal(10 * Mib, pool.IdleBytes);
        var rented = new[] { pool.Rent(2 * Mib), pool.Rent(2 * Mib), pool.Rent(2 * Mib) };
        Assert.All(small, s => Assert.Contains(rented, r => ReferenceEquals(r, s)));
        var left = pool.Rent(4 * Mib);
        Assert.Contains(large, l => ReferenceEquals(l, left));
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void Longer_rents_and_foreign_arrays_are_never_kept()
    {
        var pool = new BoundedArrayPool(maxArrayLength: 8 * Mib, maxIdleBytes: 64 * Mib);
        var longer = pool.Rent(8 * Mib + 1);
        Assert.Equal(8 * Mib + 1, longer.Length);
        pool.Return(longer);
        pool.Return(new byte[3 * Mib]);
        pool.Return(new byte[100]);
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void Rents_and_returns_from_many_threads_keep_the_count_of_idle_bytes_exact()
    {
        var pool = new BoundedArrayPool(maxArrayLength: 8 * Mib, maxIdleBytes: 8 * Mib);
        Parallel.For(0, 2_000, i =>
        {
            var array = pool.Rent((i % 4 + 1) * 64 * 1024);
            pool.Return(array);
        });

        var idle = pool.IdleBytes;
        Assert.InRange(idle, 1, 8 * Mib);
        var taken = 0L;
        foreach (var length in new[] { 64 * 1024, 128 * 1024, 256 * 1024 })
        {
            while (pool.IdleBytes > 0)
            {
                var before = pool.IdleBytes;
                var array = pool.Rent(length);
                if (pool.IdleBytes == before)
                {
                    break; // a new array: none of this size is idle
                }

                taken += array.Length;
            }
        }

        Assert.Equal(idle, taken);
        Assert.Equal(0, pool.IdleBytes);
    }
}
