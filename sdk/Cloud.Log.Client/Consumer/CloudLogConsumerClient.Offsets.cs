using System.Globalization;
using Cloud.Log.Client.Consumer;

namespace Cloud.Log.Client;

/// <summary>Positions: commit, seek (to an offset, the ends, a time), and the partition's bounds.</summary>
public partial class CloudLogConsumerClient
{
    /// <summary>Commits, for every partition read, the position after the last record handed out (Kafka's <c>commitSync()</c>).</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public virtual async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        RequireGroup();
        await CommitPositionsAsync(
            () =>
            {
                foreach (var state in _partitions.Values.Where(s => !s.Position.IsSpecial))
                {
                    state.Consumed = state.Position;
                }

                return [.. _partitions.Values.Select(s => (s.TopicPartition, s.Position))];
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits the position after <paramref name="result"/> in its partition.</summary>
    /// <param name="result">A record the application finished with.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public virtual Task CommitAsync(ConsumeResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return CommitAsync([new TopicPartitionOffset(result.Topic, result.Partition, result.Offset.Value + 1)], cancellationToken);
    }

    /// <summary>Commits the given offsets: each the next offset the group will read in its partition.</summary>
    /// <param name="offsets">The offsets.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public virtual async Task CommitAsync(IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        RequireGroup();
        var list = offsets.ToList();
        if (list.Any(o => o.Offset.IsSpecial))
        {
            throw new ArgumentException("Commit real offsets (0 or more), not logical ones.", nameof(offsets));
        }

        await CommitPositionsAsync(() => [.. list.Select(o => (o.TopicPartition, o.Offset))], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The group's committed offsets of <paramref name="partitions"/>; <see cref="Offset.Unset"/> where it committed none.</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<IReadOnlyList<TopicPartitionOffset>> GetCommittedOffsetsAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var group = RequireGroup();
        var result = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            result.Add(new TopicPartitionOffset(partition, await CommittedOffsetAsync(group, partition, cancellationToken).ConfigureAwait(false) ?? Offset.Unset));
        }

        return result;
    }

    /// <summary>
    /// Moves a partition this consumer reads to <paramref name="position"/>'s offset — a number,
    /// <see cref="Offset.Beginning"/> or <see cref="Offset.End"/>; records fetched ahead are dropped and the
    /// next record handed out is at that offset.
    /// </summary>
    /// <param name="position">The partition and offset.</param>
    public virtual void Seek(TopicPartitionOffset position)
    {
        if (position.Offset == Offset.Unset)
        {
            throw new ArgumentException("Seek to an offset, Offset.Beginning or Offset.End.", nameof(position));
        }

        lock (_lock)
        {
            if (!_partitions.TryGetValue(position.TopicPartition, out var state))
            {
                throw new InvalidOperationException($"{position.TopicPartition} is not assigned to this consumer.");
            }

            state.Epoch++;
            state.Position = position.Offset;
            state.FetchPosition = position.Offset;
            state.Buffered = 0;
            state.RetryAt = 0;
            RestartFetch(); // a long poll at the old position ends now
        }
    }

    /// <summary>Moves a partition to the first record at or after <paramref name="timestamp"/> (the end when there is none): replay from a time.</summary>
    /// <param name="topicPartition">The partition, assigned to this consumer.</param>
    /// <param name="timestamp">The time.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public virtual async Task SeekAsync(TopicPartition topicPartition, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        var offsets = await OffsetsForTimesAsync([topicPartition], timestamp, cancellationToken).ConfigureAwait(false);
        Seek(offsets[0]);
    }

    /// <summary>For each partition, the first offset whose record's timestamp is at or after <paramref name="timestamp"/>; <see cref="Offset.End"/> where none is.</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="timestamp">The time.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public virtual async Task<IReadOnlyList<TopicPartitionOffset>> OffsetsForTimesAsync(IEnumerable<TopicPartition> partitions, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var at = timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var lookups = partitions.Select(async p => new TopicPartitionOffset(p, await _rest.ListOffsetAsync(p.Topic, p.Partition, at, cancellationToken).ConfigureAwait(false) ?? Offset.End));
        return await Task.WhenAll(lookups).ConfigureAwait(false);
    }

    /// <summary>The next offset this consumer will hand out in a partition it reads; a logical offset until its start is known.</summary>
    /// <param name="topicPartition">The partition.</param>
    public virtual Offset Position(TopicPartition topicPartition)
    {
        lock (_lock)
        {
            return _partitions.TryGetValue(topicPartition, out var state)
                ? state.Position
                : throw new InvalidOperationException($"{topicPartition} is not assigned to this consumer.");
        }
    }

    /// <summary>A partition's log start offset and high watermark, asked of the service now.</summary>
    /// <param name="topicPartition">The partition.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<WatermarkOffsets> QueryWatermarkOffsetsAsync(TopicPartition topicPartition, CancellationToken cancellationToken = default)
    {
        var low = _rest.ListOffsetAsync(topicPartition.Topic, topicPartition.Partition, "earliest", cancellationToken);
        var high = _rest.ListOffsetAsync(topicPartition.Topic, topicPartition.Partition, "latest", cancellationToken);
        return new WatermarkOffsets(await low.ConfigureAwait(false) ?? 0, await high.ConfigureAwait(false) ?? 0);
    }

    private string RequireGroup() =>
        _options.GroupId ?? throw new InvalidOperationException("Committed offsets belong to a consumer group: set CloudLogConsumerClientOptions.GroupId.");
}
