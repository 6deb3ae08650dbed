using Cloud.Log.Api.Jobs;
using Cloud.Log.Core;
using Cloud.Log.Functions.Jobs;
using Cloud.Log.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Functions.Tests;

/// <summary>The catch-up timer function: the app's own services over three replica locations, invoked as the host invokes a timer.</summary>
public sealed class ReplicaCatchUpFunctionTests
{
    /// <summary>The function runs the shared catch-up job and nothing else.</summary>
    [Fact]
    public void Function_runs_the_shared_catch_up_job() =>
        Assert.Equal([typeof(ReplicaCatchUpJob)], typeof(ReplicaCatchUpFunction).GetConstructors().Single().GetParameters().Select(p => p.ParameterType));

    /// <summary>A location that was down is caught up by the timer function and rejoins the ISR.</summary>
    [Fact(Timeout = 180_000)]
    public async Task Timer_function_returns_a_caught_up_location_to_the_isr()
    {
        await using var storage = await ReplicatedStorage.StartAsync(3);
        var settings = new Dictionary<string, string?>
        {
            ["CloudLog:Metadata:ConnectionString"] = storage.Metadata.ConnectionString,
            ["CloudLog:Engine:ReplicaLagTimeMax"] = "00:00:02",
            [FunctionsStartup.QueueConnection] = storage.Metadata.ConnectionString,
            [FunctionsStartup.QueueNameSetting] = "produce",
        };
        for (var i = 0; i < 3; i++)
        {
            settings[$"CloudLog:Locations:{i}:ConnectionString"] = storage.Replicas[i].ConnectionString;
        }

        using var invoker = new FunctionInvoker(settings);
        var engine = invoker.Services.GetRequiredService<CloudLogEngine>();
        await engine.CreateTopicAsync("t", replicationFactor: 3);
        await storage.Replicas[2].StopAsync();
        await engine.ProduceAsync("t", [new ProduceRecord(null, "x"u8.ToArray(), Partition: 0)]);
        Assert.Equal([0, 1], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Order());
        await storage.Replicas[2].RestartAsync();

        var function = ActivatorUtilities.CreateInstance<ReplicaCatchUpFunction>(invoker.Services);
        await function.RunAsync(new TimerInfo(), default);
        Assert.Equal([0, 1, 2], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Order());
    }
}
