namespace Cloud.Log.Benchmarks.Tests;

/// <summary>What the benchmark program does with its arguments before it starts anything.</summary>
public sealed class ArgumentsTests
{
    /// <summary>--help prints what the program takes and runs nothing (a newcomer's first try must not start a 25-minute run).</summary>
    [Fact(Timeout = 10_000)]
    public async Task Help_prints_the_usage_and_runs_nothing()
    {
        using var console = new StringWriter();
        Assert.Equal(0, await BenchmarkProgram.RunAsync(["--help"], console));
        Assert.Equal(BenchmarkProgram.Usage.Trim(), console.ToString().Trim());
    }

    /// <summary>An argument the program does not know is refused, with the usage, before anything runs.</summary>
    [Theory(Timeout = 10_000)]
    [InlineData("--quik")]
    [InlineData("fetch")]
    public async Task An_unknown_argument_is_refused_with_the_usage(string argument)
    {
        using var console = new StringWriter();
        Assert.Equal(2, await BenchmarkProgram.RunAsync(["--rounds", "2", argument], console));
        Assert.StartsWith($"Unknown argument '{argument}'.", console.ToString(), StringComparison.Ordinal);
        Assert.Contains(BenchmarkProgram.Usage.Trim(), console.ToString(), StringComparison.Ordinal);
    }
}
