using System.Globalization;
using System.Text.RegularExpressions;

namespace Cloud.Log.Cli.Input;

/// <summary>
/// Where reading starts, or where a group's offsets are reset to: <c>beginning</c> (or <c>earliest</c>),
/// <c>end</c> (or <c>latest</c>), an offset (<c>42</c>), a time in ISO 8601 (<c>2026-12-01T08:00:00Z</c>; without
/// an offset it is UTC) or a time ago (<c>-15m</c>, <c>-2h</c>, <c>-1d</c>, <c>-30s</c>).
/// </summary>
internal sealed partial record StartPosition(StartKind Kind, long Offset, DateTimeOffset Time)
{
    /// <summary>The log start.</summary>
    public static readonly StartPosition Beginning = new(StartKind.Beginning, 0, default);

    /// <summary>The high watermark.</summary>
    public static readonly StartPosition End = new(StartKind.End, 0, default);

    /// <summary>Parses <paramref name="text"/>, the value of <paramref name="option"/>; what it cannot read is a usage error.</summary>
    public static StartPosition Parse(string text, string option, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        switch (value.ToUpperInvariant())
        {
            case "BEGINNING" or "EARLIEST":
                return Beginning;
            case "END" or "LATEST":
                return End;
        }

        if (value.Length > 0 && value.All(char.IsAsciiDigit))
        {
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                ? new StartPosition(StartKind.Offset, offset, default)
                : throw Bad(text, option);
        }

        var ago = Ago().Match(value);
        if (ago.Success)
        {
            var amount = long.Parse(ago.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            var unit = ago.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(1),
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                _ => TimeSpan.FromDays(1),
            };
            return new StartPosition(StartKind.Time, 0, now - (unit * amount));
        }

        if (value.Contains('-', StringComparison.Ordinal) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return new StartPosition(StartKind.Time, 0, time);
        }

        throw Bad(text, option);
    }

    /// <summary>How it is written back in messages.</summary>
    public override string ToString() => Kind switch
    {
        StartKind.Beginning => "beginning",
        StartKind.End => "end",
        StartKind.Offset => Offset.ToString(CultureInfo.InvariantCulture),
        _ => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
    };

    private static CliUsageException Bad(string text, string option) =>
        new($"{option} takes beginning, end, an offset (0 or more), a time (2026-12-01T08:00:00Z) or a time ago (-15m, -2h, -1d), not '{text}'.");

    [GeneratedRegex(@"^-(?<n>\d{1,9})(?<unit>ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex Ago();
}
