using System.Diagnostics.Metrics;
using Cloud.Log.Core;

namespace Cloud.Log.Server;

/// <summary>
/// The server's memory gauges, on the meter <c>Cloud.Log.Server</c> beside the runtime's own (read them with
/// <c>dotnet-counters monitor -p &lt;pid&gt; --counters System.Runtime,Cloud.Log.Server</c>; docs/memory.md): what the
/// tail caches hold, and the GC heap's size and committed bytes after the last collection.
/// </summary>
internal static class ServerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Cloud.Log.Server";

    /// <summary>Publishes the gauges of <paramref name="engine"/> on a meter of <paramref name="meters"/> (disposed with the app's services).</summary>
    public static void Observe(IMeterFactory meters, CloudLogEngine engine)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("cloudlog.tail_cache.size", () => engine.TailCacheBytes, "By", "Bytes of the arrays the tail caches keep alive (counted against CloudLog:Engine:TailCacheBytes)");
        meter.CreateObservableGauge("cloudlog.gc.heap.size", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By", "The GC heap after the last collection, garbage not yet collected included");
        meter.CreateObservableGauge("cloudlog.gc.committed.size", () => GC.GetGCMemoryInfo().TotalCommittedBytes, "By", "Memory the GC has committed");
    }
}
