namespace Cloud.Log.Benchmarks;

/// <summary>
/// One measured case: what it moved per second (the median of its rounds), and — where it is compared with
/// something — the limit it is measured against and the ratio of the two medians, with the lowest and highest
/// ratio of a single round. Extra figures (latencies, memory, transactions) go in <see cref="Figures"/>.
/// </summary>
internal sealed record Measurement(string Section, string Case)
{
    public double RecordsPerSecond { get; init; }

    public double MegabytesPerSecond { get; init; }

    public double RequestsPerSecond { get; init; }

    /// <summary>The case this one is a ratio of, by section and case name.</summary>
    public string? Against { get; init; }

    /// <summary>This case's median MB/s (or records/s, see <see cref="RatioOf"/>) over <see cref="Against"/>'s.</summary>
    public double? Ratio { get; init; }

    /// <summary>The lowest ratio of one round to the same round of <see cref="Against"/>.</summary>
    public double? RatioLow { get; init; }

    /// <summary>The highest ratio of one round to the same round of <see cref="Against"/>.</summary>
    public double? RatioHigh { get; init; }

    /// <summary>What the ratio compares: "MB/s" or "records/s".</summary>
    public string? RatioOf { get; init; }

    public Dictionary<string, double> Figures { get; init; } = [];

    /// <summary>The rounds this case was measured in, each with the figure its ratio compares.</summary>
    public List<Round> Rounds { get; init; } = [];

    public string? Note { get; init; }
}
