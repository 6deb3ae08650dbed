using System.Globalization;
using Cloud.Log.Testing;

namespace Cloud.Log.Cli.Tests;

/// <summary><c>cloudlog consume</c> and <c>cloudlog groups</c> through the installed tool.</summary>
public sealed class ConsumeTests(StorageFixture storage, InstalledTool tool) : CliTest(storage, tool)
{
    /// <summary>A group consume with --max commits what it printed: the next run of the group starts right after it, so three runs read every record exactly once; the group then shows no lag.</summary>
    [Fact(Timeout = 300_000)]
    public async Task A_group_consume_resumes_where_the_group_stopped()
    {
        var topic = NewTopic();
        var group = NewGroup();
        await OkAsync("topics", "create", topic, "--partitions", "3");
        var values = Enumerable.Range(0, 30).Select(i => "v" + i.ToString("00", CultureInfo.InvariantCulture)).ToList();
        await CliWithInputAsync(string.Join('\n', values.Select(v => $"k{v}:{v}")) + "\n", "produce", topic, "--key-separator", ":");

        var first = await OkAsync("consume", topic, "--group", group, "--max", "10");
        var second = await OkAsync("consume", topic, "--group", group, "--max", "10");
        var rest = await OkAsync("consume", topic, "--group", group);
        var none = await OkAsync("consume", topic, "--group", group);

        Assert.Equal(10, first.Lines.Length);
        Assert.Equal(10, second.Lines.Length);
        Assert.Equal(10, rest.Lines.Length);
        Assert.Empty(none.Lines);
        Assert.Equal(values, first.Lines.Concat(second.Lines).Concat(rest.Lines).Order(StringComparer.Ordinal));

        var described = JsonLines(await OkAsync("groups", "describe", group, "--output", "json"));
        Assert.Equal(30, described.Sum(o => o.GetProperty("offset").GetInt64()));
        Assert.All(described, o => Assert.Equal(0, o.GetProperty("lag").GetInt64()));
        Assert.Contains(group, (await OkAsync("groups", "list", "--output", "text")).Lines);
    }

    /// <summary>groups describe --members lists each live member with its topics and its assigned and target partitions, as the service has them.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Groups_describe_members_lists_each_member_and_its_partitions()
    {
        var topic = NewTopic();
        var group = NewGroup();
        await OkAsync("topics", "create", topic, "--partitions", "2");
        using var join = new HttpRequestMessage(HttpMethod.Post, $"/api/groups/{group}/members")
        {
            Content = new StringContent($$"""{"topics":["{{topic}}"],"sessionTimeoutMs":60000}""", System.Text.Encoding.UTF8, "application/json"),
        };
        join.Headers.Add("x-functions-key", ApiKey);
        using var joined = await Host.Client.SendAsync(join, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, joined.StatusCode);
        var memberId = System.Text.Json.JsonDocument.Parse(await joined.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("memberId").GetString();

        var member = JsonLines(await OkAsync("groups", "describe", group, "--members", "--output", "json")).Single();
        Assert.Equal(memberId, member.GetProperty("memberId").GetString());
        Assert.Equal("Stable", member.GetProperty("state").GetString());
        Assert.Equal(topic, member.GetProperty("topics").GetString());
        Assert.Equal($"{topic}/0,{topic}/1", member.GetProperty("assigned").GetString());
        Assert.Equal($"{topic}/0,{topic}/1", member.GetProperty("target").GetString());
        Assert.Contains("ASSIGNED", (await OkAsync("groups", "describe", group, "--members")).Output, StringComparison.Ordinal);
        AssertOneLineFailure(await CliAsync("groups", "describe", NewGroup(), "--members"), 1, "GROUP_ID_NOT_FOUND");
    }

    /// <summary>--from an offset, a time, the end or the beginning starts there; --partition and --max limit what is read; the table shows key and value.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Consume_starts_at_an_offset_a_time_the_end_or_the_beginning()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        await OkAsync("produce", topic, "a", "b");
        await Task.Delay(100, TestContext.Current.CancellationToken);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await OkAsync("produce", topic, "--key", "kc", "c", "d");

        Assert.Equal(["c", "d"], (await OkAsync("consume", topic, "--from", "2")).Lines);
        Assert.Equal(["c", "d"], (await OkAsync("consume", topic, "--from", between.ToString("O", CultureInfo.InvariantCulture))).Lines);
        Assert.Equal(["a", "b", "c", "d"], (await OkAsync("consume", topic, "--from=-1h")).Lines);
        Assert.Empty((await OkAsync("consume", topic, "--from", "end")).Lines);
        Assert.Equal(["a"], (await OkAsync("consume", topic, "--partition", "0", "--from", "beginning", "--max", "1")).Lines);
        var table = await OkAsync("consume", topic, "--from", "2", "--output", "table");
        Assert.Contains("VALUE", table.Output, StringComparison.Ordinal);
        Assert.Contains("kc", table.Output, StringComparison.Ordinal);
    }

    /// <summary>--follow waits at the end for new records and prints them as they come (here until --max).</summary>
    [Fact(Timeout = 300_000)]
    public async Task Follow_prints_records_produced_after_it_started()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        await OkAsync("produce", topic, "old");

        var following = Tool.RunAsync(["consume", topic, "--from", "1", "--follow", "--max", "2", "--output", "json"], Configured(), cancellationToken: TestContext.Current.CancellationToken);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(following.IsCompleted, "a followed consume ended before its records came");
        await OkAsync("produce", topic, "new-1", "new-2");

        var result = await following;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["new-1", "new-2"], JsonLines(result).Select(r => r.GetProperty("value").GetString()));
    }

    /// <summary>Ctrl-C ends a followed group consume with exit 0 after committing what it printed: the group resumes after it.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Ctrl_c_ends_a_followed_group_consume_and_commits_what_it_printed()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // SIGINT is how a terminal's Ctrl-C reaches the tool on Linux and macOS
        }

        var topic = NewTopic();
        var group = NewGroup();
        await OkAsync("topics", "create", topic);
        await OkAsync("produce", topic, "a", "b", "c");

        var followed = await Tool.RunAndInterruptAsync(["consume", topic, "--group", group, "--follow"], Configured(), 3, TestContext.Current.CancellationToken);

        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Equal(["a", "b", "c"], followed.Lines);
        await OkAsync("produce", topic, "d");
        Assert.Equal(["d"], (await OkAsync("consume", topic, "--group", group)).Lines);
    }

    /// <summary>reset-offsets moves where the group resumes: earliest, an offset, a time, latest; --dry-run changes nothing; an offset past the high watermark is the service's one-line refusal.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Reset_offsets_moves_where_the_group_resumes()
    {
        var topic = NewTopic();
        var group = NewGroup();
        await OkAsync("topics", "create", topic);
        await OkAsync("produce", topic, "r0", "r1");
        await Task.Delay(100, TestContext.Current.CancellationToken);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await OkAsync("produce", topic, "r2", "r3", "r4");
        Assert.Equal(5, (await OkAsync("consume", topic, "--group", group)).Lines.Length);

        await OkAsync("groups", "reset-offsets", group, "--topic", topic, "--to", "earliest");
        Assert.Equal(0, Committed(await OkAsync("groups", "describe", group, "--output", "json")));
        Assert.Equal(["r0"], (await OkAsync("consume", topic, "--group", group, "--max", "1")).Lines);

        await OkAsync("groups", "reset-offsets", group, "--topic", topic, "--to", "3");
        Assert.Equal(["r3"], (await OkAsync("consume", topic, "--group", group, "--max", "1")).Lines);

        var byTime = await OkAsync("groups", "reset-offsets", group, "--topic", topic, "--to", between.ToString("O", CultureInfo.InvariantCulture), "--output", "json");
        Assert.Equal(2, JsonLines(byTime).Single().GetProperty("offset").GetInt64());
        Assert.Equal(2, Committed(await OkAsync("groups", "describe", group, "--output", "json")));

        await OkAsync("groups", "reset-offsets", group, "--topic", topic, "--to", "earliest", "--dry-run");
        Assert.Equal(2, Committed(await OkAsync("groups", "describe", group, "--output", "json")));

        AssertOneLineFailure(await CliAsync("groups", "reset-offsets", group, "--topic", topic, "--to", "99"), 1, "OFFSET_OUT_OF_RANGE");
        AssertOneLineFailure(await CliAsync("groups", "reset-offsets", group, "--topic", topic, "--to", "later"), 2, "--to");
        Assert.Equal(2, Committed(await OkAsync("groups", "describe", group, "--output", "json")));

        await OkAsync("groups", "reset-offsets", group, "--topic", topic, "--to", "latest");
        var latest = JsonLines(await OkAsync("groups", "describe", group, "--output", "json")).Single();
        Assert.Equal((5L, 0L), (latest.GetProperty("offset").GetInt64(), latest.GetProperty("lag").GetInt64()));
        Assert.Empty((await OkAsync("consume", topic, "--group", group)).Lines);

        await OkAsync("groups", "delete", group);
        Assert.DoesNotContain(group, (await OkAsync("groups", "list", "--output", "text")).Lines);
    }

    private static long Committed(CliResult described) => JsonLines(described).Single().GetProperty("offset").GetInt64();
}
