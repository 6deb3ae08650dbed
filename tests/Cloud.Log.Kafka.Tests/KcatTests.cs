using System.Text.Json;

namespace Cloud.Log.Kafka.Tests;

/// <summary>kcat (Debian's package, librdkafka inside) listing, producing (also snappy-compressed) and consuming from an offset.</summary>
public sealed class KcatTests(KafkaServerFixture server)
{
    private const string Kcat = "kcat";

    /// <summary>kcat -L lists the one broker and a topic with its partitions.</summary>
    [Fact(Timeout = 60_000)]
    public async Task ListShowsTheBrokerAndTopics()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("kcatl");
        await server.CreateTopicAsync(topic, 3, ct);
        var (exit, output, error) = await ProcessRunner.RunAsync(Kcat, ["-b", server.BootstrapServers, "-L", "-t", topic], cancellationToken: ct);
        Assert.True(exit == 0, error);
        Assert.Contains($"broker 0 at {server.BootstrapServers}", output, StringComparison.Ordinal);
        Assert.Contains($"topic \"{topic}\" with 3 partitions", output, StringComparison.Ordinal);
    }

    /// <summary>kcat -P (plain and -z snappy) stores keyed records that kcat -C reads back from an offset, and REST reads the same.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData("none")]
    [InlineData("snappy")]
    public async Task ProducedRecordsAreConsumedFromAnOffset(string compression)
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("kcatp");
        await server.CreateTopicAsync(topic, 1, ct);
        var lines = string.Concat(Enumerable.Range(0, 20).Select(i => $"key{i}:value number {i} with some text to compress, compress, compress\n"));
        var produced = await ProcessRunner.RunAsync(Kcat, ["-b", server.BootstrapServers, "-P", "-t", topic, "-p", "0", "-K:", "-z", compression], lines, cancellationToken: ct);
        Assert.True(produced.ExitCode == 0, produced.Error);

        var (exit, output, error) = await ProcessRunner.RunAsync(Kcat, ["-b", server.BootstrapServers, "-C", "-t", topic, "-p", "0", "-o", "17", "-e", "-f", "%k=%s@%o\n"], cancellationToken: ct);
        Assert.True(exit == 0, error);
        Assert.Equal(
            Enumerable.Range(17, 3).Select(i => $"key{i}=value number {i} with some text to compress, compress, compress@{i}"),
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}/partitions/0/records?offset=5&maxRecords=1", UriKind.Relative), ct));
        Assert.Equal("key5", json.RootElement.GetProperty("records")[0].GetProperty("key").GetString());
    }
}
