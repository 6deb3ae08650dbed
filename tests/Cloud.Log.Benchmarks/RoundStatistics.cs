namespace Cloud.Log.Benchmarks;

/// <summary>
/// How a case measured in several rounds becomes one figure: the median of its rounds, their spread, the ratio of
/// two cases' medians with the lowest and highest ratio of a single round, percentiles of latency samples, and the
/// check that a case and its limit were measured in alternating rounds. Pure functions, unit-tested.
/// </summary>
internal static class RoundStatistics
{
    /// <summary>The median (the mean of the middle two for an even count); NaN for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The spread of the rounds: (largest − smallest) / median; 0 for one round, NaN for none.</summary>
    public static double RelativeSpread(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        if (list.Count == 0)
        {
            return double.NaN;
        }

        var median = Median(list);
        return median == 0 ? 0 : (list.Max() - list.Min()) / median;
    }

    /// <summary>
    /// The ratio of <paramref name="case"/>'s median to <paramref name="limit"/>'s, and the lowest and highest ratio
    /// of one round to the same round of the limit (rounds paired by index).
    /// </summary>
    public static (double Ratio, double Low, double High) Ratio(IReadOnlyList<Round> @case, IReadOnlyList<Round> limit)
    {
        var ratio = Median(@case.Select(r => r.Value)) / Median(limit.Select(r => r.Value));
        var perRound = @case.Join(limit, c => c.Index, l => l.Index, (c, l) => c.Value / l.Value).ToList();
        return perRound.Count == 0 ? (ratio, double.NaN, double.NaN) : (ratio, perRound.Min(), perRound.Max());
    }

    /// <summary>
    /// Whether <paramref name="a"/> and <paramref name="b"/> were measured in the same rounds: as many rounds each,
    /// round i of one and round i of the other next to each other in time, no other round of either between them,
    /// and every round of the pair over before the next pair began (a, b, a, b … or b, a, b, a …).
    /// </summary>
    public static bool Alternate(IReadOnlyList<Round> a, IReadOnlyList<Round> b)
    {
        if (a.Count == 0 || a.Count != b.Count)
        {
            return false;
        }

        var sequence = a.Select(r => (Side: 0, Round: r)).Concat(b.Select(r => (Side: 1, Round: r))).OrderBy(x => x.Round.StartedSeconds).ToList();
        for (var i = 0; i < sequence.Count; i += 2)
        {
            var (first, second) = (sequence[i], sequence[i + 1]);
            if (first.Side == second.Side || first.Round.Index != second.Round.Index || first.Round.EndedSeconds > second.Round.StartedSeconds)
            {
                return false;
            }

            if (i + 2 < sequence.Count && second.Round.EndedSeconds > sequence[i + 2].Round.StartedSeconds)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <paramref name="percentile"/>th percentile (nearest rank) of <paramref name="samples"/>; NaN for none.</summary>
    public static double Percentile(IReadOnlyList<double> samples, double percentile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToList();
        var rank = (int)Math.Ceiling(Math.Round(percentile / 100 * sorted.Count, 9)); // rounded first: 99.9% of 2,000 is 1,998, not 1,998.0000000000002
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>
    /// One measurement from the rounds of a case: the median of each rate and figure, every round kept, and the
    /// rounds' spread as the figure "spread %".
    /// </summary>
    public static Measurement Combine(string section, string @case, IReadOnlyList<Measurement> rounds)
    {
        var figures = rounds.SelectMany(r => r.Figures.Keys).Distinct().ToDictionary(k => k, k => Median(rounds.Where(r => r.Figures.ContainsKey(k)).Select(r => r.Figures[k])));
        var all = rounds.SelectMany(r => r.Rounds).ToList();
        figures["spread %"] = 100 * RelativeSpread(all.Select(r => r.Value));
        return new Measurement(section, @case)
        {
            RecordsPerSecond = Median(rounds.Select(r => r.RecordsPerSecond)),
            MegabytesPerSecond = Median(rounds.Select(r => r.MegabytesPerSecond)),
            RequestsPerSecond = Median(rounds.Select(r => r.RequestsPerSecond)),
            Figures = figures,
            Rounds = all,
            Note = rounds.Select(r => r.Note).FirstOrDefault(n => n is not null),
        };
    }
}
