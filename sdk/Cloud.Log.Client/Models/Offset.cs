using System.Globalization;

namespace Cloud.Log.Client;

/// <summary>
/// A position in a partition: an offset, or one of Kafka's logical offsets — <see cref="Beginning"/> (the log
/// start), <see cref="End"/> (the high watermark, where the next record will be) or <see cref="Unset"/>.
/// </summary>
public readonly struct Offset : IEquatable<Offset>, IComparable<Offset>
{
    /// <summary>The first offset still in the log (Kafka's <c>OFFSET_BEGINNING</c>, -2).</summary>
    public static Offset Beginning { get; } = new(-2);

    /// <summary>The high watermark: only records produced from now on (Kafka's <c>OFFSET_END</c>, -1).</summary>
    public static Offset End { get; } = new(-1);

    /// <summary>No offset: not committed, or not known (Kafka's <c>OFFSET_INVALID</c>, -1001).</summary>
    public static Offset Unset { get; } = new(-1001);

    /// <summary>An offset; negative values are the logical offsets above.</summary>
    /// <param name="value">The offset.</param>
    public Offset(long value) => Value = value;

    /// <summary>The offset, or the logical offset's code.</summary>
    public long Value { get; }

    /// <summary>Whether this is a real offset (0 or more) rather than a logical one.</summary>
    public bool IsSpecial => Value < 0;

    /// <summary>An offset of <paramref name="value"/>.</summary>
    public static implicit operator Offset(long value) => new(value);

    /// <summary>The offset's value.</summary>
    public static implicit operator long(Offset offset) => offset.Value;

    /// <summary>An offset of <paramref name="value"/>.</summary>
    public static Offset FromInt64(long value) => new(value);

    /// <summary>The offset's value.</summary>
    public long ToInt64() => Value;

    /// <inheritdoc />
    public bool Equals(Offset other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Offset other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public int CompareTo(Offset other) => Value.CompareTo(other.Value);

    /// <summary>Equal offsets.</summary>
    public static bool operator ==(Offset left, Offset right) => left.Equals(right);

    /// <summary>Different offsets.</summary>
    public static bool operator !=(Offset left, Offset right) => !left.Equals(right);

    /// <summary>Compares offsets.</summary>
    public static bool operator <(Offset left, Offset right) => left.Value < right.Value;

    /// <summary>Compares offsets.</summary>
    public static bool operator >(Offset left, Offset right) => left.Value > right.Value;

    /// <summary>Compares offsets.</summary>
    public static bool operator <=(Offset left, Offset right) => left.Value <= right.Value;

    /// <summary>Compares offsets.</summary>
    public static bool operator >=(Offset left, Offset right) => left.Value >= right.Value;

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        -2 => "Beginning",
        -1 => "End",
        -1001 => "Unset",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };
}
