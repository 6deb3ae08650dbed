namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How a load counts: the warm-up and the counted window each have their own limit.</summary>
public sealed class LoadTests
{
    /// <summary>
    /// Every worker's first operation takes longer than the warm-up may last (50 windows): the warm-up ends at its
    /// limit, and the window still waits for as many operations as workers to start in it, so it counts them.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task A_warm_up_that_used_up_its_limit_leaves_the_window_its_own_to_count_operations_in()
    {
        const int Workers = 4;
        var duration = TimeSpan.FromMilliseconds(10);
        var first = new bool[Workers];
        var result = await Load.RunAsync(duration, Workers, async worker =>
        {
            if (!first[worker])
            {
                first[worker] = true;
                await Task.Delay(duration * 80); // past the warm-up's limit of 50 windows
            }

            await Task.Yield();
            return new Load.Done(1, 100);
        });

        Assert.True(result.Operations >= Workers, $"counted {result.Operations} operations");
        Assert.Equal(result.Operations, result.Records);
    }
}
