using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cloud.Log.Testing;

/// <summary>
/// A loopback TCP relay in front of one port, for outages that are outages: while up it forwards every
/// connection both ways; <see cref="Stop"/> closes its listener and cuts every open connection, so the
/// endpoint refuses connections (as a location that is down does) while the store behind it keeps all it
/// had; <see cref="Start"/> listens on the same port again.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<TcpClient, bool> _open = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    private TcpRelay(int port, int targetPort)
    {
        Port = port;
        _targetPort = targetPort;
    }

    /// <summary>The loopback port the relay listens on.</summary>
    public int Port { get; }

    /// <summary>A relay on a free loopback port to <paramref name="targetPort"/>; it starts up unless <paramref name="up"/> is false.</summary>
    public static TcpRelay Create(int targetPort, bool up = true)
    {
        var port = LoopbackPorts.BelowEphemeralRange(); // it listens again on this port after a fault
        var relay = new TcpRelay(port, targetPort);
        if (up)
        {
            relay.Start();
        }

        return relay;
    }

    /// <summary>Listens and forwards again.</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            return;
        }

        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _stop = new CancellationTokenSource();
        _ = AcceptAsync(listener, _stop.Token);
    }

    /// <summary>Refuses new connections and cuts the open ones.</summary>
    public void Stop()
    {
        _stop?.Cancel();
        _listener?.Stop();
        _listener = null;
        foreach (var client in _open.Keys)
        {
            client.Dispose();
        }

        _open.Clear();
        _stop?.Dispose();
        _stop = null;
    }

    public void Dispose() => Stop();

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(inbound, cancellationToken);
        }
    }

    private async Task RelayAsync(TcpClient inbound, CancellationToken cancellationToken)
    {
        var outbound = new TcpClient();
        _open[inbound] = true;
        _open[outbound] = true;
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, cancellationToken).ConfigureAwait(false);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _open.TryRemove(inbound, out _);
            _open.TryRemove(outbound, out _);
            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
