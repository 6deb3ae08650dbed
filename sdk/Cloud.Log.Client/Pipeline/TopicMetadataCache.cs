using System.Collections.Concurrent;

namespace Cloud.Log.Client.Pipeline;

/// <summary>Topics' partition counts, read from the service and kept for a while; one request per topic at a time.</summary>
internal sealed class TopicMetadataCache(CloudLogRestClient rest, TimeSpan maxAge)
{
    private readonly ConcurrentDictionary<string, (Task<int> Count, long LoadedAt)> _counts = new(StringComparer.Ordinal);

    public async Task<int> PartitionCountAsync(string topic, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (!_counts.TryGetValue(topic, out var entry) || entry.Count.IsFaulted || entry.Count.IsCanceled || now - entry.LoadedAt > maxAge.TotalMilliseconds)
        {
            var load = LoadAsync(topic);
            entry = _counts.AddOrUpdate(topic, (load, now), (_, existing) => existing.Count == entry.Count ? (load, now) : existing);
        }

        try
        {
            return await entry.Count.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CloudLogException)
        {
            _counts.TryRemove(new KeyValuePair<string, (Task<int>, long)>(topic, entry)); // not cached: the next call asks again
            throw;
        }
    }

    /// <summary>Forgets a topic, so its next use reads it again (after the service said it has no such partition).</summary>
    public void Invalidate(string topic) => _counts.TryRemove(topic, out _);

    private async Task<int> LoadAsync(string topic)
    {
        var (description, _) = await rest.DescribeTopicAsync(topic, CancellationToken.None).ConfigureAwait(false);
        return description.Partitions.Count;
    }
}
