using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Tests.Topics;

public class TopicConfigTests
{
    /// <summary>Every config of the contract is there with Kafka's default.</summary>
    [Fact]
    public void Defaults_are_kafkas()
    {
        var expected = new Dictionary<string, string>
        {
            ["retention.ms"] = "604800000",
            ["retention.bytes"] = "-1",
            ["segment.bytes"] = "1073741824",
            ["segment.ms"] = "604800000",
            ["max.message.bytes"] = "1048588",
            ["cleanup.policy"] = "delete",
            ["delete.retention.ms"] = "86400000",
            ["min.insync.replicas"] = "1",
            ["message.timestamp.type"] = "CreateTime",
        };
        Assert.Equal(expected.OrderBy(e => e.Key), TopicConfig.Default.Effective.OrderBy(e => e.Key));
        Assert.Equal(1048588, TopicConfig.Default.MaxBatchBytes);
        Assert.Equal(TimeSpan.FromDays(7), TopicConfig.Default.SegmentMaxAge);
        Assert.Equal(TimestampType.CreateTime, TopicConfig.Default.TimestampType);
        Assert.True(TopicConfig.Default.Deletes);
        Assert.False(TopicConfig.Default.Compacted);
        Assert.Equal(TimeSpan.FromDays(1), TopicConfig.Default.TombstoneRetention);
    }

    /// <summary>cleanup.policy takes delete, compact, or both, in either order.</summary>
    [Theory]
    [InlineData("delete", false, true)]
    [InlineData("compact", true, false)]
    [InlineData("compact,delete", true, true)]
    [InlineData("delete,compact", true, true)]
    public void Cleanup_policies_are_kafkas(string policy, bool compacted, bool deletes)
    {
        var config = TopicConfig.Parse(new Dictionary<string, string> { ["cleanup.policy"] = policy });
        Assert.Equal(compacted, config.Compacted);
        Assert.Equal(deletes, config.Deletes);
    }

    [Theory]
    [InlineData("no.such.config", "1")]
    [InlineData("retention.ms", "-2")]
    [InlineData("retention.ms", "soon")]
    [InlineData("retention.bytes", "1.5")]
    [InlineData("segment.bytes", "13")]
    [InlineData("segment.ms", "0")]
    [InlineData("max.message.bytes", "4194305")]
    [InlineData("max.message.bytes", "-1")]
    [InlineData("cleanup.policy", "compact,compact")]
    [InlineData("cleanup.policy", "")]
    [InlineData("delete.retention.ms", "-1")]
    [InlineData("cleanup.policy", "whatever")]
    [InlineData("min.insync.replicas", "0")]
    [InlineData("message.timestamp.type", "createtime")]
    public void Bad_keys_and_values_are_invalid_config_naming_the_key(string key, string value)
    {
        var e = Assert.Throws<CloudLogException>(() => TopicConfig.Parse(new Dictionary<string, string> { [key] = value }));
        Assert.Equal(ErrorCode.InvalidConfig, e.Code);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overrides_apply_and_null_returns_to_default()
    {
        var config = TopicConfig.Parse(new Dictionary<string, string> { ["retention.ms"] = "-1", ["message.timestamp.type"] = "LogAppendTime" });
        Assert.Equal(-1, config.RetentionMilliseconds);
        Assert.Equal(TimestampType.LogAppendTime, config.TimestampType);

        var altered = config.With(new Dictionary<string, string?> { ["retention.ms"] = null, ["segment.bytes"] = "1024" });
        Assert.Equal("604800000", altered.Effective["retention.ms"]);
        Assert.Equal(1024, altered.SegmentMaxBytes);
        Assert.Equal(new[] { "message.timestamp.type", "segment.bytes" }, altered.Overrides.Keys.Order());
    }
}
