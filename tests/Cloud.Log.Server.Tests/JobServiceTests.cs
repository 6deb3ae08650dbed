using Cloud.Log.Api.Contract;
using Cloud.Log.Api.Jobs;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cloud.Log.Server.Tests;

/// <summary>The server runs the jobs the function app runs on timers, as background services.</summary>
public sealed class JobServiceTests(StorageFixture storage)
{
    /// <summary>The server runs each job the function app runs on a timer, the same job classes, as background services.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Server_runs_the_shared_jobs_in_the_background()
    {
        await using var host = await ServerHost.StartAsync(storage, new Dictionary<string, string?> { ["CloudLog:ProduceQueue:Enabled"] = "false" });
        var jobs = host.App.Services.GetServices<IHostedService>().OfType<Jobs.PeriodicJobService>().Select(s => s.Job.GetType()).ToList();
        Assert.Equal([typeof(CompactionJob), typeof(ReplicaCatchUpJob), typeof(RetentionJob)], jobs.OrderBy(t => t.Name));
    }

    /// <summary>A location that was down rejoins the ISR by itself once it is back, through the background job.</summary>
    [Fact(Timeout = 180_000)]
    public async Task Returning_location_rejoins_the_isr_in_the_background()
    {
        await using var replicated = await ReplicatedStorage.StartAsync(3);
        var settings = new Dictionary<string, string?>
        {
            ["CloudLog:Metadata:ConnectionString"] = replicated.Metadata.ConnectionString,
            ["CloudLog:Engine:ReplicaLagTimeMax"] = "00:00:02",
            ["CloudLog:Jobs:ReplicationInterval"] = "00:00:00.300",
            ["CloudLog:ProduceQueue:Enabled"] = "false",
        };
        for (var i = 0; i < 3; i++)
        {
            settings[$"CloudLog:Locations:{i}:Name"] = $"location{i}";
            settings[$"CloudLog:Locations:{i}:ConnectionString"] = replicated.Replicas[i].ConnectionString;
        }

        await using var host = await ServerHost.StartAsync(storage, settings);
        await host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"t","replicationFactor":3}""");
        await replicated.Replicas[1].StopAsync();
        var (produced, _) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics/t/records", """{"records":[{"value":"x","partition":0}]}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, produced);
        Assert.Equal(2, (await host.Client.JsonAsync(HttpMethod.Get, "/api/topics/t")).Body.GetProperty("partitions")[0].GetProperty("isr").GetArrayLength());

        await replicated.Replicas[1].RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (_, topic) = await host.Client.JsonAsync(HttpMethod.Get, "/api/topics/t");
            var isr = topic.GetProperty("partitions")[0].GetProperty("isr").EnumerateArray().Select(e => e.GetInt32()).Order().ToList();
            if (isr.SequenceEqual([0, 1, 2]))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"still in sync: {string.Join(',', isr)}");
            await Task.Delay(200);
        }
    }
}
