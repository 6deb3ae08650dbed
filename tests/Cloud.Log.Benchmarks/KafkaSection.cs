using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Cloud.Log.Testing;
using Confluent.Kafka;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 8: Kafka's wire protocol through Confluent.Kafka (librdkafka) against the server's Kafka listener, in
/// its own process: produce against raw AppendBlock at the blocks the server wrote, fetch against raw range
/// reads, each case and its limit in alternating rounds; then produce with each compression type (stored
/// decompressed), for the server's CPU per MB and the bytes sent and stored.
/// </summary>
internal static class KafkaSection
{
    private const int RecordBytes = 1024;
    private const int Partitions = 8;

    /// <summary>Records each producing worker hands librdkafka before it waits for their acknowledgements.</summary>
    private const int RecordsPerOperation = 1_000;

    /// <summary>
    /// Producing workers, so records handed to librdkafka and not yet acknowledged: 32 × 1,000 × 1 KiB, 32 MB. That
    /// is more than the listener takes from a connection (16 Produce requests in flight,
    /// <c>CloudLog:Kafka:MaxInFlightProduceRequests</c>, of up to librdkafka's 1 MB batches), so what bounds the case
    /// is the listener, as for an application that produces as fast as librdkafka takes records (it queues up to
    /// 100,000, <c>queue.buffering.max.messages</c>). With 8 workers (8 MB) the benchmark itself was the bound: each
    /// partition's next block waited for the records the last one acknowledged (10 requests in flight of the 16).
    /// </summary>
    private const int ProducingWorkers = 32;

    /// <summary>
    /// The fetch figures: the server's storage requests per second, counted from outside it (its limit's are its
    /// requests/s), all of them and by kind: range and property reads of data blobs, offset index reads, table requests.
    /// </summary>
    private static readonly (RequestKind? Kind, string Figure)[] FetchRequests =
    [
        (null, "server storage requests/s"),
        (RequestKind.DataOther, "server data blob reads/s"),
        (RequestKind.Index, "server index requests/s"),
        (RequestKind.Table, "server table requests/s"),
    ];

    /// <summary>The compression figure: the server's CPU time per MiB of record values produced.</summary>
    public const string CpuPerMib = "server CPU ms per MiB";

    /// <summary>The compression figure: bytes on the wire (librdkafka's tx_bytes) per MiB of record values.</summary>
    public const string SentPerMib = "bytes sent per MiB";

    /// <summary>The compression figure: bytes stored (data blocks appended) per MiB of record values.</summary>
    public const string StoredPerMib = "bytes stored per MiB";

    public static async Task RunAsync(BenchmarkRun run, string connectionString, RawStorage raw)
    {
        run.Step("starting a server with the Kafka listener");
        var prefix = StorageFixture.NewPrefix();
        var port = FreePort();
        await using var server = await ServerProcess.StartAsync(connectionString, prefix, new Dictionary<string, string>
        {
            ["CloudLog__Kafka__Enabled"] = "true",
            ["CloudLog__Kafka__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["CloudLog__Engine__TailCacheBytesPerPartition"] = "0", // reads come from storage, as in section 4
        }).ConfigureAwait(false);
        run.Processes["server"] = server.ProcessId;
        var bootstrap = $"127.0.0.1:{port}";
        var admin = new Cloud.Log.Client.CloudLogAdminClient(server.Endpoint);
        var stored = StoredBlocks.For(connectionString, prefix);
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);

        // Warm-up, untimed: the server process is new, and for its first seconds of produce most of its CPU goes to
        // the JIT (measured with perf: libclrjit and the runtime took three quarters of the server's samples in the
        // produce rounds, the listener's and engine's own code a few percent). A server serves for days; the rounds
        // measure it warm.
        run.Step("warming the server up: Kafka produce, untimed");
        var warmTopic = await NewTopicAsync(admin, "kafkawarm").ConfigureAwait(false);
        using (var warmProducer = Producer(bootstrap, CompressionType.None))
        {
            _ = await Load.RunAsync(WarmUp(run), ProducingWorkers, _ => ProduceChunkAsync(warmProducer, warmTopic, _ => value)).ConfigureAwait(false);
        }

        const string ProduceLabel = "Confluent.Kafka producer, acks=1, 8 partition(s), 1 KiB records";
        await Paired.RunAsync(run, Sections.KafkaProduce, ProduceLabel, async round =>
        {
            var topic = await NewTopicAsync(admin, "kafka").ConfigureAwait(false);
            _ = await stored.NewSinceLastAsync().ConfigureAwait(false);
            server.ResetPeak();
            var cpuBefore = server.CpuTime;
            var statistics = new ProducerStatistics();
            using var producer = Producer(bootstrap, CompressionType.None, statistics.Add);
            var result = await Load.RunAsync(run.Duration, ProducingWorkers, _ => ProduceChunkAsync(producer, topic, _ => value), countingStarts: () =>
            {
                cpuBefore = server.CpuTime;
                statistics.StartCounting();
            }).ConfigureAwait(false);
            var cpu = server.CpuTime - cpuBefore;
            statistics.StopCounting();
            var blockBytes = (await stored.NewSinceLastAsync().ConfigureAwait(false)).BlockBytes(fallback: RecordBytes);
            var measurement = new Measurement(Sections.KafkaProduce, ProduceLabel)
            {
                RecordsPerSecond = result.RecordsPerSecond,
                MegabytesPerSecond = result.MegabytesPerSecond,
                Figures =
                {
                    [HttpSection.ServerPeakRss] = server.PeakRssMib,
                    ["server CPU ms per 1,000 records"] = result.Records == 0 ? double.NaN : cpu.TotalMilliseconds * 1000 / result.Records,
                    ["block KiB"] = blockBytes / 1024.0,
                    ["machine CPU busy %"] = result.MachineCpuPercent,
                    [MachineCpu.StolenFigure] = result.MachineStolenPercent,
                    ["failed operations"] = result.Failures,
                    ["Produce requests/s"] = statistics.ProduceRequestsPerSecond,
                    ["KiB per Produce request"] = statistics.KibPerProduceRequest,
                    ["Produce requests in flight"] = statistics.AverageInFlight,
                    ["Produce rtt ms"] = statistics.AverageRttMs,
                },
            };
            return new Paired.CaseRound(measurement, () => raw.AppendAsync(blockBytes, Partitions));
        }).ConfigureAwait(false);

        // Fetch: a topic filled once (untimed), read from the start of every partition over and over. 32 MiB a
        // partition: librdkafka queues up to 64 MiB ahead of the application (queued.max.messages.kbytes), so with
        // 8 MiB a partition it reached each partition's end within a few fetches and fetched it empty until this
        // loop saw the end and sought back (measured: a fifth of the partitions' answers empty), which no consumer
        // catching up a backlog does.
        var fillBytes = (run.Quick ? 8L : 256L) * 1024 * 1024;
        run.Step($"filling {Partitions} partitions with {fillBytes / (1024 * 1024)} MiB over Kafka");
        var fetchTopic = await NewTopicAsync(admin, "kafkafetch").ConfigureAwait(false);
        _ = await stored.NewSinceLastAsync().ConfigureAwait(false);
        using (var producer = Producer(bootstrap, CompressionType.None))
        {
            for (long sent = 0; sent < fillBytes; sent += RecordsPerOperation * (long)RecordBytes)
            {
                await ProduceChunkAsync(producer, fetchTopic, _ => value).ConfigureAwait(false);
            }
        }

        // The fetch path's own warm-up, untimed, as the produce's above: its first reads JIT-compile the listener's
        // Fetch, the engine's reader and the storage reads (measured with perf in the second fetch round, before this
        // warm-up: the JIT 14% of the server's samples and the runtime 17%, most of them in the round's first second).
        run.Step("warming the server up: Kafka fetch, untimed");
        using (var warmConsumer = Consumer(bootstrap, fetchTopic))
        {
            WaitForFirstRecord(warmConsumer);
            _ = await Load.RunAsync(WarmUp(run), 1, _ => Task.FromResult(ConsumeChunk(warmConsumer, 2_000))).ConfigureAwait(false);
        }

        var fetchBlockBytes = (await stored.NewSinceLastAsync().ConfigureAwait(false)).BlockBytes(fallback: RecordBytes);
        var blobBytes = Math.Min(64L * 1024 * 1024, fillBytes);
        const string FetchLabel = "Confluent.Kafka consumer, 8 partition(s)";
        var trace = StorageRequestTrace.Start(server.ProcessId); // what the server asks of the storage while it reads
        await using (trace.ConfigureAwait(false))
        {
            await Paired.RunAsync(run, Sections.KafkaFetch, FetchLabel, async round =>
            {
                server.ResetPeak();
                using var consumer = Consumer(bootstrap, fetchTopic);
                WaitForFirstRecord(consumer); // connected, offsets listed, fetching: the round measures reading, not librdkafka's start
                var chunk = run.Quick ? 100 : 2_000; // a quick run's 400 ms must see operations start in it, not one begun in the warm-up
                var from = DateTime.UtcNow;
                var result = await Load.RunAsync(run.Duration, 1, _ => Task.FromResult(ConsumeChunk(consumer, chunk)), processes: run.Processes).ConfigureAwait(false);
                var to = DateTime.UtcNow;
                await trace.WaitUntilSeenAsync(to, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                var seconds = (to - from).TotalSeconds;
                var measurement = new Measurement(Sections.KafkaFetch, FetchLabel)
                {
                    RecordsPerSecond = result.RecordsPerSecond,
                    MegabytesPerSecond = result.MegabytesPerSecond,
                    Figures = new(result.CpuFigures()) { [HttpSection.ServerPeakRss] = server.PeakRssMib, ["block KiB"] = fetchBlockBytes / 1024.0 },
                    Note = "record values only (batch framing not counted)",
                };
                foreach (var (kind, figure) in FetchRequests)
                {
                    measurement.Figures[figure] = trace.CountBetween(from, to, kind) / seconds;
                }

                return new Paired.CaseRound(measurement, () => raw.RangeReadAsync(Partitions, 1024 * 1024, blobBytes, fetchBlockBytes));
            }).ConfigureAwait(false);
        }

        // Compression: the same compressible records (JSON-like text) with each codec, stored decompressed.
        var records = CompressibleRecords(1_000);
        var volume = (run.Quick ? 4L : 32L) * 1024 * 1024;
        foreach (var codec in new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Lz4, CompressionType.Zstd, CompressionType.Snappy })
        {
            run.Step($"{Sections.KafkaCompression}: {codec}, {volume / (1024 * 1024)} MiB");
            var topic = await NewTopicAsync(admin, "kafkaz").ConfigureAwait(false);
            _ = await stored.NewSinceLastAsync().ConfigureAwait(false);
            long sentBytes = 0;
            var producer = Producer(bootstrap, codec, stats => Interlocked.Exchange(ref sentBytes, TxBytes(stats)));
            long values = 0;
            var cpuBefore = server.CpuTime;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                while (values < volume)
                {
                    var done = await ProduceChunkAsync(producer, topic, i => records[i % records.Length]).ConfigureAwait(false);
                    values += done.Bytes;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(400)).ConfigureAwait(false); // one more statistics report after the last acknowledgement
            }
            finally
            {
                producer.Dispose();
            }

            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started) - TimeSpan.FromMilliseconds(400);
            var cpu = server.CpuTime - cpuBefore;
            var written = await stored.NewSinceLastAsync().ConfigureAwait(false);
            var mib = values / (1024.0 * 1024);
            run.Add(new Measurement(Sections.KafkaCompression, $"compression.type={codec.ToString().ToLowerInvariant()}, stored decompressed")
            {
                RecordsPerSecond = values / RecordBytes / elapsed.TotalSeconds,
                MegabytesPerSecond = mib / elapsed.TotalSeconds,
                Figures =
                {
                    [CpuPerMib] = cpu.TotalMilliseconds / mib,
                    [SentPerMib] = Interlocked.Read(ref sentBytes) / mib,
                    [StoredPerMib] = written.DataBytes / mib,
                },
                Note = "sent: what a broker storing batches as sent (compression.type=producer) would store",
            });
        }
    }

    /// <summary>A consumer assigned every partition of <paramref name="topic"/> from its start (no group: never joined, nothing committed).</summary>
    private static IConsumer<Ignore, byte[]> Consumer(string bootstrap, string topic)
    {
        var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-" + Guid.NewGuid().ToString("N")[..8], // never joined: partitions are assigned, offsets never committed
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchWaitMaxMs = 10,
            BrokerAddressFamily = BrokerAddressFamily.V4,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        return consumer;
    }

    /// <summary>How long the untimed produce or fetch before the rounds runs: long enough for the JIT's second tier.</summary>
    private static TimeSpan WarmUp(BenchmarkRun run) => run.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(10);

    private static IProducer<Null, byte[]> Producer(string bootstrap, CompressionType codec, Action<string>? statistics = null)
    {
        var builder = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.Leader,
            EnableIdempotence = false,
            LingerMs = 5,
            BatchSize = 1_000_000,
            CompressionType = codec,
            Partitioner = Partitioner.Murmur2Random,
            BrokerAddressFamily = BrokerAddressFamily.V4,
            StatisticsIntervalMs = statistics is null ? 0 : 250,
        });
        if (statistics is not null)
        {
            builder.SetStatisticsHandler((_, json) => statistics(json));
        }

        return builder.Build();
    }

    /// <summary>Hands librdkafka <see cref="RecordsPerOperation"/> records and waits for all their acknowledgements.</summary>
    private static async Task<Load.Done> ProduceChunkAsync(IProducer<Null, byte[]> producer, string topic, Func<int, byte[]> value)
    {
        var pending = RecordsPerOperation;
        long bytes = 0;
        DeliveryReport<Null, byte[]>? failed = null;
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < RecordsPerOperation; i++)
        {
            var message = new Message<Null, byte[]> { Value = value(i) };
            bytes += message.Value.Length;
            producer.Produce(topic, message, report =>
            {
                if (report.Error.IsError)
                {
                    failed = report;
                }

                if (Interlocked.Decrement(ref pending) == 0)
                {
                    acknowledged.SetResult();
                }
            });
        }

        await acknowledged.Task.ConfigureAwait(false);
        return failed is { } report ? throw new KafkaException(report.Error) : new Load.Done(RecordsPerOperation, bytes);
    }

    /// <summary>Consumes up to <paramref name="limit"/> records; a partition at its end is read again from offset 0.</summary>
    private static Load.Done ConsumeChunk(IConsumer<Ignore, byte[]> consumer, int limit)
    {
        long records = 0, bytes = 0;
        for (var i = 0; i < limit; i++)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                break;
            }

            if (result.IsPartitionEOF)
            {
                consumer.Seek(new TopicPartitionOffset(result.TopicPartition, 0)); // an absolute offset: no ListOffsets round trip
                continue;
            }

            records++;
            bytes += result.Message.Value?.Length ?? 0;
        }

        return new Load.Done(records, bytes);
    }

    private static void WaitForFirstRecord(IConsumer<Ignore, byte[]> consumer)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false })
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The Kafka consumer read nothing in 30 s.");
            }
        }
    }

    private static async Task<string> NewTopicAsync(Cloud.Log.Client.CloudLogAdminClient admin, string purpose)
    {
        var topic = $"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 9)];
        await admin.CreateTopicAsync(topic, Partitions, replicationFactor: 1).ConfigureAwait(false);
        return topic;
    }

    /// <summary>Records of about 1 KiB of JSON-like text from a small vocabulary, as applications' events are: compressible, none alike.</summary>
    private static byte[][] CompressibleRecords(int count)
    {
        string[] words = ["order", "user", "click", "view", "cart", "checkout", "payment", "refund", "search", "product", "category", "session", "mobile", "desktop", "web", "region", "europe", "america", "asia", "price", "currency", "eur", "usd", "quantity", "status", "shipped", "pending", "delivered", "cancelled", "coupon", "campaign", "referrer"];
        var random = new Random(42);
        var records = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder(RecordBytes + 64);
            text.Append(CultureInfo.InvariantCulture, $"{{\"id\":{random.Next()},\"user\":\"user-{random.Next(100_000)}\",\"at\":{1_700_000_000_000L + random.Next()},\"event\":\"{words[random.Next(words.Length)]}\",\"tags\":\"");
            while (text.Length < RecordBytes - 2)
            {
                text.Append(words[random.Next(words.Length)]).Append(' ');
            }

            text.Length = RecordBytes - 2;
            text.Append("\"}");
            records[i] = Encoding.UTF8.GetBytes(text.ToString());
        }

        return records;
    }

    /// <summary>
    /// The producer's requests as librdkafka counts them (its statistics JSON, every 250 ms) over the counted
    /// window: Produce requests sent and their bytes, the requests awaiting an answer (sampled), the brokers' rtt.
    /// </summary>
    private sealed class ProducerStatistics
    {
        private readonly Lock _gate = new();
        private (long Requests, long Bytes, long At) _start, _last;
        private bool _counting;
        private double _inFlightSum, _rttSum;
        private int _samples, _rttSamples;

        public double ProduceRequestsPerSecond { get; private set; } = double.NaN;

        public double KibPerProduceRequest { get; private set; } = double.NaN;

        public double AverageInFlight => _samples == 0 ? double.NaN : _inFlightSum / _samples;

        public double AverageRttMs => _rttSamples == 0 ? double.NaN : _rttSum / _rttSamples;

        public void Add(string json)
        {
            using var document = JsonDocument.Parse(json);
            long requests = 0, bytes = 0, inFlight = 0;
            double rtt = 0;
            var brokers = 0;
            foreach (var broker in document.RootElement.GetProperty("brokers").EnumerateObject())
            {
                if (broker.Value.GetProperty("nodeid").GetInt32() < 0)
                {
                    continue; // the bootstrap entry
                }

                requests += broker.Value.GetProperty("req").TryGetProperty("Produce", out var produce) ? produce.GetInt64() : 0;
                bytes += broker.Value.GetProperty("txbytes").GetInt64();
                inFlight += broker.Value.GetProperty("waitresp_cnt").GetInt64();
                if (broker.Value.GetProperty("rtt").GetProperty("cnt").GetInt64() > 0)
                {
                    rtt += broker.Value.GetProperty("rtt").GetProperty("avg").GetInt64() / 1000.0;
                    brokers++;
                }
            }

            lock (_gate)
            {
                _last = (requests, bytes, System.Diagnostics.Stopwatch.GetTimestamp());
                if (_counting)
                {
                    _inFlightSum += inFlight;
                    _samples++;
                    if (brokers > 0)
                    {
                        _rttSum += rtt / brokers;
                        _rttSamples++;
                    }
                }
            }
        }

        public void StartCounting()
        {
            lock (_gate)
            {
                _start = _last;
                _counting = true;
            }
        }

        public void StopCounting()
        {
            lock (_gate)
            {
                _counting = false;
                var requests = _last.Requests - _start.Requests;
                var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start.At, _last.At).TotalSeconds;
                ProduceRequestsPerSecond = seconds > 0 ? requests / seconds : double.NaN;
                KibPerProduceRequest = requests > 0 ? (_last.Bytes - _start.Bytes) / 1024.0 / requests : double.NaN;
            }
        }
    }

    /// <summary>librdkafka's total bytes sent to brokers, from its statistics JSON.</summary>
    private static long TxBytes(string statistics)
    {
        using var document = JsonDocument.Parse(statistics);
        return document.RootElement.TryGetProperty("tx_bytes", out var tx) ? tx.GetInt64() : 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
