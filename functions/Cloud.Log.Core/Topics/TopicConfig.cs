using System.Globalization;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Topics;

/// <summary>
/// A topic's effective configuration: Kafka's names, values and defaults. Values are strings on the
/// wire, as in Kafka; <see cref="Parse"/> checks every override and names the bad one.
/// </summary>
public sealed class TopicConfig
{
    /// <summary>Delete whole segments whose newest record is older; -1 keeps forever. Default 7 days.</summary>
    public const string RetentionMs = "retention.ms";

    /// <summary>Per partition: delete oldest segments while larger; -1 means no limit. Default -1.</summary>
    public const string RetentionBytes = "retention.bytes";

    /// <summary>Roll to a new segment past this size. Default 1 GiB.</summary>
    public const string SegmentBytes = "segment.bytes";

    /// <summary>Roll to a new segment after this age. Default 7 days.</summary>
    public const string SegmentMs = "segment.ms";

    /// <summary>Largest record batch a produce may append. Default 1,048,588; at most 4 MiB (one append block).</summary>
    public const string MaxMessageBytes = "max.message.bytes";

    /// <summary><c>delete</c> (default), <c>compact</c>, or both (<c>compact,delete</c>).</summary>
    public const string CleanupPolicy = "cleanup.policy";

    /// <summary>How long a compacted topic keeps a tombstone, so consumers see the delete. Default 1 day.</summary>
    public const string DeleteRetentionMs = "delete.retention.ms";

    /// <summary>Replicas that must hold a record before <c>acks=all</c> answers. Default 1.</summary>
    public const string MinInsyncReplicas = "min.insync.replicas";

    /// <summary><c>CreateTime</c> (default) or <c>LogAppendTime</c>.</summary>
    public const string MessageTimestampType = "message.timestamp.type";

    /// <summary>The largest batch one append block can carry.</summary>
    public const int MaxBlockBytes = 4 * 1024 * 1024;

    private static readonly Dictionary<string, string> Defaults = new()
    {
        [RetentionMs] = "604800000",
        [RetentionBytes] = "-1",
        [SegmentBytes] = "1073741824",
        [SegmentMs] = "604800000",
        [MaxMessageBytes] = "1048588",
        [CleanupPolicy] = "delete",
        [DeleteRetentionMs] = "86400000",
        [MinInsyncReplicas] = "1",
        [MessageTimestampType] = "CreateTime",
    };

    private TopicConfig(IReadOnlyDictionary<string, string> overrides)
    {
        Overrides = overrides;
        Effective = Defaults.ToDictionary(d => d.Key, d => overrides.TryGetValue(d.Key, out var v) ? v : d.Value);
        RetentionMilliseconds = ParseLong(RetentionMs, -1, long.MaxValue);
        RetentionBytesPerPartition = ParseLong(RetentionBytes, -1, long.MaxValue);
        SegmentMaxBytes = ParseLong(SegmentBytes, 14, long.MaxValue);
        SegmentMaxAge = TimeSpan.FromMilliseconds(ParseLong(SegmentMs, 1, long.MaxValue / TimeSpan.TicksPerMillisecond));
        MaxBatchBytes = (int)ParseLong(MaxMessageBytes, 0, MaxBlockBytes);
        MinimumInSyncReplicas = (int)ParseLong(MinInsyncReplicas, 1, int.MaxValue);
        TombstoneRetention = TimeSpan.FromMilliseconds(ParseLong(DeleteRetentionMs, 0, long.MaxValue / TimeSpan.TicksPerMillisecond));
        var policies = Effective[CleanupPolicy].Split(',', StringSplitOptions.TrimEntries);
        if (policies.Length == 0 || policies.Length > 2 || policies.Distinct().Count() != policies.Length || policies.Any(p => p is not ("delete" or "compact")))
        {
            throw Invalid(CleanupPolicy, "must be delete, compact, or compact,delete");
        }

        Compacted = policies.Contains("compact");
        Deletes = policies.Contains("delete");

        TimestampType = Effective[MessageTimestampType] switch
        {
            "CreateTime" => TimestampType.CreateTime,
            "LogAppendTime" => TimestampType.LogAppendTime,
            _ => throw Invalid(MessageTimestampType, "must be CreateTime or LogAppendTime"),
        };
    }

    /// <summary>The defaults, with no override.</summary>
    public static TopicConfig Default { get; } = new(new Dictionary<string, string>());

    /// <summary>The overrides set on the topic.</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; }

    /// <summary>Every config with its effective value.</summary>
    public IReadOnlyDictionary<string, string> Effective { get; }

    /// <summary><c>retention.ms</c>.</summary>
    public long RetentionMilliseconds { get; }

    /// <summary><c>retention.bytes</c>.</summary>
    public long RetentionBytesPerPartition { get; }

    /// <summary><c>segment.bytes</c>.</summary>
    public long SegmentMaxBytes { get; }

    /// <summary><c>segment.ms</c>.</summary>
    public TimeSpan SegmentMaxAge { get; }

    /// <summary><c>max.message.bytes</c>.</summary>
    public int MaxBatchBytes { get; }

    /// <summary><c>min.insync.replicas</c>.</summary>
    public int MinimumInSyncReplicas { get; }

    /// <summary><c>message.timestamp.type</c>.</summary>
    public TimestampType TimestampType { get; }

    /// <summary>Whether <c>cleanup.policy</c> includes <c>compact</c>: closed segments keep the newest record of each key.</summary>
    public bool Compacted { get; }

    /// <summary>Whether <c>cleanup.policy</c> includes <c>delete</c>: retention by time and size deletes old segments.</summary>
    public bool Deletes { get; }

    /// <summary><c>delete.retention.ms</c>.</summary>
    public TimeSpan TombstoneRetention { get; }

    /// <summary>Every config name this version knows.</summary>
    public static IReadOnlyCollection<string> Names => Defaults.Keys;

    /// <summary>
    /// Checks <paramref name="overrides"/> and builds the effective config. An unknown key or a bad
    /// value throws INVALID_CONFIG naming it.
    /// </summary>
    public static TopicConfig Parse(IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        foreach (var key in overrides.Keys)
        {
            if (!Defaults.ContainsKey(key))
            {
                throw new CloudLogException(ErrorCode.InvalidConfig, $"Unknown config '{key}'.");
            }
        }

        return new TopicConfig(new Dictionary<string, string>(overrides));
    }

    /// <summary>
    /// These overrides with <paramref name="changes"/> applied: a null value returns that config to its
    /// default. The result is checked as <see cref="Parse"/> does.
    /// </summary>
    public TopicConfig With(IReadOnlyDictionary<string, string?> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var merged = new Dictionary<string, string>(Overrides);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                if (!Defaults.ContainsKey(key))
                {
                    throw new CloudLogException(ErrorCode.InvalidConfig, $"Unknown config '{key}'.");
                }

                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        return Parse(merged);
    }

    private static CloudLogException Invalid(string key, string why) =>
        new(ErrorCode.InvalidConfig, $"Config '{key}': {why}.");

    private long ParseLong(string key, long min, long max)
    {
        var text = Effective[key];
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(key, $"'{text}' is not a whole number from {min} to {max}");
        }

        return value;
    }
}
