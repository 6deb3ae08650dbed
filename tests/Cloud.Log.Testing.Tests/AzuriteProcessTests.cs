using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace Cloud.Log.Testing.Tests;

/// <summary>
/// An Azurite that a fault test stops and restarts comes back on its ports with what it had, even when a
/// port is held for a while by another socket, as a test running beside it may do.
/// </summary>
public sealed class AzuriteProcessTests
{
    [Fact]
    public void Ports_for_a_restart_lie_below_the_ephemeral_range_and_are_free()
    {
        var low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 20; i++)
        {
            var port = LoopbackPorts.BelowEphemeralRange();
            Assert.InRange(port, 1024, low - 1);
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start(); // free when handed out
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_restart_waits_out_a_port_held_by_another_socket_and_keeps_the_data()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("kept");
        await container.CreateAsync();
        await container.GetBlobClient("b").UploadAsync(BinaryData.FromString("before the outage"));
        await azurite.StopAsync();

        // Another socket takes the blob port while Azurite is down and lets it go 3 s into the restart.
        var squatter = new TcpListener(IPAddress.Loopback, azurite.BlobPort);
        squatter.Start();
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            squatter.Stop();
        });

        var firstProcess = azurite.ProcessId;
        await azurite.RestartAsync();
        await release;

        Assert.NotEqual(firstProcess, azurite.ProcessId);
        var content = await container.GetBlobClient("b").DownloadContentAsync();
        Assert.Equal("before the outage", content.Value.Content.ToString());
    }
}
