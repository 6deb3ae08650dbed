using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
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
/// mid-request, or any failure. Responses go out in the order of the requests, as Kafka's protocol requires.
/// Produce requests are pipelined: once one's batches are queued at their partitions' writers, the next
/// request is read and started while its appends are in flight (up to
/// <see cref="KafkaListenerOptions.MaxInFlightProduceRequests"/>), so a producer's requests share blocks and
/// overlap their round trips; any other request waits until every earlier response is written and runs
/// alone, as before. Each connection has a <see cref="KafkaSession"/> over the server's credentials: with
/// none configured, a client that is not on loopback is closed at once (the REST API's rule); a failed SASL
/// step is answered, then the connection closed.
/// </summary>
public sealed class KafkaConnectionHandler : ConnectionHandler
{
    private const int FirstFrameBytes = 1024 * 1024;

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
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(closed);
        var responses = Channel.CreateUnbounded<InFlight>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var slots = new SemaphoreSlim(_options.MaxInFlightProduceRequests);
        var writing = Task.CompletedTask;
        try
        {
            if (!_credentials.Configured && !loopback)
            {
                _logger.LogWarning("Kafka connection {Connection} from {Remote} closed: no credentials are configured (CloudLog:Auth), so only loopback clients are served.", connection.ConnectionId, connection.RemoteEndPoint);
                return;
            }

            writing = WriteResponsesAsync(responses.Reader, output, slots, stop);
            Exception? failure = null;
            try
            {
                await ReadRequestsAsync(connection, session, responses.Writer, slots, stop).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = e;
                await stop.CancelAsync().ConfigureAwait(false);
            }

            responses.Writer.TryComplete();
            try
            {
                await writing.ConfigureAwait(false); // the responses in flight go out before the connection closes
            }
            catch (Exception e) when (failure is null or OperationCanceledException)
            {
                failure = e; // the reader stopped because the writer failed: the writer's failure is the cause
            }
            catch (Exception)
            {
                // the reader's failure is the cause; the writer stopped because of it
            }

            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the client went away (or stopped reading responses)
        }
        catch (KafkaProtocolException e)
        {
            _logger.LogWarning("Kafka connection {Connection} from {Remote} closed: {Reason}", connection.ConnectionId, connection.RemoteEndPoint, e.Message);
        }
        catch (ConnectionResetException)
        {
            // the client went away
        }
        catch (SessionClosing)
        {
            _logger.LogInformation("Kafka connection {Connection} from {Remote} closed after a refused SASL step.", connection.ConnectionId, connection.RemoteEndPoint);
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

    /// <summary>
    /// Reads requests until the client closes between two: a Produce request is started as soon as a slot is
    /// free and handed to the writer, and the next is read once its batches are queued (or it is done); any
    /// other request waits until every earlier response is written, then is answered before the next is read.
    /// </summary>
    private async Task ReadRequestsAsync(ConnectionContext connection, KafkaSession session, ChannelWriter<InFlight> responses, SemaphoreSlim slots, CancellationTokenSource stop)
    {
        var client = connection.RemoteEndPoint?.ToString();
        var pipelined = _options.MaxInFlightProduceRequests > 1;
        Task lastWritten = Task.CompletedTask;
        while (!stop.IsCancellationRequested)
        {
            var frame = await ReadFrameAsync(connection.Transport.Input, connection.ConnectionId, stop.Token).ConfigureAwait(false);
            if (frame is not { } request)
            {
                return;
            }

            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (pipelined && IsProduce(request.Memory.Span))
            {
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var response = AnswerAsync(request.Memory, client, session, () => queued.TrySetResult(), stop.Token);
                responses.TryWrite(new InFlight(response, request, written, Slot: true));
                lastWritten = written.Task;
                await Task.WhenAny(queued.Task, response).WaitAsync(stop.Token).ConfigureAwait(false);
                continue;
            }

            // Not pipelined: alone on the connection, as Kafka's brokers serve every request.
            await lastWritten.WaitAsync(stop.Token).ConfigureAwait(false);
            responses.TryWrite(new InFlight(AnswerAsync(request.Memory, client, session, queued: null, stop.Token), request, written, Slot: false));
            lastWritten = written.Task;
            await written.Task.WaitAsync(stop.Token).ConfigureAwait(false);
            if (session.CloseAfterResponse)
            {
                throw new SessionClosing();
            }
        }
    }

    /// <summary>Writes each request's response in the order the requests came; stops the connection when one fails.</summary>
    private static async Task WriteResponsesAsync(ChannelReader<InFlight> requests, PipeWriter output, SemaphoreSlim slots, CancellationTokenSource stop)
    {
        try
        {
            while (await requests.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (requests.TryRead(out var request))
                {
                    var response = await request.Response.ConfigureAwait(false);
                    request.Frame.Return(); // the handler is done with the request's bytes
                    if (response is { } writer)
                    {
                        try
                        {
                            if (!await writer.WriteToAsync(output, stop.Token).ConfigureAwait(false))
                            {
                                await stop.CancelAsync().ConfigureAwait(false); // the client stopped reading
                                return;
                            }
                        }
                        finally
                        {
                            writer.Release(); // the read buffers a fetch answer was written from go back
                        }
                    }

                    if (request.Slot)
                    {
                        slots.Release();
                    }

                    request.Written.TrySetResult();
                }
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Answers one request into a writer that keeps fetched record batches by reference, so they go from the read
    /// buffers they lie in straight to the connection and the buffers back to the pool once written: an answer of
    /// many MiB is never copied whole. Null when the request takes no answer.
    /// </summary>
    private async Task<KafkaWriter?> AnswerAsync(ReadOnlyMemory<byte> frame, string? client, KafkaSession session, Action? queued, CancellationToken cancellationToken)
    {
        var writer = new KafkaWriter(byReference: true);
        try
        {
            if (await _dispatcher.HandleAsync(frame, client, session, writer, queued, cancellationToken).ConfigureAwait(false))
            {
                return writer;
            }
        }
        catch
        {
            writer.Release();
            throw;
        }

        writer.Release();
        return null;
    }

    /// <summary>Whether a request frame is a Produce request (its first int16, the API key, is 0).</summary>
    private static bool IsProduce(ReadOnlySpan<byte> frame) =>
        frame.Length >= 2 && BinaryPrimitives.ReadInt16BigEndian(frame) == (short)ApiKey.Produce;

    /// <summary>A request handed to the response writer: its response to come, its frame, and when it was written.</summary>
    private sealed record InFlight(Task<KafkaWriter?> Response, PooledFrame Frame, TaskCompletionSource Written, bool Slot);

    /// <summary>Thrown to close the connection after a refused SASL step's answer went out.</summary>
    private sealed class SessionClosing : Exception;

    /// <summary>A request frame in an array rented from the shared pool, returned once its handler is done.</summary>
    private sealed class PooledFrame(byte[] array, int length)
    {
        private byte[]? _array = array;

        public ReadOnlyMemory<byte> Memory { get; } = array.AsMemory(0, length);

        public void Return()
        {
            if (Interlocked.Exchange(ref _array, null) is { } rented)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
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
    private async Task<PooledFrame?> ReadFrameAsync(PipeReader input, string connectionId, CancellationToken closed)
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
                    frame = ArrayPool<byte>.Shared.Rent(Math.Min(length, FirstFrameBytes)); // a lying length prefix gets no large allocation
                }

                if (length >= 0)
                {
                    var take = (int)Math.Min(rest.Length, length - filled);
                    if (filled + take > frame!.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, Math.Max((long)frame.Length * 2, filled + take)));
                        frame.AsSpan(0, filled).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(frame);
                        frame = larger;
                    }

                    rest.Slice(0, take).CopyTo(frame.AsSpan(filled));
                    filled += take;
                    rest = rest.Slice(take);
                    if (filled == length)
                    {
                        input.AdvanceTo(rest.Start);
                        var whole = new PooledFrame(frame, length);
                        frame = null;
                        return whole;
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
        finally
        {
            if (frame is not null)
            {
                ArrayPool<byte>.Shared.Return(frame); // a request that never came whole
            }
        }
    }
}
