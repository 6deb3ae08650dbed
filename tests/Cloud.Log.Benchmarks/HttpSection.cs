using System.Diagnostics;
using System.Text;
using Cloud.Log.Client;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 3 and the HTTP half of 4: the standalone server in its own process, driven by the SDK (binary
/// record batches) and by plain JSON over HttpClient, with the server's memory and CPU read as it runs.
/// </summary>
internal static class HttpSection
{
    private const int RecordBytes = 1024;
    private const int Partitions = 8;

    /// <summary>The figure every server case reports: the server's largest resident set while the case ran.</summary>
    public const string ServerPeakRss = "server peak RSS MiB";

    /// <summary>The figure a fetch's cost is driven down by: the server's CPU time per MB it answered.</summary>
    public const string ServerCpuPerMegabyte = "server CPU ms per MB";

    /// <summary>The end-to-end latency's budget: two storage round trips at p99 plus the producer's linger.</summary>
    public const string LatencyBudget = "2 round trips + linger ms";

    /// <summary>
    /// 1, 4 and 16 concurrent producers, JSON and binary, 1 KiB records, each against raw AppendBlock at the
    /// block size the server wrote in that case (read off the storage afterwards) from as many streams as
    /// there are partitions.
    /// </summary>
    public static async Task RunProduceAsync(BenchmarkRun run, ServerProcess server, RawStorage raw, StoredBlocks stored)
    {
        var admin = new CloudLogAdminClient(server.Endpoint);
        _ = await stored.NewSinceLastAsync().ConfigureAwait(false);
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        var jsonBody = JsonBody();
        foreach (var producers in new[] { 1, 4, 16 })
        {
            foreach (var binary in new[] { true, false })
            {
                var label = $"{(binary ? "binary, SDK" : "JSON, HttpClient")}, {producers} producer(s)";
                await Paired.RunAsync(run, Sections.HttpProduce, label, async _ =>
                {
                    var (measurement, blockBytes) = await ProduceRoundAsync(run, server, admin, stored, label, producers, binary, value, jsonBody).ConfigureAwait(false);
                    return new Paired.CaseRound(measurement, () => raw.AppendAsync(blockBytes, Partitions));
                }).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One round of HTTP produce: a fresh 8-partition topic, <paramref name="producers"/> producers (SDK or JSON), the block size written.</summary>
    public static async Task<(Measurement Measurement, int BlockBytes)> ProduceRoundAsync(BenchmarkRun run, ServerProcess server, CloudLogAdminClient admin, StoredBlocks stored, string label, int producers, bool binary, byte[] value, byte[] jsonBody)
    {
        var topic = "http-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateTopicAsync(topic, Partitions, replicationFactor: 1).ConfigureAwait(false);
        server.ResetPeak();
        var cpuBefore = server.CpuTime;
        LoadResult result;
        if (binary)
        {
            var clients = Enumerable.Range(0, producers).Select(_ => new CloudLogProducerClient(server.Endpoint)).ToList();
            try
            {
                // Each producer keeps 256 records in flight, as an application producing without awaiting each one does.
                result = await Load.RunAsync(run.Duration, producers, async p =>
                {
                    await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => clients[p].ProduceAsync(topic, new CloudLogMessage(null, new BinaryData(value))))).ConfigureAwait(false);
                    return new Load.Done(256, 256L * RecordBytes);
                }, countingStarts: () => cpuBefore = server.CpuTime).ConfigureAwait(false);
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        else
        {
            using var http = new HttpClient { BaseAddress = server.Endpoint };
            var path = new Uri($"/api/topics/{topic}/records", UriKind.Relative);
            result = await Load.RunAsync(run.Duration, producers, async _ =>
            {
                using var content = new ByteArrayContent(jsonBody);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(path, content).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                return new Load.Done(16, 16L * RecordBytes);
            }, countingStarts: () => cpuBefore = server.CpuTime).ConfigureAwait(false);
        }

        var cpu = server.CpuTime - cpuBefore;
        var peakRss = server.PeakRssMib;
        var written = await stored.NewSinceLastAsync().ConfigureAwait(false);
        var blockBytes = written.BlockBytes(fallback: RecordBytes);
        var measurement = new Measurement(Sections.HttpProduce, label)
        {
            RecordsPerSecond = result.RecordsPerSecond,
            MegabytesPerSecond = result.MegabytesPerSecond,
            RequestsPerSecond = binary ? 0 : result.OperationsPerSecond,
            Figures =
                {
                    [ServerPeakRss] = peakRss,
                    ["server CPU ms per 1,000 records"] = result.Records == 0 ? double.NaN : cpu.TotalMilliseconds * 1000 / result.Records,
                    ["block KiB"] = blockBytes / 1024.0,
                    ["index appends per data block"] = written.IndexAppendsPerDataBlock,
                    ["machine CPU busy %"] = result.MachineCpuPercent,
                    [MachineCpu.StolenFigure] = result.MachineStolenPercent,
                    ["failed operations"] = result.Failures,
                },
        };
        return (measurement, blockBytes);
    }

    /// <summary>The server's CPU time per MB of the case, from its CPU in percent of a core; NaN when not watched.</summary>
    /// <summary>A binary fetch round over plain HttpClient: bytes of stored batches, and records counted from them.</summary>
    private static Measurement BinaryFetchMeasurement(string label, LoadResult result, ServerProcess server, long blockBytes) => new(Sections.Fetch, label)
    {
        MegabytesPerSecond = result.MegabytesPerSecond,
        RequestsPerSecond = result.OperationsPerSecond,
        RecordsPerSecond = result.Bytes / (FetchSection.RecordBytes + 20.0) / result.Elapsed.TotalSeconds,
        Figures = FetchFigures(result, server, blockBytes),
    };

    /// <summary>What every fetch round reports beside its rate: CPU, the server's peak memory and CPU per MB, the blocks read.</summary>
    private static Dictionary<string, double> FetchFigures(LoadResult result, ServerProcess server, long blockBytes) =>
        new(result.CpuFigures()) { [ServerPeakRss] = server.PeakRssMib, [ServerCpuPerMegabyte] = CpuPerMegabyte(result), ["block KiB"] = blockBytes / 1024.0 };

    private static double CpuPerMegabyte(LoadResult result) =>
        result.ProcessCpuPercent.TryGetValue("server CPU % of a core", out var percent) && result.MegabytesPerSecond > 0
            ? percent * 10 / result.MegabytesPerSecond
            : double.NaN;

    /// <summary>The JSON body the JSON producers send: 16 records of 1 KiB.</summary>
    public static byte[] JsonBody() => Encoding.UTF8.GetBytes("{\"records\":[" + string.Join(",", Enumerable.Repeat($"{{\"value\":\"{new string('x', RecordBytes)}\"}}", 16)) + "]}");

    /// <summary>
    /// The binary fetch itself over HttpClient (1 MiB at a time, each partition read from the beginning over and
    /// over: one request per partition, then one request for all of them, <c>POST /api/fetch</c>), then the SDK's
    /// consumer doing the same with its decoding and prefetch (one request per round for all its partitions),
    /// against raw range reads.
    /// </summary>
    public static async Task RunFetchAsync(BenchmarkRun run, ServerProcess server, string topic, int partitions, RawStorage raw, long blobBytes, int blockBytes)
    {
        using (var http = new HttpClient { BaseAddress = server.Endpoint })
        {
            foreach (var readers in new[] { 1, partitions })
            {
                var label = $"HTTP (HttpClient, binary), {readers} partition(s)";
                await Paired.RunAsync(run, Sections.Fetch, label, async _ =>
                {
                    server.ResetPeak();
                    var next = new long[readers];
                    var result = await Load.RunAsync(run.Duration, readers, async p =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/topics/{topic}/partitions/{p}/records?offset={next[p]}&maxBytes=1048576&maxRecords=100000");
                        request.Headers.Accept.ParseAdd(Cloud.Log.Protocol.Wire.MediaTypes.RecordBatches);
                        using var response = await http.SendAsync(request).ConfigureAwait(false);
                        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                        var nextOffset = long.Parse(response.Headers.GetValues(Cloud.Log.Protocol.Wire.FetchHeaders.NextOffset).Single(), System.Globalization.CultureInfo.InvariantCulture);
                        var highWatermark = long.Parse(response.Headers.GetValues(Cloud.Log.Protocol.Wire.FetchHeaders.HighWatermark).Single(), System.Globalization.CultureInfo.InvariantCulture);
                        next[p] = nextOffset >= highWatermark ? 0 : nextOffset;
                        return new Load.Done(0, body.Length);
                    }, processes: run.Processes).ConfigureAwait(false);
                    return new Paired.CaseRound(BinaryFetchMeasurement(label, result, server, blockBytes), () => raw.RangeReadAsync(readers, 1024 * 1024, blobBytes, blockBytes));
                }).ConfigureAwait(false);
            }
        }

        using (var http = new HttpClient { BaseAddress = server.Endpoint })
        {
            var label = $"HTTP (HttpClient, binary, one request for all), {partitions} partition(s)";
            await Paired.RunAsync(run, Sections.Fetch, label, async _ =>
            {
                server.ResetPeak();
                var next = new long[partitions];
                var result = await Load.RunAsync(run.Duration, 1, async _ =>
                {
                    var body = "{\"partitions\":[" + string.Join(",", Enumerable.Range(0, partitions).Select(p => $"{{\"topic\":\"{topic}\",\"partition\":{p},\"offset\":{next[p]},\"maxBytes\":1048576,\"maxRecords\":100000}}")) + "]}";
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/fetch") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    request.Headers.Accept.ParseAdd(Cloud.Log.Protocol.Wire.MediaTypes.RecordBatches);
                    using var response = await http.SendAsync(request).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    var frames = Cloud.Log.Protocol.Wire.FetchFrames.Read(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
                    long bytes = 0;
                    foreach (var frame in frames)
                    {
                        next[frame.Partition] = frame.NextOffset >= frame.HighWatermark ? 0 : frame.NextOffset;
                        bytes += frame.Batches.Length;
                    }

                    return new Load.Done(0, bytes);
                }, processes: run.Processes).ConfigureAwait(false);
                return new Paired.CaseRound(BinaryFetchMeasurement(label, result, server, blockBytes), () => raw.RangeReadAsync(partitions, 1024 * 1024, blobBytes, blockBytes));
            }).ConfigureAwait(false);
        }

        foreach (var readers in new[] { 1, partitions })
        {
            var label = $"HTTP (SDK consumer), {readers} partition(s)";
            await Paired.RunAsync(run, Sections.Fetch, label, async _ =>
            {
                var measurement = await ConsumeRoundAsync(run, server, topic, readers, blockBytes, label).ConfigureAwait(false);
                return new Paired.CaseRound(measurement, () => raw.RangeReadAsync(readers, 1024 * 1024, blobBytes, blockBytes));
            }).ConfigureAwait(false);
        }
    }

    /// <summary>One round of the SDK's consumer reading <paramref name="readers"/> partitions of the filled topic from the start, over and over.</summary>
    public static async Task<Measurement> ConsumeRoundAsync(BenchmarkRun run, ServerProcess server, string topic, int readers, int blockBytes, string label)
    {
        server.ResetPeak();
        await using var consumer = new CloudLogConsumerClient(server.Endpoint, new CloudLogConsumerClientOptions { MaxPollRecords = 5_000, PrefetchCount = 5_000, FetchMaxWait = TimeSpan.Zero });
        var assigned = Enumerable.Range(0, readers).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)).ToList();
        var ends = new Dictionary<TopicPartition, long>();
        foreach (var partition in assigned)
        {
            ends[partition.TopicPartition] = (await consumer.QueryWatermarkOffsetsAsync(partition.TopicPartition).ConfigureAwait(false)).High;
        }

        consumer.Assign(assigned);
        await WaitForFirstRecordsAsync(consumer).ConfigureAwait(false); // the round measures reading, not the consumer's first fetch
        foreach (var partition in assigned)
        {
            consumer.Seek(partition);
        }

        var result = await Load.RunAsync(run.Duration, 1, async _ =>
        {
            // A poll returns as soon as it has a record; the long wait is for a fetch that takes longer on a loaded
            // machine (after a seek to the start), so that no counted poll comes back empty.
            var records = await consumer.PollAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            foreach (var partition in assigned.Where(p => consumer.Position(p.TopicPartition) >= ends[p.TopicPartition]))
            {
                consumer.Seek(partition); // at the end: read it all again
            }

            return new Load.Done(records.Count, records.Sum(r => (long)(r.Value?.ToMemory().Length ?? 0)));
        }, processes: run.Processes).ConfigureAwait(false);
        var measurement = new Measurement(Sections.Fetch, label)
        {
            RecordsPerSecond = result.RecordsPerSecond,
            MegabytesPerSecond = result.MegabytesPerSecond,
            Figures = FetchFigures(result, server, blockBytes),
            Note = "record values only (batch framing not counted)",
        };
        return measurement;
    }

    private static async Task WaitForFirstRecordsAsync(CloudLogConsumerClient consumer)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await consumer.PollAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false)).Count == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The SDK consumer read nothing in 30 s.");
            }
        }
    }

    /// <summary>
    /// One record at a time from a producer without linger to a consumer long-polling at the end: the time from
    /// the produce call to the consumer holding the record, <see cref="BenchmarkRun.LatencySamples"/> times, against
    /// two storage round trips at the same percentile plus the linger (the p99 against two p99 round trips:
    /// Azurite's own tail is most of a p99).
    /// </summary>
    public static async Task RunLatencyAsync(BenchmarkRun run, ServerProcess server, (double P50, double P99) roundTrip)
    {
        run.Step("end-to-end latency");
        var topic = "latency-" + Guid.NewGuid().ToString("N")[..8];
        await new CloudLogAdminClient(server.Endpoint).CreateTopicAsync(topic, 1, replicationFactor: 1).ConfigureAwait(false);
        var options = new CloudLogProducerClientOptions { Linger = TimeSpan.Zero };
        await using var producer = new CloudLogProducerClient(server.Endpoint, options);
        await using var consumer = new CloudLogConsumerClient(server.Endpoint, new CloudLogConsumerClientOptions { FetchMaxWait = TimeSpan.FromSeconds(10) });
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.End)]);
        await producer.ProduceAsync(new TopicPartition(topic, 0), new CloudLogMessage(null, BinaryData.FromString("0"))).ConfigureAwait(false);
        await consumer.ConsumeAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false); // the consumer is at the end, long-polling

        server.ResetPeak();
        var count = run.LatencySamples;
        var endToEnd = new List<double>();
        var acked = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            var produce = producer.ProduceAsync(new TopicPartition(topic, 0), new CloudLogMessage(null, BinaryData.FromString(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            var seen = await consumer.ConsumeAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false) ?? throw new TimeoutException("The consumer did not see a record in 30 s.");
            endToEnd.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            await produce.ConfigureAwait(false);
            acked.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            _ = seen;
            await Task.Delay(1).ConfigureAwait(false);
        }

        var latencies = new LoadResult(count, count, 0, TimeSpan.FromSeconds(1), endToEnd);
        var acks = new LoadResult(count, count, 0, TimeSpan.FromSeconds(1), acked);
        run.Add(new Measurement(Sections.Latency, "produce call to a long-polling consumer, 1 partition, linger 0")
        {
            Figures = new(latencies.LatencyFigures())
            {
                ["max ms"] = latencies.Percentile(100),
                ["ack p50 ms"] = acks.Percentile(50),
                ["ack p99 ms"] = acks.Percentile(99),
                ["ack p99.9 ms"] = acks.Percentile(99.9),
                ["storage round trip p50 ms"] = roundTrip.P50,
                ["storage round trip p99 ms"] = roundTrip.P99,
                [LatencyBudget] = (2 * roundTrip.P99) + options.Linger.TotalMilliseconds,
                [ServerPeakRss] = server.PeakRssMib,
            },
        });
    }
}
