using Azure;
using Cloud.Log.Client;

namespace Cloud.Log.Soak;

/// <summary>
/// Reads with the SDK's consumer client from one server: assigned partitions from offset 0 (its reads of a
/// partition follow one another), or subscribed with a group (the group's members split the partitions and
/// commit every 5 s). Every record it is handed is recorded.
/// </summary>
internal sealed class SdkConsumer(string name, Cluster cluster, ServerInstance server, string? group, IReadOnlyList<string> topics, IReadOnlyList<TopicPartition> assigned)
{
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var consumer = new CloudLogConsumerClient(server.Endpoint, new CloudLogConsumerClientOptions
                {
                    GroupId = group,
                    AutoOffsetReset = AutoOffsetReset.Earliest,
                    FetchMaxWait = TimeSpan.FromMilliseconds(500),
                });
                if (group is null)
                {
                    consumer.Assign(assigned.Select(p => new TopicPartitionOffset(p, new Offset(0))));
                }
                else
                {
                    consumer.Subscribe(topics);
                }

                await foreach (var record in consumer.ReadRecordsAsync(stop).ConfigureAwait(false))
                {
                    cluster.History.Reads.Enqueue(new Read(name, record.Topic, record.Partition, -1, -1, -1, [(record.Offset.Value, record.Value?.ToString() ?? "<null>")], Continuous: group is null));
                }
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

            if (!await SoakRun.DelayAsync(500, stop).ConfigureAwait(false))
            {
                return;
            }
        }
    }
}
