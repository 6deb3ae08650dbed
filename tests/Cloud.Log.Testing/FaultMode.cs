namespace Cloud.Log.Testing;

/// <summary>What a <see cref="FaultProxy"/> does with the traffic to the port behind it.</summary>
public enum FaultMode
{
    /// <summary>Forwards every connection both ways, as a healthy network does.</summary>
    Pass,

    /// <summary>Does not listen and cuts the open connections: a connection attempt is refused, as a location that is down.</summary>
    Refuse,

    /// <summary>Accepts connections and forwards nothing either way until the mode changes: a hung store.</summary>
    Hang,

    /// <summary>Resets (TCP RST) every open connection, and each new one as soon as it is accepted.</summary>
    Reset,

    /// <summary>Forwards, but waits <see cref="FaultProxy.Latency"/> before each chunk it passes on: a slow store.</summary>
    Delay,

    /// <summary>
    /// Answers every HTTP/1.1 request with <c>503 Server Busy</c> (and <c>x-ms-error-code: ServerBusy</c>,
    /// <c>Retry-After: 1</c>), as Azure Storage does when it throttles, without forwarding anything.
    /// </summary>
    ServiceUnavailable,
}
