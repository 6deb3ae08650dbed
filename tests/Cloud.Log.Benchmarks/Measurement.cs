namespace Cloud.Log.Benchmarks;

/// <summary>
/// One measured case: what it moved per second, and — where it is compared with something — the limit it is
/// measured against and the ratio. Extra figures (latencies, memory, transactions) go in <see cref="Figures"/>.
/// </summary>
internal sealed record Measurement(string Section, string Case)
{
    public double RecordsPerSecond { get; init; }

    public double MegabytesPerSecond { get; init; }

    public double RequestsPerSecond { get; init; }

    /// <summary>The case this one is a ratio of, by section and case name.</summary>
    public string? Against { get; init; }

    /// <summary>This case's MB/s (or records/s, see <see cref="RatioOf"/>) over <see cref="Against"/>'s.</summary>
    public double? Ratio { get; init; }

    /// <summary>What the ratio compares: "MB/s" or "records/s".</summary>
    public string? RatioOf { get; init; }

    public Dictionary<string, double> Figures { get; init; } = [];

    public string? Note { get; init; }
}
