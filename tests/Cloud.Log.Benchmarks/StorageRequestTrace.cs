using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// The storage requests a server process sends, counted from outside it: an EventPipe session (the runtime's
/// diagnostics channel, as <c>dotnet-trace</c> uses) on the process's <c>System.Net.Http</c> events, one
/// <c>RequestStart</c> per outgoing HTTP request. The server's only outgoing HTTP is to the storage (blobs and
/// tables), so these are its storage transactions (retries included); each is kept with its time and its kind (read
/// off the request's path: see <see cref="RequestKind"/>), to be counted in a window. Refused requests (412, the
/// append-position condition; 409, a sealed blob or a conflict) are counted apart from the answers' status codes.
/// </summary>
internal sealed class StorageRequestTrace : IAsyncDisposable
{
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _processing;
    private readonly List<(DateTime Time, RequestKind Kind)> _requests = [];
    private DateTime _lastEvent = DateTime.MinValue;

    private StorageRequestTrace(EventPipeSession session)
    {
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += Seen;
        _processing = Task.Run(() => _source.Process());
    }

    /// <summary>Starts counting the requests of process <paramref name="processId"/> (a .NET process of this machine).</summary>
    public static StorageRequestTrace Start(int processId)
    {
        var session = new DiagnosticsClient(processId).StartEventPipeSession([new EventPipeProvider("System.Net.Http", EventLevel.Informational, keywords: -1)], requestRundown: false);
        return new StorageRequestTrace(session);
    }

    /// <summary>Requests that started from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), UTC.</summary>
    public int CountBetween(DateTime from, DateTime to) => CountBetween(from, to, null);

    /// <summary>Requests (or refusals) of one kind from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), UTC; every request when null.</summary>
    public int CountBetween(DateTime from, DateTime to, RequestKind? kind)
    {
        lock (_requests)
        {
            return _requests.Count(r => r.Time >= from && r.Time < to && (kind is null ? r.Kind < RequestKind.Refused412 : r.Kind == kind));
        }
    }

    /// <summary>The kind of a storage request, from its path and query (Azure Storage's REST API).</summary>
    public static RequestKind KindOf(string? pathAndQuery)
    {
        var path = pathAndQuery ?? "";
        var q = path.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? path[q..] : "";
        var bare = q >= 0 ? path[..q] : path;
        if (bare.EndsWith(".log", StringComparison.Ordinal))
        {
            return query.Contains("comp=appendblock", StringComparison.Ordinal) ? RequestKind.DataAppend : RequestKind.DataOther;
        }

        return bare.EndsWith(".index", StringComparison.Ordinal) ? RequestKind.Index : RequestKind.Table;
    }

    /// <summary>Waits until an event from <paramref name="time"/> or later has arrived, or <paramref name="atMost"/> passed (the session delivers in batches).</summary>
    public async Task WaitUntilSeenAsync(DateTime time, TimeSpan atMost)
    {
        var deadline = DateTime.UtcNow + atMost;
        while (DateTime.UtcNow < deadline)
        {
            lock (_requests)
            {
                if (_lastEvent >= time)
                {
                    return;
                }
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerNotAvailableException or EndOfStreamException or IOException or TimeoutException)
        {
            // The process is gone: nothing to stop.
        }

        await _processing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _source.Dispose();
        _session.Dispose();
    }

    private void Seen(TraceEvent e)
    {
        var time = e.TimeStamp.ToUniversalTime();

        lock (_requests)
        {
            _lastEvent = time > _lastEvent ? time : _lastEvent;
            // The runtime's RequestStart event (start opcode): "Request/Start" as TraceEvent names it.
            if (e.ProviderName != "System.Net.Http")
            {
                return;
            }

            if (e.EventName is "Request/Start" or "RequestStart")
            {
                _requests.Add((time, KindOf(e.PayloadByName("pathAndQuery") as string)));
            }
            else if (e.EventName is "ResponseHeaders/Stop" or "ResponseHeadersStop" && e.PayloadByName("statusCode") is int status and (412 or 409))
            {
                _requests.Add((time, status == 412 ? RequestKind.Refused412 : RequestKind.Refused409));
            }
        }
    }
}
