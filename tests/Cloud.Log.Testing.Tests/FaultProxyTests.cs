using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Cloud.Log.Testing.Tests;

/// <summary>
/// What the Azure SDK sees of a real Azurite behind a <see cref="FaultProxy"/> in each mode, and that the
/// store behind it is untouched by what the proxy did not forward.
/// </summary>
public sealed class FaultProxyTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>
{
    private readonly AzuriteProcess _azurite = fixture.Azurite;

    [Fact(Timeout = 60_000)]
    public async Task Pass_forwards_requests_and_answers_both_ways()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var container = await NewContainerAsync(proxy);
        await container.GetBlobClient("b").UploadAsync(BinaryData.FromString("through the proxy"));

        var direct = Direct().GetBlobContainerClient(container.Name).GetBlobClient("b");
        Assert.Equal("through the proxy", (await direct.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("through the proxy", (await container.GetBlobClient("b").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Refuse_cuts_open_connections_and_refuses_new_ones_until_it_passes_again()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var container = await NewContainerAsync(proxy);
        await container.GetBlobClient("before").UploadAsync(BinaryData.FromString("x"));
        Assert.True(proxy.OpenConnections > 0, "the client keeps its connection open");

        proxy.SetMode(FaultMode.Refuse);
        await WaitUntilAsync(() => proxy.OpenConnections == 0);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => container.GetBlobClient("during").UploadAsync(BinaryData.FromString("y")));
        Assert.Equal(0, refused.Status);
        Assert.Contains(Chain(refused).OfType<SocketException>(), s => s.SocketErrorCode == SocketError.ConnectionRefused);
        using (var raw = new TcpClient())
        {
            var connect = await Assert.ThrowsAsync<SocketException>(() => raw.ConnectAsync(IPAddress.Loopback, proxy.Port));
            Assert.Equal(SocketError.ConnectionRefused, connect.SocketErrorCode);
        }

        proxy.SetMode(FaultMode.Pass);
        await container.GetBlobClient("after").UploadAsync(BinaryData.FromString("z"));
        var stored = Direct().GetBlobContainerClient(container.Name);
        Assert.True((await stored.GetBlobClient("before").ExistsAsync()).Value);
        Assert.False((await stored.GetBlobClient("during").ExistsAsync()).Value);
        Assert.True((await stored.GetBlobClient("after").ExistsAsync()).Value);
    }

    [Fact(Timeout = 60_000)]
    public async Task Hang_accepts_but_forwards_nothing_so_the_client_times_out_and_the_store_sees_nothing()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var container = await NewContainerAsync(proxy, networkTimeout: TimeSpan.FromSeconds(1));

        proxy.SetMode(FaultMode.Hang);
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, proxy.Port); // accepted: a hang is not a refusal
        }

        var clock = Stopwatch.StartNew();
        var timedOut = await Record.ExceptionAsync(() => container.GetBlobClient("held").UploadAsync(BinaryData.FromString("held")));
        Assert.True(timedOut is OperationCanceledException or RequestFailedException { Status: 0 }, $"the SDK sees a timeout, not {timedOut}");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"it gave up after {clock.Elapsed}, before its 1 s timeout");
        Assert.False((await Direct().GetBlobContainerClient(container.Name).GetBlobClient("held").ExistsAsync()).Value);

        proxy.SetMode(FaultMode.Pass);
        await container.GetBlobClient("after").UploadAsync(BinaryData.FromString("after"));
        Assert.Equal("after", (await container.GetBlobClient("after").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Reset_sends_a_reset_on_open_and_new_connections()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var container = await NewContainerAsync(proxy);
        await container.GetBlobClient("before").UploadAsync(BinaryData.FromString("x"));

        proxy.SetMode(FaultMode.Reset);
        await WaitUntilAsync(() => proxy.OpenConnections == 0);
        // The SDK wraps a reset in a transport failure (status 0), except when .NET's HTTP client lets it out bare:
        // a connection reset as it opens fails reading its remote address ("not connected"). The engine's clients
        // turn that one into a transport failure too (TransportFailurePolicy); this client is the SDK's own.
        var reset = await Record.ExceptionAsync(() => container.GetBlobClient("during").UploadAsync(BinaryData.FromString("y")));
        Assert.True(
            reset is RequestFailedException { Status: 0 } failed && Chain(failed).Any(e => e is IOException or SocketException { SocketErrorCode: SocketError.ConnectionReset })
                || reset is SocketException { SocketErrorCode: SocketError.NotConnected or SocketError.ConnectionReset },
            $"the SDK sees a reset, not {reset}");

        using (var raw = new TcpClient())
        {
            var read = await Record.ExceptionAsync(async () =>
            {
                await raw.ConnectAsync(IPAddress.Loopback, proxy.Port); // accepted, then reset: the connect itself may see it
                var stream = raw.GetStream();
                await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
                var buffer = new byte[16];
                if (await stream.ReadAsync(buffer) == 0)
                {
                    throw new InvalidOperationException("closed with a FIN, not reset");
                }
            });
            Assert.True(read is SocketException { SocketErrorCode: SocketError.ConnectionReset } or IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } }, $"a new connection is reset, not {read}");
        }

        proxy.SetMode(FaultMode.Pass);
        await container.GetBlobClient("after").UploadAsync(BinaryData.FromString("z"));
        Assert.False((await Direct().GetBlobContainerClient(container.Name).GetBlobClient("during").ExistsAsync()).Value);
    }

    [Fact(Timeout = 60_000)]
    public async Task Delay_adds_its_latency_to_each_chunk_and_still_answers_correctly()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var container = await NewContainerAsync(proxy);
        await container.GetBlobClient("b").UploadAsync(BinaryData.FromString("slow"));

        proxy.SetMode(FaultMode.Delay, TimeSpan.FromMilliseconds(400));
        Assert.Equal(TimeSpan.FromMilliseconds(400), proxy.Latency);
        var clock = Stopwatch.StartNew();
        var content = await container.GetBlobClient("b").DownloadContentAsync();
        Assert.Equal("slow", content.Value.Content.ToString());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(750), $"a request and its answer took {clock.Elapsed}: one delay each way is 800 ms");
    }

    [Fact(Timeout = 60_000)]
    public async Task Service_unavailable_answers_503_server_busy_to_every_request_and_stores_nothing()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var container = await NewContainerAsync(proxy);

        proxy.SetMode(FaultMode.ServiceUnavailable);
        var body = BinaryData.FromBytes(new byte[200_000]);
        for (var i = 0; i < 3; i++)
        {
            // Each request's body is read past, so the next one on the connection is answered too.
            var busy = await Assert.ThrowsAsync<RequestFailedException>(() => container.GetBlobClient($"busy-{i}").UploadAsync(body));
            Assert.Equal(503, busy.Status);
            Assert.Equal("ServerBusy", busy.ErrorCode);
        }

        Assert.Equal(1, proxy.OpenConnections);
        var tables = new TableServiceClient(ProxiedTableConnectionString(out var tableProxy), new TableClientOptions { Retry = { MaxRetries = 0 } });
        using (tableProxy)
        {
            tableProxy.SetMode(FaultMode.ServiceUnavailable);
            var tableBusy = await Assert.ThrowsAsync<RequestFailedException>(() => tables.CreateTableIfNotExistsAsync("busy" + Guid.NewGuid().ToString("N")[..8]));
            Assert.Equal(503, tableBusy.Status);
        }

        var stored = Direct().GetBlobContainerClient(container.Name);
        for (var i = 0; i < 3; i++)
        {
            Assert.False((await stored.GetBlobClient($"busy-{i}").ExistsAsync()).Value);
        }

        proxy.SetMode(FaultMode.Pass);
        await container.GetBlobClient("after").UploadAsync(body);
        Assert.True((await stored.GetBlobClient("after").ExistsAsync()).Value);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_sdk_retries_through_503_and_succeeds_once_the_proxy_passes_again()
    {
        using var proxy = FaultProxy.Create(_azurite.BlobPort);
        var retrying = new BlobServiceClient(ConnectionString(proxy.Port), new BlobClientOptions
        {
            Retry = { MaxRetries = 20, Delay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(200) },
        });
        var container = retrying.GetBlobContainerClient("c" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateAsync();

        proxy.SetMode(FaultMode.ServiceUnavailable);
        var upload = container.GetBlobClient("late").UploadAsync(BinaryData.FromString("late"));
        await Task.Delay(1000);
        Assert.False(upload.IsCompleted, "the SDK keeps retrying a 503");
        proxy.SetMode(FaultMode.Pass);
        await upload;
        Assert.Equal("late", (await Direct().GetBlobContainerClient(container.Name).GetBlobClient("late").DownloadContentAsync()).Value.Content.ToString());
    }

    private async Task<BlobContainerClient> NewContainerAsync(FaultProxy proxy, TimeSpan? networkTimeout = null)
    {
        var options = new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = networkTimeout ?? TimeSpan.FromSeconds(10) } };
        var container = new BlobServiceClient(ConnectionString(proxy.Port), options).GetBlobContainerClient("c" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateAsync();
        return container;
    }

    private BlobServiceClient Direct() => new(_azurite.ConnectionString);

    private string ConnectionString(int blobPort) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_azurite.TablePort}/devstoreaccount1;";

    private string ProxiedTableConnectionString(out FaultProxy proxy)
    {
        proxy = FaultProxy.Create(_azurite.TablePort);
        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{proxy.Port}/devstoreaccount1;";
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
