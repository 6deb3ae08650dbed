using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cloud.Log.Testing;

/// <summary>
/// A loopback TCP proxy in front of one port (an Azurite service) whose behaviour is switched at run time
/// (<see cref="SetMode"/>): it forwards, refuses, hangs, resets, slows down or answers HTTP 503 (see
/// <see cref="FaultMode"/>), so a fault test sees what a client sees of a network or a store that fails,
/// while the store behind the proxy keeps all it had.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<Connection, bool> _open = new();
    private readonly CancellationTokenSource _disposed = new();
    private TcpListener? _listener;
    private FaultMode _mode = FaultMode.Pass;
    private TimeSpan _latency = TimeSpan.FromMilliseconds(200);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FaultProxy(int port, int targetPort)
    {
        Port = port;
        TargetPort = targetPort;
    }

    /// <summary>The loopback port the proxy listens on.</summary>
    public int Port { get; }

    /// <summary>The loopback port it forwards to.</summary>
    public int TargetPort { get; }

    /// <summary>What the proxy does now.</summary>
    public FaultMode Mode
    {
        get
        {
            lock (_lock)
            {
                return _mode;
            }
        }
    }

    /// <summary>The wait before each forwarded chunk in <see cref="FaultMode.Delay"/>.</summary>
    public TimeSpan Latency
    {
        get
        {
            lock (_lock)
            {
                return _latency;
            }
        }
    }

    /// <summary>The connections the proxy holds open now (forwarded or answered with 503).</summary>
    public int OpenConnections => _open.Count;

    /// <summary>A proxy on a free loopback port to <paramref name="targetPort"/>, forwarding.</summary>
    public static FaultProxy Create(int targetPort)
    {
        var port = LoopbackPorts.BelowEphemeralRange(); // it listens again on this port after a fault
        var proxy = new FaultProxy(port, targetPort);
        proxy.Listen();
        return proxy;
    }

    /// <summary>
    /// Switches to <paramref name="mode"/> at once: <see cref="FaultMode.Refuse"/> stops listening and cuts
    /// every open connection; <see cref="FaultMode.Reset"/> resets every open connection;
    /// <see cref="FaultMode.ServiceUnavailable"/> closes the forwarded ones (so clients reconnect and get 503);
    /// <see cref="FaultMode.Hang"/> holds every chunk until the mode changes (then passes it on);
    /// <see cref="FaultMode.Delay"/> waits <paramref name="latency"/> (or the last one set) before each chunk.
    /// </summary>
    public void SetMode(FaultMode mode, TimeSpan? latency = null)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        TaskCompletionSource changed;
        lock (_lock)
        {
            _mode = mode;
            if (latency is { } wait)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(latency));
                _latency = wait;
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (mode == FaultMode.Refuse)
            {
                _listener?.Stop();
                _listener = null;
            }
            else
            {
                Listen();
            }
        }

        changed.TrySetResult();
        foreach (var connection in _open.Keys)
        {
            switch (mode)
            {
                case FaultMode.Refuse:
                    connection.Close(reset: false);
                    break;
                case FaultMode.Reset:
                    connection.Close(reset: true);
                    break;
                case FaultMode.ServiceUnavailable when connection.Forwarded:
                    connection.Close(reset: false);
                    break;
                default:
                    break;
            }
        }
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
            _changed.TrySetResult();
        }

        foreach (var connection in _open.Keys)
        {
            connection.Close(reset: false);
        }
    }

    /// <summary>Starts listening where the proxy is not (called under the lock or before it is shared).</summary>
    private void Listen()
    {
        if (_listener is not null)
        {
            return;
        }

        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _ = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_disposed.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await listener.AcceptSocketAsync(_disposed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = ServeAsync(inbound);
        }
    }

    private async Task ServeAsync(Socket inbound)
    {
        var mode = Mode;
        var connection = new Connection(inbound, forwarded: mode != FaultMode.ServiceUnavailable);
        _open[connection] = true;
        try
        {
            if (mode is FaultMode.Reset or FaultMode.Refuse)
            {
                connection.Close(reset: mode == FaultMode.Reset);
            }
            else if (mode == FaultMode.ServiceUnavailable)
            {
                await AnswerBusyAsync(connection).ConfigureAwait(false);
            }
            else
            {
                await ForwardAsync(connection, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The connection was cut (by either side or by a mode change).
        }
        finally
        {
            _open.TryRemove(connection, out _);
            connection.Close(reset: false);
        }
    }

    private async Task ForwardAsync(Connection connection, ReadOnlyMemory<byte> received)
    {
        connection.Forwarded = true;
        var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        connection.Outbound = outbound;
        if (connection.Closed)
        {
            outbound.Dispose();
            return;
        }

        await outbound.ConnectAsync(IPAddress.Loopback, TargetPort, _disposed.Token).ConfigureAwait(false);
        if (!received.IsEmpty)
        {
            await GateAsync(_disposed.Token).ConfigureAwait(false);
            using var target = new NetworkStream(outbound, ownsSocket: false);
            await target.WriteAsync(received, _disposed.Token).ConfigureAwait(false);
        }

        using var cut = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        var up = PumpAsync(connection.Inbound, outbound, cut.Token);
        var down = PumpAsync(outbound, connection.Inbound, cut.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await cut.CancelAsync().ConfigureAwait(false);
        connection.Close(reset: false);
        await Task.WhenAll(up, down).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var source = new NetworkStream(from, ownsSocket: false);
        using var target = new NetworkStream(to, ownsSocket: false);
        while (true)
        {
            var read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            await GateAsync(cancellationToken).ConfigureAwait(false);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Holds a chunk while the proxy hangs, and waits the latency while it delays.</summary>
    private async Task GateAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            FaultMode mode;
            TimeSpan latency;
            Task changed;
            lock (_lock)
            {
                (mode, latency, changed) = (_mode, _latency, _changed.Task);
            }

            if (mode == FaultMode.Hang)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (mode == FaultMode.Delay && latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, cancellationToken).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>
    /// Reads one HTTP/1.1 request after another (its head, then a Content-Length body) and answers each with
    /// 503 Server Busy; once the mode has changed, the next request and all after it are forwarded. A chunked
    /// body or a head past 64 KiB ends the connection.
    /// </summary>
    private async Task AnswerBusyAsync(Connection connection)
    {
        using var stream = new NetworkStream(connection.Inbound, ownsSocket: false);
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            int headEnd;
            while ((headEnd = buffer.AsSpan(0, length).IndexOf(EndOfHead)) < 0)
            {
                if (length == buffer.Length)
                {
                    return;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), _disposed.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                length += read;
            }

            if (Mode != FaultMode.ServiceUnavailable)
            {
                // The fault is over: this request and what follows go to the store.
                await ForwardAsync(connection, buffer.AsMemory(0, length)).ConfigureAwait(false);
                return;
            }

            var (contentLength, chunked) = ParseHead(Encoding.ASCII.GetString(buffer, 0, headEnd));
            var consumed = headEnd + EndOfHead.Length;
            var inBuffer = Math.Min(contentLength, length - consumed);
            consumed += (int)inBuffer;
            for (var remaining = contentLength - inBuffer; remaining > 0;)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), _disposed.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                remaining -= read;
            }

            buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
            length -= consumed;
            var last = chunked;
            var response =
                "HTTP/1.1 503 Server Busy\r\n" +
                "Content-Length: 0\r\n" +
                "Retry-After: 1\r\n" +
                "x-ms-error-code: ServerBusy\r\n" +
                "Date: " + DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture) + "\r\n" +
                (last ? "Connection: close\r\n" : "") +
                "\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _disposed.Token).ConfigureAwait(false);
            if (last)
            {
                return;
            }
        }
    }

    /// <summary>The Content-Length of a request head (0 when absent) and whether its body is chunked.</summary>
    private static (long ContentLength, bool Chunked) ParseHead(string head)
    {
        long contentLength = 0;
        var chunked = false;
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                contentLength = parsed;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) &&
                value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
        }

        return (chunked ? 0 : contentLength, chunked);
    }

    /// <summary>One accepted connection and, when forwarded, the connection to the target.</summary>
    private sealed class Connection(Socket inbound, bool forwarded)
    {
        private int _closed;

        public Socket Inbound { get; } = inbound;

        public bool Forwarded { get; set; } = forwarded;

        public Socket? Outbound { get; set; }

        public bool Closed => Volatile.Read(ref _closed) != 0;

        /// <summary>Closes both sides, with a TCP reset where <paramref name="reset"/> (else an orderly FIN).</summary>
        public void Close(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            foreach (var socket in new[] { Inbound, Outbound })
            {
                if (socket is null)
                {
                    continue;
                }

                try
                {
                    if (reset)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    else if (socket.Connected)
                    {
                        socket.Shutdown(SocketShutdown.Both);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }
        }
    }
}
