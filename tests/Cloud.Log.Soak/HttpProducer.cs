using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cloud.Log.Soak;

/// <summary>
/// Produces over HTTP JSON, one request of 1 to 3 keyless records at a time, each request to a server picked
/// at random, acks=all. Plain: a failed request is not retried (so any value stored twice is a duplicate the
/// service made). Idempotent: each request carries an <c>Idempotency-Key</c> and is retried, on any server,
/// for up to a minute.
/// </summary>
internal sealed class HttpProducer(string name, Cluster cluster, string topic, bool idempotent, int seed)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var random = new Random(seed);
        using var http = Cluster.NewHttpClient();
        long sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            var first = sequence;
            var values = Enumerable.Range(0, random.Next(1, 4)).Select(i => $"{name}-{first + i}").ToList();
            sequence += values.Count;
            foreach (var value in values)
            {
                cluster.History.Sent[value] = new Sent(name, AtMostOnce: true);
            }

            var body = new JsonObject
            {
                ["acks"] = "all",
                ["records"] = new JsonArray([.. values.Select(v => (JsonNode)new JsonObject { ["value"] = v })]),
            }.ToJsonString();
            var tried = Stopwatch.StartNew();
            while (true)
            {
                var server = cluster.Pick(random);
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Endpoint, $"/api/topics/{topic}/records"))
                {
                    Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
                };
                if (idempotent)
                {
                    request.Headers.Add("Idempotency-Key", $"{name}-{first}");
                }

                try
                {
                    using var response = await http.SendAsync(request, stop).ConfigureAwait(false);
                    var text = await response.Content.ReadAsStringAsync(stop).ConfigureAwait(false);
                    cluster.History.Answered(name, response, text);
                    if (response.IsSuccessStatusCode)
                    {
                        var ackedAt = History.Now();
                        var offsets = JsonDocument.Parse(text).RootElement.GetProperty("offsets");
                        var i = 0;
                        foreach (var offset in offsets.EnumerateArray())
                        {
                            cluster.History.Acks.Enqueue(new Ack(name, first + i, topic, offset.GetProperty("partition").GetInt32(), offset.GetProperty("offset").GetInt64(), values[i], ackedAt, Ordered: true));
                            i++;
                        }

                        break;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    // Refused, reset or timed out: an ambiguous failure.
                }

                cluster.History.Failed();
                if (!idempotent || tried.Elapsed > TimeSpan.FromMinutes(1))
                {
                    break;
                }

                if (!await SoakRun.DelayAsync(random.Next(100, 400), stop).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (!await SoakRun.DelayAsync(random.Next(0, 20), stop).ConfigureAwait(false))
            {
                return;
            }
        }
    }
}
