using System.Collections.Concurrent;
using System.Diagnostics;
using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>
/// Issue 13: a member whose session ran out has its partitions taken by the group, not handed over; the
/// consumer says so with PartitionsLost (Kafka's onPartitionsLost), never PartitionsRevoked.
/// </summary>
public sealed class PartitionsLostTests(StorageFixture storage) : TestServer(storage)
{
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(3);

    /// <summary>What one consumer's rebalance callbacks were called with, in order.</summary>
    private sealed class Callbacks
    {
        public ConcurrentQueue<(string Kind, TopicPartition Partition)> Calls { get; } = new();

        public void Watch(CloudLogConsumerClient consumer)
        {
            consumer.PartitionsAssigned += e => Record("assigned", e);
            consumer.PartitionsRevoked += e => Record("revoked", e);
            consumer.PartitionsLost += e => Record("lost", e);
        }

        public List<TopicPartition> Of(string kind) => [.. Calls.Where(c => c.Kind == kind).Select(c => c.Partition)];

        private Task Record(string kind, PartitionsEventArgs e)
        {
            foreach (var partition in e.Partitions)
            {
                Calls.Enqueue((kind, partition));
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Two members over two partitions settle at one each. Member A is cut off from the service for longer than
    /// its session: B takes A's partition at its next heartbeat, and A, once unheard for a whole session, stops
    /// reading it and raises PartitionsLost with exactly that partition, and no PartitionsRevoked for it (there
    /// was no hand-over; A had no chance to commit). When A reaches the service again it joins again and the
    /// group settles at one partition each, A's new one announced by PartitionsAssigned.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_member_whose_session_ran_out_raises_partitions_lost_not_revoked()
    {
        var topic = await CreateTopicAsync(2);
        var group = NewGroup();
        var proxyA = new FaultProxy();
        var a = Consumer(Options(group), proxyA);
        var b = Consumer(Options(group));
        var callbacksA = new Callbacks();
        callbacksA.Watch(a);
        using var stop = new CancellationTokenSource();
        a.Subscribe(topic);
        var loopA = ConsumeAsync(a, stop.Token);
        await WaitUntilAsync(() => a.Assignment.Count == 2, TimeSpan.FromSeconds(20), "A owns both partitions");
        b.Subscribe(topic);
        var loopB = ConsumeAsync(b, stop.Token);
        await WaitUntilAsync(() => a.Assignment.Count == 1 && b.Assignment.Count == 1 && !a.Assignment.Intersect(b.Assignment).Any(), TimeSpan.FromSeconds(20), "one partition each");
        var owned = Assert.Single(a.Assignment);
        var revokedBefore = callbacksA.Of("revoked").Count;
        Assert.Empty(callbacksA.Of("lost"));

        proxyA.Disconnected = true;
        await WaitUntilAsync(() => b.Assignment.Count == 2, Session * 4, "B takes A's partition once A's session ran out");
        await WaitUntilAsync(() => callbacksA.Of("lost").Count > 0, Session * 4, "A raises PartitionsLost");
        Assert.Equal([owned], callbacksA.Of("lost"));
        Assert.Equal(revokedBefore, callbacksA.Of("revoked").Count);
        Assert.Empty(a.Assignment);

        var assignedBefore = callbacksA.Of("assigned").Count;
        proxyA.Disconnected = false;
        await WaitUntilAsync(() => a.Assignment.Count == 1 && b.Assignment.Count == 1 && !a.Assignment.Intersect(b.Assignment).Any(), TimeSpan.FromSeconds(30), "A joins again and the group settles");
        Assert.True(callbacksA.Of("assigned").Count > assignedBefore);
        Assert.Equal([owned], callbacksA.Of("lost")); // nothing more was lost: rejoining is not a loss

        await stop.CancelAsync();
        await Task.WhenAll(loopA, loopB);
    }

    private static CloudLogConsumerClientOptions Options(string group) => new()
    {
        GroupId = group,
        SessionTimeout = Session,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        AutoCommitInterval = TimeSpan.FromMilliseconds(200),
        FetchMaxWait = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>Consumes until stopped, as an application's loop would (a consumer's group work happens as it is used).</summary>
    private static Task ConsumeAsync(CloudLogConsumerClient consumer, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (CloudLogException)
            {
                await Task.Delay(100, CancellationToken.None); // cut off: the application keeps polling
            }
        }
    }, CancellationToken.None);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Not within {timeout}: {what}.");
            }

            await Task.Delay(50);
        }
    }
}
