using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Cloud.Log.Core;
using Cloud.Log.Functions.Queue;
using Cloud.Log.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Functions.Tests;

/// <summary>The queue-triggered produce function, called as the host calls it, with the app's own services.</summary>
public sealed class QueueProduceFunctionTests(StorageFixture storage) : IDisposable
{
    private readonly string _prefix = StorageFixture.NewPrefix();
    private FunctionInvoker? _invoker;

    private FunctionInvoker Invoker => _invoker ??= new FunctionInvoker(FunctionSettings.For(storage, _prefix));

    private static QueueMessage Message(string id, string body, long dequeueCount = 1) =>
        QueuesModelFactory.QueueMessage(id, "pop", new BinaryData(Encoding.UTF8.GetBytes(body)), dequeueCount);

    /// <summary>A message delivered twice (same message id) is stored once.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Message_delivered_twice_is_stored_once()
    {
        var engine = Invoker.Services.GetRequiredService<CloudLogEngine>();
        await engine.CreateTopicAsync("orders");
        var function = ActivatorUtilities.CreateInstance<QueueProduceFunction>(Invoker.Services);
        var body = """{"topic":"orders","records":[{"key":"k","value":"v1"},{"key":"k","value":"v2"}]}""";

        await function.RunAsync(Message("id-1", body), default);
        await function.RunAsync(Message("id-1", body, dequeueCount: 2), default);

        var fetched = await engine.FetchAsync("orders", 0, 0);
        Assert.Equal(["v1", "v2"], fetched.Records.Select(r => Encoding.UTF8.GetString(r.Value!.Value.Span)));
    }

    /// <summary>A message that can never succeed is copied to the poison queue and the function completes, so the host deletes it.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Invalid_message_goes_to_the_poison_queue()
    {
        var engine = Invoker.Services.GetRequiredService<CloudLogEngine>();
        await engine.CreateTopicAsync("orders");
        var function = ActivatorUtilities.CreateInstance<QueueProduceFunction>(Invoker.Services);
        var body = """{"topic":"orders","records":[{"value":"fine"},{"value":"bad","partition":"one"}]}""";

        await function.RunAsync(Message("id-2", body), default);

        var poison = new QueueClient(storage.ConnectionString, _prefix + "-produce-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var received = (await poison.ReceiveMessagesAsync(5)).Value;
        Assert.Equal(body, Assert.Single(received).Body.ToString());
        Assert.Empty((await engine.FetchAsync("orders", 0, 0)).Records);
    }

    /// <summary>A failure a retry can mend is thrown to the host, which delivers the message again.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Retriable_failure_is_thrown_for_the_host_to_retry()
    {
        await using var dead = await AzuriteProcess.StartAsync();
        var settings = FunctionSettings.For(storage, _prefix);
        settings["CloudLog:Locations:0:ConnectionString"] = dead.ConnectionString;
        using var invoker = new FunctionInvoker(settings);
        var engine = invoker.Services.GetRequiredService<CloudLogEngine>();
        await engine.CreateTopicAsync("orders");
        await dead.KillAsync();
        var function = ActivatorUtilities.CreateInstance<QueueProduceFunction>(invoker.Services);

        var error = await Assert.ThrowsAsync<CloudLogException>(() => function.RunAsync(Message("id-3", """{"topic":"orders","records":[{"value":"x"}]}"""), default));
        Assert.True(error.IsRetriable);
    }

    public void Dispose() => _invoker?.Dispose();
}
