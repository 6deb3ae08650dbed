using Azure;
using Azure.Core.Pipeline;
using Cloud.Log.Client;
using Cloud.Log.Testing;

namespace Cloud.Log.Functions.Tests;

/// <summary>The SDK against the function app (its functions invoked as the host would): the same binary encoding, groups and commits as on the server.</summary>
public sealed class SdkOnFunctionsTests(StorageFixture storage) : IDisposable
{
    private readonly FunctionInvoker _invoker = new(FunctionSettings.For(storage, StorageFixture.NewPrefix()));

    private T Options<T>(T options)
        where T : CloudLogClientOptions
    {
        options.Transport = new HttpClientTransport(new HttpClient(_invoker, disposeHandler: false));
        return options;
    }

    /// <summary>Admin, producer and a group consumer work through the function classes with a function key.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Produce_and_consume_with_a_group_through_the_function_app()
    {
        var endpoint = new Uri("http://localhost");
        var key = new AzureKeyCredential("function-key-checked-by-the-host");
        var admin = new CloudLogAdminClient(endpoint, key, Options(new CloudLogAdminClientOptions()));
        await admin.CreateTopicAsync("sdk-orders", partitions: 3);

        await using (var producer = new CloudLogProducerClient(endpoint, key, Options(new CloudLogProducerClientOptions())))
        {
            await Task.WhenAll(Enumerable.Range(0, 30).Select(i => producer.ProduceAsync("sdk-orders", new CloudLogMessage(BinaryData.FromString($"k{i}"), BinaryData.FromString($"v{i}")))));
        }

        await using var consumer = new CloudLogConsumerClient(endpoint, key, Options(new CloudLogConsumerClientOptions { GroupId = "sdk", AutoOffsetReset = AutoOffsetReset.Earliest }));
        consumer.Subscribe("sdk-orders");
        var values = new List<string>();
        while (values.Count < 30)
        {
            values.Add((await consumer.ConsumeAsync(TimeSpan.FromSeconds(20)) ?? throw new TimeoutException($"{values.Count} of 30")).Value!.ToString());
        }

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"v{i}").Order(), values.Order());
        await consumer.CommitAsync();
        var committed = await admin.GetConsumerGroupOffsetsAsync("sdk", "sdk-orders").ToListAsync();
        Assert.Equal(30, committed.Sum(o => o.Offset.Value));
    }

    public void Dispose() => _invoker.Dispose();
}
