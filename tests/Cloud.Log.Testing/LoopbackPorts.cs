using System.Net;
using System.Net.Sockets;

namespace Cloud.Log.Testing;

/// <summary>
/// Loopback ports for a process that is stopped and started again on the same ports. A port the system
/// hands out for port 0 comes from its ephemeral range, the range every outgoing connection takes its local
/// port from: while the process is down, any connection on the machine (another test's, in parallel) may take
/// it, and the restart's bind fails. A port below that range is taken only by a process that asks for it by
/// number.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>Linux's default first ephemeral port, used where the system does not say.</summary>
    private const int DefaultEphemeralLow = 32768;

    /// <summary>The lowest port handed out: clear of the registered services below it that a machine may run.</summary>
    private const int Lowest = 12000;

    /// <summary>
    /// A port below the system's ephemeral range that nothing listens on now, chosen at random so that test
    /// processes running side by side rarely pick the same one (a start that loses the race sees its process
    /// exit and picks again).
    /// </summary>
    public static int BelowEphemeralRange()
    {
        var high = EphemeralLow();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Lowest, high);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {high} in 200 tries.");
    }

    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], out var low) && low > Lowest + 1000 ? low : DefaultEphemeralLow;
        }
        catch (IOException)
        {
            return DefaultEphemeralLow;
        }
        catch (UnauthorizedAccessException)
        {
            return DefaultEphemeralLow;
        }
    }
}
