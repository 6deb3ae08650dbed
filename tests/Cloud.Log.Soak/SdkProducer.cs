using Azure;
using Cloud.Log.Client;

namespace Cloud.Log.Soak;

/// <summary>
/// Produces with the SDK's producer client to one server, to one partition, <c>window</c> records in flight
/// at a time. Idempotent (the SDK's default): every value at most once, in order. Plain: the SDK's retries
/// may store a value twice or out of order, as Kafka's non-idempotent producer may, so only loss and
/// offsets are checked.
/// </summary>
internal sealed class SdkProducer(string name, Cluster cluster, ServerInstance server, string topic, int partition, bool idempotent, int window)
{
    public async Task RunAsync(CancellationToken stop)
    {
        await using var producer = new CloudLogProducerClient(server.Endpoint, new CloudLogProducerClientOptions
        {
            EnableIdempotence = idempotent,
            Acks = Protocol.Acks.All,
            DeliveryTimeout = TimeSpan.FromMinutes(1),
        });
        long sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            var sends = new List<(long Sequence, string Value, Task<DeliveryResult> Delivery)>();
            for (var i = 0; i < window; i++)
            {
                var value = $"{name}-{sequence}";
                cluster.History.Sent[value] = new Sent(name, AtMostOnce: idempotent);
                sends.Add((sequence++, value, producer.ProduceAsync(new TopicPartition(topic, partition), new CloudLogMessage(null, BinaryData.FromString(value)), stop)));
            }

            foreach (var (seq, value, delivery) in sends)
            {
                try
                {
                    var result = await delivery.ConfigureAwait(false);
                    cluster.History.Acks.Enqueue(new Ack(name, seq, topic, result.TopicPartitionOffset.Partition, result.TopicPartitionOffset.Offset.Value, value, History.Now(), Ordered: idempotent));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (RequestFailedException e)
                {
                    if (e.Status >= 500 && e.Status != 503)
                    {
                        cluster.History.ServerErrors.Enqueue($"{name}: {e.Status} {e.ErrorCode}: {e.Message.Split('\n')[0]}");
                    }

                    cluster.History.Failed();
                }
                catch (Exception e) when (e is OperationCanceledException or TimeoutException or HttpRequestException or IOException)
                {
                    cluster.History.Failed();
                }
            }

            if (!await SoakRun.DelayAsync(10, stop).ConfigureAwait(false))
            {
                return;
            }
        }
    }
}
