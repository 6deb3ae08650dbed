using Cloud.Log.Api.Jobs;
using Cloud.Log.Core;
using Cloud.Log.Functions.Jobs;
using Cloud.Log.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Functions.Tests;

/// <summary>The timer functions: the app's own services, invoked as the host invokes a timer.</summary>
public sealed class TimerFunctionTests
{
    /// <summary>Each timer function runs one shared job and nothing else; each job's schedule setting is its trigger's.</summary>
    [Theory]
    [InlineData(typeof(ReplicaCatchUpFunction), typeof(ReplicaCatchUpJob), ReplicaCatchUpJob.Schedule)]
    [InlineData(typeof(RetentionFunction), typeof(RetentionJob), RetentionJob.Schedule)]
    [InlineData(typeof(CompactionFunction), typeof(CompactionJob), CompactionJob.Schedule)]
    public void Timer_functions_run_the_shared_jobs(Type function, Type job, string schedule)
    {
        Assert.Equal([job], function.GetConstructors().Single().GetParameters().Select(p => p.ParameterType));
        var trigger = function.GetMethod("RunAsync")!.GetParameters()[0].GetCustomAttributes(typeof(TimerTriggerAttribute), false).Cast<TimerTriggerAttribute>().Single();
        Assert.Equal($"%{schedule}%", trigger.Schedule);
    }

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

    /// <summary>The retention function deletes expired segments; the compaction function keeps the newest record of each key.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Retention_and_compaction_functions_run_their_jobs()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["CloudLog:Locations:0:ConnectionString"] = azurite.ConnectionString,
            [FunctionsStartup.QueueConnection] = azurite.ConnectionString,
            [FunctionsStartup.QueueNameSetting] = "produce",
        };
        using var invoker = new FunctionInvoker(settings);
        var engine = invoker.Services.GetRequiredService<CloudLogEngine>();
        await engine.CreateTopicAsync("expiring", configs: new Dictionary<string, string> { ["retention.ms"] = "60000", ["segment.bytes"] = "200" });
        await engine.CreateTopicAsync("keyed", configs: new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["segment.bytes"] = "200" });
        var old = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3_600_000;
        for (var i = 0; i < 4; i++)
        {
            await engine.ProduceAsync("expiring", [new ProduceRecord(null, new byte[100], Timestamp: old)]);
            await engine.ProduceAsync("keyed", [new ProduceRecord("k"u8.ToArray(), new byte[100])]);
        }

        await ActivatorUtilities.CreateInstance<RetentionFunction>(invoker.Services).RunAsync(new TimerInfo(), default);
        Assert.Equal(3, (await engine.GetEarliestOffsetAsync("expiring", 0)).Offset);
        await ActivatorUtilities.CreateInstance<CompactionFunction>(invoker.Services).RunAsync(new TimerInfo(), default);
        Assert.Equal([2L, 3L], (await engine.FetchAsync("keyed", 0)).Records.Select(r => r.Offset)); // the newest closed copy of k, and the active segment
    }
}
