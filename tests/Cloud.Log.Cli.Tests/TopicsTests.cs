using Cloud.Log.Testing;

namespace Cloud.Log.Cli.Tests;

/// <summary><c>cloudlog topics …</c> and <c>cloudlog offsets</c> through the installed tool.</summary>
public sealed class TopicsTests(StorageFixture storage, InstalledTool tool) : CliTest(storage, tool)
{
    /// <summary>A topic created with partitions and a config is listed and described as created, altered (config set, config back to default, partitions added), and gone once deleted.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Topics_create_list_describe_alter_and_delete_round_trip()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic, "--partitions", "3", "--config", "retention.ms=3600000");

        var listed = JsonLines(await OkAsync("topics", "list", "--output", "json")).Single(t => t.GetProperty("name").GetString() == topic);
        Assert.Equal(3, listed.GetProperty("partitions").GetInt32());

        var described = JsonLines(await OkAsync("topics", "describe", topic, "--output", "json")).Single();
        Assert.Equal("3600000", described.GetProperty("configs").GetProperty("retention.ms").GetString());
        Assert.Equal([0, 1, 2], described.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(described.GetProperty("partitions").EnumerateArray(), p => Assert.Equal(0, p.GetProperty("highWatermark").GetInt64()));
        Assert.All(described.GetProperty("partitions").EnumerateArray(), p => Assert.Equal((0, 0), (p.GetProperty("sizeBytes").GetInt64(), p.GetProperty("segments").GetInt32())));
        await OkAsync("produce", topic, "--partition", "1", "a-record");
        var written = JsonLines(await OkAsync("topics", "describe", topic, "--output", "json")).Single().GetProperty("partitions")[1];
        Assert.Equal(1, written.GetProperty("segments").GetInt32());
        Assert.InRange(written.GetProperty("sizeBytes").GetInt64(), 61 + 8, 200); // one batch: its 61-byte header and one small record
        Assert.Contains("SEGMENTS", (await OkAsync("topics", "describe", topic)).Output, StringComparison.Ordinal);

        await OkAsync("topics", "alter", topic, "--config", "retention.ms=7200000", "--partitions", "4");
        described = JsonLines(await OkAsync("topics", "describe", topic, "--output", "json")).Single();
        Assert.Equal("7200000", described.GetProperty("configs").GetProperty("retention.ms").GetString());
        Assert.Equal(4, described.GetProperty("partitions").GetArrayLength());

        await OkAsync("topics", "alter", topic, "--delete-config", "retention.ms");
        described = JsonLines(await OkAsync("topics", "describe", topic, "--output", "json")).Single();
        Assert.Equal("604800000", described.GetProperty("configs").GetProperty("retention.ms").GetString()); // Kafka's default, 7 days

        var table = await OkAsync("topics", "list");
        Assert.Contains("PARTITIONS", table.Output, StringComparison.Ordinal);
        Assert.Contains(topic, table.Output, StringComparison.Ordinal);
        var text = await OkAsync("topics", "list", "--output", "text");
        Assert.Contains($"{topic}\t4\t", text.Output, StringComparison.Ordinal);

        await OkAsync("topics", "delete", topic);
        AssertOneLineFailure(await CliAsync("topics", "describe", topic), 1, "UNKNOWN_TOPIC_OR_PARTITION");
        Assert.DoesNotContain(topic, (await OkAsync("topics", "list", "--output", "text")).Output, StringComparison.Ordinal);
    }

    /// <summary>Creating a topic twice is refused with the service's problem, and alter with nothing to change is a usage error.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Creating_a_topic_twice_and_altering_nothing_fail_with_one_line()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        AssertOneLineFailure(await CliAsync("topics", "create", topic), 1, "TOPIC_ALREADY_EXISTS");
        AssertOneLineFailure(await CliAsync("topics", "alter", topic), 2, "--config");
        AssertOneLineFailure(await CliAsync("topics", "create", topic + "x", "--config", "retention.ms"), 2, "key=value");
    }

    /// <summary>offsets shows each partition's log start and high watermark, and the first offset at or after a time (the high watermark when no record is that new).</summary>
    [Fact(Timeout = 300_000)]
    public async Task Offsets_show_log_start_high_watermark_and_the_offset_for_a_time()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic, "--partitions", "2");
        await OkAsync("produce", topic, "--partition", "1", "a", "b");
        await Task.Delay(50, TestContext.Current.CancellationToken);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50, TestContext.Current.CancellationToken);
        await OkAsync("produce", topic, "--partition", "1", "c");

        var rows = JsonLines(await OkAsync("offsets", topic, "--output", "json"));
        Assert.Equal([(0, 0L, 0L), (1, 0L, 3L)], rows.Select(r => (r.GetProperty("partition").GetInt32(), r.GetProperty("logStartOffset").GetInt64(), r.GetProperty("highWatermark").GetInt64())));

        var at = JsonLines(await OkAsync("offsets", topic, "--time", between.ToString("O"), "--output", "json"));
        Assert.Equal([0L, 2L], at.Select(r => r.GetProperty("offsetForTime").GetInt64()));
        var future = JsonLines(await OkAsync("offsets", topic, "--partition", "1", "--time", DateTimeOffset.UtcNow.AddHours(1).ToString("O"), "--output", "json"));
        Assert.Equal(3L, future.Single().GetProperty("offsetForTime").GetInt64());
        var ago = JsonLines(await OkAsync("offsets", topic, "--partition", "1", "--time=-1h", "--output", "json"));
        Assert.Equal(0L, ago.Single().GetProperty("offsetForTime").GetInt64());

        AssertOneLineFailure(await CliAsync("offsets", topic, "--time", "yesterday"), 2, "--time");
        AssertOneLineFailure(await CliAsync("offsets", topic, "--partition", "7"), 1, "UNKNOWN_TOPIC_OR_PARTITION");
    }
}
