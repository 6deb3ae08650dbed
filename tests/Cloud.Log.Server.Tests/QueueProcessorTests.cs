using System.Text.Json;
using Azure.Storage.Queues;
using Cloud.Log.Api.Contract;
using Cloud.Log.Api.Queue;
using Cloud.Log.Core;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Server.Tests;

/// <summary>Produce through the queue, in the server: its background processor reads the produce queue.</summary>
public sealed class QueueProcessorTests(StorageFixture storage) : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServerHost.StartAsync(storage);

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private QueueClient Queue(string name) => new(_host.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    private async Task<string> CreateTopicAsync()
    {
        var topic = "q-" + Guid.NewGuid().ToString("N")[..10];
        var (status, _) = await _host.Client.JsonAsync(HttpMethod.Post, "/api/topics", $$"""{"name":"{{topic}}"}""");
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        return topic;
    }

    private async Task<List<string?>> WaitForValuesAsync(string topic, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, body) = await _host.Client.JsonAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/0/records?offset=0");
            var values = body.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetString()).ToList();
            if (values.Count >= count || DateTime.UtcNow > deadline)
            {
                return values;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A message on the produce queue is stored by the server's processor and then deleted from the queue.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Queued_message_is_produced_and_deleted()
    {
        var topic = await CreateTopicAsync();
        var queue = Queue(_host.QueueName);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync($$"""{"topic":"{{topic}}","records":[{"value":"one"},{"value":"two"}]}""");

        Assert.Equal(["one", "two"], await WaitForValuesAsync(topic, 2));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    /// <summary>Two messages with one idempotency key (a sender's retry) are stored once.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Messages_with_one_idempotency_key_are_stored_once()
    {
        var topic = await CreateTopicAsync();
        var queue = Queue(_host.QueueName);
        await queue.CreateIfNotExistsAsync();
        var message = $$"""{"topic":"{{topic}}","idempotencyKey":"order-42","records":[{"value":"once"}]}""";
        await queue.SendMessageAsync(message);
        await queue.SendMessageAsync(message);
        await queue.SendMessageAsync($$"""{"topic":"{{topic}}","records":[{"value":"marker"}]}""");

        var values = await WaitForValuesAsync(topic, 2);
        await Task.Delay(500); // a second copy, were there one, would have had time to land
        Assert.Equal(["marker", "once"], (await WaitForValuesAsync(topic, 2)).Order());
        Assert.Equal(2, values.Count);
    }

    /// <summary>The same message delivered twice (its id unchanged, as a queue redelivers it) is stored once.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Redelivered_message_is_stored_once()
    {
        var topic = await CreateTopicAsync();
        var handler = _host.App.Services.GetRequiredService<QueueProduceHandler>();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { topic, records = new[] { new { value = "a" }, new { value = "b" } } });
        Assert.Equal(QueueProduceOutcome.Stored, await handler.HandleAsync("message-1", body));
        Assert.Equal(QueueProduceOutcome.Stored, await handler.HandleAsync("message-1", body));
        Assert.Equal(QueueProduceOutcome.Stored, await handler.HandleAsync("message-2", body));
        var fetched = await _host.App.Services.GetRequiredService<CloudLogEngine>().FetchAsync(topic, 0, 0);
        Assert.Equal(4, fetched.Records.Count);
    }

    /// <summary>A message that can never succeed goes to the poison queue as it was, nothing of it is stored, and it leaves the produce queue.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Message_that_cannot_succeed_goes_to_the_poison_queue()
    {
        var topic = await CreateTopicAsync();
        var queue = Queue(_host.QueueName);
        var poison = Queue(_host.QueueName + "-poison");
        await queue.CreateIfNotExistsAsync();
        var unknownTopic = """{"topic":"no-such-topic","records":[{"value":"x"}]}""";
        var invalidRecord = $$"""{"topic":"{{topic}}","records":[{"value":"ok"},{"value":"bad","timestamp":-5}]}""";
        await queue.SendMessageAsync(unknownTopic);
        await queue.SendMessageAsync(invalidRecord);
        await queue.SendMessageAsync("this is not JSON");

        var poisoned = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (poisoned.Count < 3 && DateTime.UtcNow < deadline)
        {
            if (await poison.ExistsAsync())
            {
                foreach (var m in (await poison.ReceiveMessagesAsync(10)).Value)
                {
                    poisoned.Add(m.Body.ToString());
                    await poison.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
            }

            await Task.Delay(100);
        }

        Assert.Equal(new[] { unknownTopic, invalidRecord, "this is not JSON" }.Order(), poisoned.Order());
        Assert.Empty(await WaitForValuesAsync(topic, 0));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
