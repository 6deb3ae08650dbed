using System.Globalization;
using System.Text.RegularExpressions;
using Cloud.Log.Testing;

namespace Cloud.Log.Cli.Tests;

/// <summary><c>cloudlog produce</c> through the installed tool: arguments, standard input, files of lines and of JSON lines.</summary>
public sealed partial class ProduceTests(StorageFixture storage, InstalledTool tool) : CliTest(storage, tool)
{
    /// <summary>100,000 lines of a file are produced, each stored once, with the count and records/s on stderr and each partition's offsets on stdout.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Producing_100000_lines_from_a_file_stores_every_line_and_prints_records_per_second()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic, "--partitions", "3");
        var file = Path.Combine(ConfigHome, "lines.txt");
        var lines = Enumerable.Range(0, 100_000).Select(i => "line-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        await File.WriteAllLinesAsync(file, lines, TestContext.Current.CancellationToken);

        var produced = await OkAsync("produce", topic, "--file", file);

        var summary = Summary().Match(produced.Error);
        Assert.True(summary.Success, produced.ToString());
        Assert.True(double.Parse(summary.Groups["rate"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, produced.Error);
        var perPartition = produced.Lines.Select(l => PartitionLine().Match(l)).ToList();
        Assert.All(perPartition, m => Assert.True(m.Success, produced.Output));
        Assert.Equal(100_000, perPartition.Sum(m => long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture)));

        var offsets = JsonLines(await OkAsync("offsets", topic, "--output", "json"));
        Assert.Equal(100_000, offsets.Sum(o => o.GetProperty("highWatermark").GetInt64()));
        var consumed = await OkAsync("consume", topic);
        Assert.Equal(lines.Order(StringComparer.Ordinal), consumed.Lines.Order(StringComparer.Ordinal));
        Assert.Contains("Consumed 100,000 record(s)", consumed.Error, StringComparison.Ordinal);
    }

    /// <summary>Values from the arguments with --key go to the key's murmur2 partition (user-1 of 3 partitions: 2, as the README says), with the key stored.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Values_from_arguments_with_a_key_go_to_the_keys_partition()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic, "--partitions", "3");

        var produced = await OkAsync("produce", topic, "--key", "user-1", "hello", "again");

        Assert.Equal(["partition 2: 2 record(s), offsets 0 to 1"], produced.Lines);
        var records = JsonLines(await OkAsync("consume", topic, "--output", "json"));
        Assert.Equal([(2, 0L, "user-1", "hello"), (2, 1L, "user-1", "again")], records.Select(r => (r.GetProperty("partition").GetInt32(), r.GetProperty("offset").GetInt64(), r.GetProperty("key").GetString(), r.GetProperty("value").GetString())));
    }

    /// <summary>Lines from standard input become records with the --header headers; --key-separator splits each line into key and value.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Lines_from_standard_input_carry_headers_and_keys_split_off_each_line()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);

        var produced = await CliWithInputAsync("a\nb\nc\n", "produce", topic, "--header", "source=cli", "--header", "run=1");
        Assert.Equal(0, produced.ExitCode);
        var keyed = await CliWithInputAsync("k1:v:1\nk2:v2\n", "produce", topic, "--key-separator", ":");
        Assert.Equal(0, keyed.ExitCode);

        var records = JsonLines(await OkAsync("consume", topic, "--output", "json"));
        Assert.Equal(["a", "b", "c", "v:1", "v2"], records.Select(r => r.GetProperty("value").GetString()));
        Assert.All(records.Take(3), r =>
        {
            Assert.Equal("cli", r.GetProperty("headers").GetProperty("source").GetString());
            Assert.Equal("1", r.GetProperty("headers").GetProperty("run").GetString());
        });
        Assert.Equal([null, null, null, "k1", "k2"], records.Select(r => r.GetProperty("key").GetString()));
    }

    /// <summary>A file of JSON lines is produced as is, each record keyed by its --key-field (a number's JSON text as the key), blank lines skipped.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Json_lines_take_their_key_from_the_key_field()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        var file = Path.Combine(ConfigHome, "orders.jsonl");
        await File.WriteAllTextAsync(file, "{\"id\":\"u1\",\"n\":1}\n\n{\"id\":\"u2\",\"n\":2}\n{\"id\":7,\"n\":3}\n", TestContext.Current.CancellationToken);

        await OkAsync("produce", topic, "--file", file, "--format", "json", "--key-field", "id");

        var records = JsonLines(await OkAsync("consume", topic, "--output", "json"));
        Assert.Equal(["u1", "u2", "7"], records.Select(r => r.GetProperty("key").GetString()));
        Assert.Equal(["{\"id\":\"u1\",\"n\":1}", "{\"id\":\"u2\",\"n\":2}", "{\"id\":7,\"n\":3}"], records.Select(r => r.GetProperty("value").GetString()));
    }

    /// <summary>A file with a line that is not JSON (or lacks the key field) is refused before anything is sent: one line naming the line, exit 2, nothing stored.</summary>
    [Fact(Timeout = 300_000)]
    public async Task A_file_with_a_bad_line_sends_nothing()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        var file = Path.Combine(ConfigHome, "bad.jsonl");
        await File.WriteAllTextAsync(file, "{\"id\":\"u1\"}\n{oops\n", TestContext.Current.CancellationToken);
        var unkeyed = Path.Combine(ConfigHome, "unkeyed.jsonl");
        await File.WriteAllTextAsync(unkeyed, "{\"id\":\"u1\"}\n{\"name\":\"x\"}\n", TestContext.Current.CancellationToken);

        AssertOneLineFailure(await CliAsync("produce", topic, "--file", file, "--format", "json"), 2, "Line 2 is not JSON");
        AssertOneLineFailure(await CliAsync("produce", topic, "--file", unkeyed, "--format", "json", "--key-field", "id"), 2, "Line 2 has no field 'id'");
        AssertOneLineFailure(await CliAsync("produce", topic, "--file", Path.Combine(ConfigHome, "missing.txt")), 2, "No such file");
        AssertOneLineFailure(await CliAsync("produce", topic, "--key", "k", "--key-field", "id", "v"), 2, "one place");
        AssertOneLineFailure(await CliAsync("produce", topic, "--header", "novalue", "v"), 2, "key=value");

        var offsets = JsonLines(await OkAsync("offsets", topic, "--output", "json"));
        Assert.Equal(0, offsets.Single().GetProperty("highWatermark").GetInt64());
    }

    [GeneratedRegex(@"Produced 100,000 record\(s\) to '[^']+' in [\d.]+ s \((?<rate>[\d,]+) records/s\)\.")]
    private static partial Regex Summary();

    [GeneratedRegex(@"^partition \d+: (?<count>\d+) record\(s\), offsets \d+ to \d+$")]
    private static partial Regex PartitionLine();
}
