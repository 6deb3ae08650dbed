namespace Cloud.Log.Benchmarks;

/// <summary>What a load run did: operations (requests), records and bytes, over how long; latencies when recorded.</summary>
internal sealed record LoadResult(long Operations, long Records, long Bytes, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs)
{
    /// <summary>How busy the machine's cores were while counting (every process), in percent.</summary>
    public double MachineCpuPercent { get; init; } = double.NaN;

    /// <summary>Of all cores' time while counting, the percent the host took from this machine (steal; in <see cref="MachineCpuPercent"/> too).</summary>
    public double MachineStolenPercent { get; init; } = double.NaN;

    /// <summary>Figures "{process} CPU % of a core" for the processes the run was asked to watch.</summary>
    public IReadOnlyDictionary<string, double> ProcessCpuPercent { get; init; } = new Dictionary<string, double>();

    /// <summary>Records of every operation that succeeded, the warm-up's and those that ran past the window included: what a count of requests over the whole run is divided by.</summary>
    public long AllRecords { get; init; }

    /// <summary>Operations started in the window that threw (they moved nothing).</summary>
    public long Failures { get; init; }

    /// <summary>The first failure's type and message, if any operation failed (warm-up included).</summary>
    public string? FirstFailure { get; init; }

    /// <summary>The machine's and the watched processes' CPU, and the failed operations, as a measurement's figures.</summary>
    public Dictionary<string, double> CpuFigures() =>
        new(ProcessCpuPercent
            .Prepend(new KeyValuePair<string, double>(MachineCpu.StolenFigure, MachineStolenPercent))
            .Prepend(new KeyValuePair<string, double>("machine CPU busy %", MachineCpuPercent))
            .Append(new KeyValuePair<string, double>("failed operations", Failures)));

    public double OperationsPerSecond => Operations / Elapsed.TotalSeconds;

    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;

    public double MegabytesPerSecond => Bytes / Elapsed.TotalSeconds / (1024 * 1024);

    public double Percentile(double p) => RoundStatistics.Percentile(LatenciesMs, p);

    /// <summary>p50, p99 and p99.9 of the latencies, and how many samples they come from, as figures.</summary>
    public Dictionary<string, double> LatencyFigures(string prefix = "") => new()
    {
        [prefix + "p50 ms"] = Percentile(50),
        [prefix + "p99 ms"] = Percentile(99),
        [prefix + "p99.9 ms"] = Percentile(99.9),
        [prefix + "latency samples"] = LatenciesMs.Count,
    };
}
