using System.Net.Sockets;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Cloud.Log.Core.Storage;

/// <summary>
/// Turns a socket failure that reaches the storage pipeline unwrapped into the SDK's own transport failure
/// (<see cref="RequestFailedException"/> with status 0), which its retry policy retries and the engine answers
/// as STORAGE_UNAVAILABLE. .NET's HTTP client wraps almost every transport failure in an
/// <see cref="System.Net.Http.HttpRequestException"/>, but a connection reset right after it was opened can
/// surface as a bare <see cref="SocketException"/> ("Transport endpoint is not connected", thrown while the
/// connection reads its remote address), which the SDK neither retries nor wraps.
/// </summary>
internal sealed class TransportFailurePolicy : HttpPipelinePolicy
{
    public static TransportFailurePolicy Shared { get; } = new();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (SocketException e)
        {
            throw Wrap(e);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw Wrap(e);
        }
    }

    private static RequestFailedException Wrap(SocketException e) =>
        new($"The connection to storage failed: {e.Message} ({e.SocketErrorCode}).", e);
}
