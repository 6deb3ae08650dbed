using System.Diagnostics;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Log;

public class ConcurrencyTests(StorageFixture storage)
{
    /// <summary>Concurrent produce calls for one partition in one process share appends (group commit).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Concurrent_produces_are_group_committed_into_fewer_appends()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        await engine.ProduceAsync("t", Records.Values(1));
        var before = engine.StorageRequests.BlobWrites;
        var calls = Enumerable.Range(0, 200).Select(i => engine.ProduceAsync("t", [Records.Of(null, $"c{i}", partition: 0)])).ToList();
        var acks = await Task.WhenAll(calls);
        var appends = engine.StorageRequests.BlobWrites - before;
        Assert.True(appends < 100, $"200 calls took {appends} appends");
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), acks.Select(a => a[0].Offset).Order());
    }

    /// <summary>
    /// Two engines in two processes (own clients, own lease owners) write one partition at once: offsets
    /// 0..N-1 each appear once, every acknowledged record is there, none twice.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task Two_processes_writing_one_partition_leave_no_gap_and_no_duplicate()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "the writer processes take a connection string");
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await engine.CreateTopicAsync("shared");
        const int perProcess = 150;

        var writers = new[] { "A", "B" }.Select(tag => RunWriterAsync(storage.ConnectionString!, prefix, tag, perProcess)).ToList();
        var outputs = await Task.WhenAll(writers);
        var acked = outputs.SelectMany(o => o).ToDictionary(a => a.Value, a => a.Offset);
        Assert.Equal(2 * perProcess, acked.Count);

        var fetched = await engine.FetchAsync("shared", 0, 0, maxRecords: 10_000, maxBytes: 8 << 20);
        Assert.Equal(Enumerable.Range(0, 2 * perProcess).Select(i => (long)i), fetched.Records.Select(r => r.Offset));
        var stored = fetched.Records.ToDictionary(r => Records.Text(r.Value)!, r => r.Offset);
        Assert.Equal(2 * perProcess, stored.Count); // no record twice
        foreach (var (value, offset) in acked)
        {
            Assert.Equal(offset, stored[value]); // every acknowledged record is where its ack said
        }
    }

    private static async Task<List<(long Offset, string Value)>> RunWriterAsync(string connectionString, string prefix, string tag, int count)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "Cloud.Log.Core.TestWriter.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { writer, connectionString, connectionString, prefix, "shared", count.ToString(System.Globalization.CultureInfo.InvariantCulture), tag })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<(long, string)>();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            if (parts[0] == "ack" && parts.Length == 4)
            {
                lines.Add((long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2]));
            }
        }

        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"writer {tag} failed: {await stderr}");
        return lines;
    }
}
