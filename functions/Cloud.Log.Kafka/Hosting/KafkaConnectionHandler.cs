using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using Cloud.Log.Api.Auth;
using Cloud.Log.Kafka.Handlers;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Kafka.Sasl;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cloud.Log.Kafka.Hosting;

/// <summary>
/// One Kafka client connection on Kestrel: reads size-delimited request frames (int32 length, then the
/// request), answers each in order through <see cref="KafkaRequestDispatcher"/>, and closes the connection
/// (only this one, logged) on a length prefix out of range, a malformed request, a client that goes silent
/// mid-request, or any failure. Requests on one connection are answered one at a time, in order, as
/// Kafka's protocol requires. Each connection has a <see cref="KafkaSession"/> over the server's credentials:
/// with none configured, a client that is not on loopback is closed at once (the REST API's rule); a failed
/// SASL step is answered, then the connection closed.
/// </summary>
public sealed class KafkaConnectionHandler : ConnectionHandler
{
    private readonly KafkaRequestDispatcher _dispatcher;
    private readonly KafkaListenerOptions _options;
    private readonly ILogger _logger;
    private readonly CloudLogCredentials _credentials;

    /// <summary>A connection handler over a dispatcher.</summary>
    public KafkaConnectionHandler(KafkaRequestDispatcher dispatcher, CloudLogCredentials credentials, IOptions<KafkaListenerOptions> options, ILogger<KafkaConnectionHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dispatcher = dispatcher;
        _credentials = credentials;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var closed = connection.ConnectionClosed;
        var loopback = connection.RemoteEndPoint is not IPEndPoint remote || IPAddress.IsLoopback(remote.Address);
        var session = new KafkaSession(_credentials, loopback);
        try
        {
            if (!_credentials.Configured && !loopback)
            {
                _logger.LogWarning("Kafka connection {Connection} from {Remote} closed: no credentials are configured (CloudLog:Auth), so only loopback clients are served.", connection.ConnectionId, connection.RemoteEndPoint);
                return;
            }

            while (!closed.IsCancellationRequested)
            {
                var frame = await ReadFrameAsync(input, connection.ConnectionId, closed).ConfigureAwait(false);
                if (frame is null)
                {
                    return;
                }

                // Fetched record batches go from the read buffers they lie in straight to the connection, and the
                // buffers back to the pool once written: an answer of many MiB is never copied whole.
                var response = new KafkaWriter(byReference: true);
                try
                {
                    if (await _dispatcher.HandleAsync(frame, connection.RemoteEndPoint?.ToString(), session, response, closed).ConfigureAwait(false)
                        && !await response.WriteToAsync(output, closed).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                finally
                {
                    response.Release();
                }

                if (session.CloseAfterResponse)
                {
                    _logger.LogInformation("Kafka connection {Connection} from {Remote} closed after a refused SASL step.", connection.ConnectionId, connection.RemoteEndPoint);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            // the client went away
        }
        catch (KafkaProtocolException e)
        {
            _logger.LogWarning("Kafka connection {Connection} from {Remote} closed: {Reason}", connection.ConnectionId, connection.RemoteEndPoint, e.Message);
        }
        catch (ConnectionResetException)
        {
            // the client went away
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Kafka connection {Connection} from {Remote} closed after a failure.", connection.ConnectionId, connection.RemoteEndPoint);
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static int ReadLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        return BinaryPrimitives.ReadInt32BigEndian(prefix);
    }

    /// <summary>
    /// The next request frame without its length prefix, or null when the client closed between requests.
    /// Silence between requests is allowed up to the idle timeout; once a request has begun, the rest must
    /// come within the request read timeout.
    /// </summary>
    private async Task<byte[]?> ReadFrameAsync(PipeReader input, string connectionId, CancellationToken closed)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closed);
        timeout.CancelAfter(_options.IdleTimeout);
        byte[]? frame = null;
        var filled = 0;
        var length = -1;
        var started = false;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!started && buffer.Length > 0)
                {
                    started = true;
                    timeout.CancelAfter(_options.RequestReadTimeout);
                }

                var rest = buffer;
                if (length < 0 && rest.Length >= 4)
                {
                    length = ReadLength(rest);
                    if (length < 8 || length > _options.MaxRequestBytes)
                    {
                        throw new KafkaProtocolException($"A request frame of {length} bytes is outside 8 to {_options.MaxRequestBytes} (socket.request.max.bytes).");
                    }

                    rest = rest.Slice(4);
                    frame = new byte[Math.Min(length, 1024 * 1024)];
                }

                if (length >= 0)
                {
                    var take = (int)Math.Min(rest.Length, length - filled);
                    if (filled + take > frame!.Length)
                    {
                        Array.Resize(ref frame, (int)Math.Min(length, Math.Max((long)frame.Length * 2, filled + take)));
                    }

                    rest.Slice(0, take).CopyTo(frame.AsSpan(filled));
                    filled += take;
                    rest = rest.Slice(take);
                    if (filled == length)
                    {
                        input.AdvanceTo(rest.Start);
                        return frame;
                    }
                }

                input.AdvanceTo(rest.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (started)
                    {
                        throw new KafkaProtocolException("The client closed the connection in the middle of a request.");
                    }

                    return null;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !closed.IsCancellationRequested)
        {
            throw new KafkaProtocolException(started
                ? $"The rest of a request did not arrive within {_options.RequestReadTimeout.TotalSeconds:0} s."
                : $"Connection {connectionId} was idle for {_options.IdleTimeout.TotalSeconds:0} s.");
        }
    }
}
