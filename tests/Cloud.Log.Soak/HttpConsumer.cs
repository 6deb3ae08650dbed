using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Cloud.Log.Soak;

/// <summary>
/// Reads one partition over HTTP JSON from its start, each fetch from a server picked at random (a consumer
/// that assigns itself a partition and keeps its own position), and records what each fetch answered and
/// when it began.
/// </summary>
internal sealed class HttpConsumer(string name, Cluster cluster, string topic, int partition, int seed)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var random = new Random(seed);
        using var http = Cluster.NewHttpClient();
        long position = 0;
        while (!stop.IsCancellationRequested)
        {
            var server = cluster.Pick(random);
            var uri = new Uri(server.Endpoint, string.Create(CultureInfo.InvariantCulture, $"/api/topics/{topic}/partitions/{partition}/records?offset={position}&maxRecords=200&maxWaitMs=500"));
            var startedAt = History.Now();
            try
            {
                using var response = await http.GetAsync(uri, stop).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(stop).ConfigureAwait(false);
                cluster.History.Answered(name, response, text);
                if (response.IsSuccessStatusCode)
                {
                    var root = JsonDocument.Parse(text).RootElement;
                    var records = root.GetProperty("records").EnumerateArray()
                        .Select(r => (r.GetProperty("offset").GetInt64(), r.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "<not text>"))
                        .ToList();
                    cluster.History.Reads.Enqueue(new Read($"{name} via server {server.Index}", topic, partition, startedAt, root.GetProperty("highWatermark").GetInt64(), position, records, Continuous: false));
                    position = root.GetProperty("nextOffset").GetInt64();
                    continue;
                }

                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    // The answer still says where the log ends: a high watermark below an acknowledged offset is a stale read.
                    var highWatermark = JsonDocument.Parse(text).RootElement.GetProperty("highWatermark").GetInt64();
                    cluster.History.Reads.Enqueue(new Read($"{name} via server {server.Index}", topic, partition, startedAt, highWatermark, position, [], Continuous: false));
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException or KeyNotFoundException)
            {
            }

            cluster.History.Failed();
            if (!await SoakRun.DelayAsync(random.Next(100, 300), stop).ConfigureAwait(false))
            {
                return;
            }
        }
    }
}
