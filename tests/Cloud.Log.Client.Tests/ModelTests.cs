using Cloud.Log.Protocol;

namespace Cloud.Log.Client.Tests;

/// <summary>The small value types: offsets, error codes, options' defaults (Kafka's).</summary>
public class ModelTests
{
    /// <summary>Logical offsets have Kafka's codes and names; offsets compare and convert.</summary>
    [Fact]
    public void Offsets_have_kafkas_logical_values()
    {
        Assert.Equal(-2, Offset.Beginning.Value);
        Assert.Equal(-1, Offset.End.Value);
        Assert.Equal(-1001, Offset.Unset.Value);
        Assert.True(Offset.End.IsSpecial);
        Assert.False(new Offset(0).IsSpecial);
        Offset five = 5;
        Assert.True(five > 4 && five == new Offset(5));
        Assert.Equal(["Beginning", "End", "Unset", "42"], new[] { Offset.Beginning, Offset.End, Offset.Unset, 42 }.Select(o => o.ToString()));
    }

    /// <summary>Error codes compare by name, including codes this client does not know.</summary>
    [Fact]
    public void Error_codes_are_an_extensible_enumeration()
    {
        Assert.Equal(CloudLogErrorCode.OffsetOutOfRange, new CloudLogErrorCode("OFFSET_OUT_OF_RANGE"));
        Assert.NotEqual(CloudLogErrorCode.Throttled, CloudLogErrorCode.StorageUnavailable);
        Assert.Equal("SOMETHING_NEW", ((CloudLogErrorCode)"SOMETHING_NEW").ToString());
        Assert.True(new CloudLogException(CloudLogErrorCode.Throttled, "slow down").IsTransient);
        Assert.False(new CloudLogException(CloudLogErrorCode.InvalidRecord, "bad").IsTransient);
    }

    /// <summary>The documented defaults are Kafka's (linger.ms 5, batch.size 16384, acks all, idempotence on, auto-commit 5 s, session 45 s, latest).</summary>
    [Fact]
    public void Defaults_are_kafkas()
    {
        var producer = new CloudLogProducerClientOptions();
        Assert.Equal((TimeSpan.FromMilliseconds(5), 16_384, Acks.All, true, TimeSpan.FromMinutes(2), 33_554_432L), (producer.Linger, producer.BatchSize, producer.Acks, producer.EnableIdempotence, producer.DeliveryTimeout, producer.BufferMemory));
        var consumer = new CloudLogConsumerClientOptions();
        Assert.Equal((true, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(45), AutoOffsetReset.Latest, TimeSpan.FromMilliseconds(500), 500), (consumer.EnableAutoCommit, consumer.AutoCommitInterval, consumer.SessionTimeout, consumer.AutoOffsetReset, consumer.FetchMaxWait, consumer.MaxPollRecords));
        Assert.Throws<ArgumentOutOfRangeException>(() => consumer.SessionTimeout = TimeSpan.FromHours(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => producer.BatchSize = 0);
    }
}
