using System.Net.Sockets;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Cloud.Log.Core.Storage;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Storage;

/// <summary>
/// A bare <see cref="SocketException"/> from .NET's HTTP client (a connection reset as it opens can surface
/// unwrapped) is, on the engine's storage clients, a transport failure the SDK retries, and one it reports
/// as a <see cref="RequestFailedException"/> when the retries run out, never the bare exception.
/// </summary>
public sealed class TransportFailurePolicyTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task A_connection_reset_as_it_opens_is_retried_and_the_request_succeeds()
    {
        using var handler = new FailingHandler(failures: 1);
        var blob = await NewBlobAsync(handler);

        await blob.UploadAsync(BinaryData.FromString("after one reset"));

        Assert.Equal(2, handler.Sends);
        Assert.Equal("after one reset", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Connection_resets_on_every_attempt_end_as_the_sdks_transport_failure()
    {
        using var handler = new FailingHandler(failures: int.MaxValue);
        var blob = await NewBlobAsync(handler);

        var failure = await Assert.ThrowsAsync<AggregateException>(() => blob.UploadAsync(BinaryData.FromString("never")));

        Assert.Equal(4, handler.Sends); // the first attempt and the engine's three retries
        Assert.All(failure.InnerExceptions, e =>
        {
            var transport = Assert.IsType<RequestFailedException>(e);
            Assert.Equal(0, transport.Status);
            Assert.IsType<SocketException>(transport.InnerException);
        });
    }

    private async Task<BlobClient> NewBlobAsync(FailingHandler handler)
    {
        var container = new BlobServiceClient(storage.ConnectionString!).GetBlobContainerClient("c" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateAsync();
        var options = StorageClientOptions.ForBlobs(new StorageRequestCounter());
        options.Transport = new HttpClientTransport(new HttpClient(handler));
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        return new BlobServiceClient(storage.ConnectionString!, options).GetBlobContainerClient(container.Name).GetBlobClient("b");
    }

    /// <summary>Throws what .NET's HTTP client throws when a connection is reset as it opens, the first <c>failures</c> times.</summary>
    private sealed class FailingHandler(int failures) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _sends;

        public int Sends => Volatile.Read(ref _sends);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _sends) <= failures
                ? throw new SocketException((int)SocketError.NotConnected)
                : base.SendAsync(request, cancellationToken);
    }
}
