using Cloud.Log.Testing;
using Confluent.Kafka;

namespace Cloud.Log.Kafka.Tests;

/// <summary>
/// A consumer group whose two members reach two server instances (two processes over one storage and one
/// resource prefix, each client bootstrapped to its own and told only of it by Metadata and FindCoordinator):
/// the group's state is in Table storage, so both instances coordinate the one group.
/// </summary>
public sealed class SharedGroupTests(KafkaServerFixture fixture)
{
    /// <summary>The members split the partitions, both instances describe both members, and the survivor takes all when the other leaves.</summary>
    [Fact(Timeout = 150_000)]
    public async Task MembersOnTwoServersSplitPartitionsAndTheSurvivorTakesOverWhenOneLeaves()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var servers = await TwoServersAsync(ct);
        var (topic, group) = await TopicAndGroupAsync(servers.First, ct);
        using var first = Consumer(servers.First, group, "member-first");
        using var second = Consumer(servers.Second, group, "member-second");
        first.Subscribe(topic);
        second.Subscribe(topic);
        PollUntil(() => Split(first, second), first, second);

        foreach (var server in new[] { servers.First, servers.Second })
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.BootstrapServers, BrokerAddressFamily = BrokerAddressFamily.V4 }).Build();
            var described = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
            Assert.Equal(ConsumerGroupState.Stable, described.State);
            Assert.Equal(["member-first", "member-second"], described.Members.Select(m => m.ClientId).Order());
            Assert.Equal([0, 1, 2, 3], described.Members.SelectMany(m => m.Assignment.TopicPartitions).Select(p => p.Partition.Value).Order());
        }

        second.Close();
        PollUntil(() => first.Assignment.Count == 4, first);
        Assert.Equal([0, 1, 2, 3], first.Assignment.Select(p => p.Partition.Value).Order());
        first.Close();
    }

    /// <summary>When the instance one member reaches is killed, that member's session runs out and the member on the other instance takes its partitions.</summary>
    [Fact(Timeout = 150_000)]
    public async Task MemberOfAKilledServerIsDroppedAndTheOtherTakesItsPartitions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var servers = await TwoServersAsync(ct);
        var (topic, group) = await TopicAndGroupAsync(servers.First, ct);
        using var first = Consumer(servers.First, group, "member-first");
        var second = Consumer(servers.Second, group, "member-second");
        try
        {
            first.Subscribe(topic);
            second.Subscribe(topic);
            PollUntil(() => Split(first, second), first, second);

            await servers.Second.KillAsync();
            PollUntil(() => first.Assignment.Count == 4, first);
            Assert.Equal([0, 1, 2, 3], first.Assignment.Select(p => p.Partition.Value).Order());
            first.Close();
        }
        finally
        {
            // Its broker is gone: closing it may wait on a LeaveGroup nobody answers, so it is not waited for long.
            await Task.Run(second.Dispose, ct).WaitAsync(TimeSpan.FromSeconds(15), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    /// <summary>
    /// Two kafkajs members, one on each instance: the later one's join rebalances the group, and in the
    /// generation they share the two split the partitions; once the first leaves, the second has them all.
    /// </summary>
    [Fact(Timeout = 150_000)]
    public async Task KafkaJsMembersOnTwoServersSplitPartitionsAndTheSurvivorTakesAll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var servers = await TwoServersAsync(ct);
        var (topic, group) = await TopicAndGroupAsync(servers.First, ct);
        var script = Path.Combine(RepositoryRoot(), "tests", "Cloud.Log.Kafka.Tests", "KafkaJs", "member.js");
        var first = ProcessRunner.RunAsync("node", [script, servers.First.BootstrapServers, topic, group, "20"], timeout: TimeSpan.FromSeconds(90), workingDirectory: RepositoryRoot(), cancellationToken: ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var second = ProcessRunner.RunAsync("node", [script, servers.Second.BootstrapServers, topic, group, "35"], timeout: TimeSpan.FromSeconds(90), workingDirectory: RepositoryRoot(), cancellationToken: ct);
        var (firstRun, secondRun) = (await first, await second);
        Assert.True(firstRun.ExitCode == 0, firstRun.Error);
        Assert.True(secondRun.ExitCode == 0, secondRun.Error);

        var firstAssignments = Assignments(firstRun.Output);
        var secondAssignments = Assignments(secondRun.Output);
        Assert.Contains(firstAssignments, a => a.Count is > 0 and < 4 && secondAssignments.Any(b => b.Count == 4 - a.Count && !a.Intersect(b).Any()));
        Assert.Equal([0, 1, 2, 3], secondAssignments[^1]);
    }

    private static List<List<int>> Assignments(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("assigned").EnumerateArray().Select(p => p.GetInt32()).ToList())];

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "package.json")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (package.json) was not found.");
    }

    private async Task<ServerPair> TwoServersAsync(CancellationToken cancellationToken)
    {
        var connectionString = fixture.Storage.ConnectionString ?? throw new InvalidOperationException("These tests need a connection string.");
        var prefix = StorageFixture.NewPrefix();
        var first = await KafkaServerProcess.StartAsync(connectionString, prefix, cancellationToken);
        try
        {
            return new ServerPair(first, await KafkaServerProcess.StartAsync(connectionString, prefix, cancellationToken));
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
    }

    private static async Task<(string Topic, string Group)> TopicAndGroupAsync(KafkaServerProcess server, CancellationToken cancellationToken)
    {
        var topic = KafkaServerFixture.NewTopic("shared");
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        using var content = new StringContent($$"""{"name":"{{topic}}","partitions":4}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("api/topics", UriKind.Relative), content, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (topic, "shared-" + Guid.NewGuid().ToString("N")[..8]);
    }

    private static IConsumer<Ignore, string> Consumer(KafkaServerProcess server, string group, string clientId) =>
        new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = server.BootstrapServers,
            GroupId = group,
            ClientId = clientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 300,
            BrokerAddressFamily = BrokerAddressFamily.V4,
            FetchWaitMaxMs = 100,
            ReconnectBackoffMaxMs = 1000,
        }).Build();

    /// <summary>Both members have partitions, none twice, all four between them.</summary>
    private static bool Split(IConsumer<Ignore, string> first, IConsumer<Ignore, string> second) =>
        first.Assignment.Count > 0 && second.Assignment.Count > 0 && first.Assignment.Count + second.Assignment.Count == 4
        && !first.Assignment.Select(p => p.Partition.Value).Intersect(second.Assignment.Select(p => p.Partition.Value)).Any();

    private static void PollUntil(Func<bool> condition, params IConsumer<Ignore, string>[] consumers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The group did not settle in time.");
            foreach (var consumer in consumers)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private sealed record ServerPair(KafkaServerProcess First, KafkaServerProcess Second) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }
}
