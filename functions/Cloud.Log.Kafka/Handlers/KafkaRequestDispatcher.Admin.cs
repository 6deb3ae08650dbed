using Cloud.Log.Core;
using Cloud.Log.Kafka.Groups;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>The admin keys, each over the engine's topic and group calls.</summary>
public sealed partial class KafkaRequestDispatcher
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;

    private async Task<bool> CreateTopicsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var (topics, validateOnly) = AdminMessages.ReadCreateTopics(reader, version);
        var results = new List<CreatedTopic>();
        foreach (var topic in topics)
        {
            var partitions = topic.Partitions == -1 ? _options.DefaultPartitions : topic.Partitions;
            int? replication = topic.ReplicationFactor == -1 ? null : topic.ReplicationFactor;
            if (validateOnly)
            {
                var exists = (await _engine.ListTopicsAsync(cancellationToken).ConfigureAwait(false)).Any(t => t.Name == topic.Name);
                results.Add(new CreatedTopic(topic.Name, exists ? KafkaError.TopicAlreadyExists : KafkaError.None, null, partitions, (short)(replication ?? 1)));
                continue;
            }

            try
            {
                var configs = topic.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal);
                var created = await _engine.CreateTopicAsync(topic.Name, partitions, replication, configs, cancellationToken).ConfigureAwait(false);
                results.Add(new CreatedTopic(topic.Name, KafkaError.None, null, created.Partitions.Count, (short)created.ReplicationFactor));
            }
            catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
            {
                LogFailure(e, "create topics");
                results.Add(new CreatedTopic(topic.Name, KafkaError.From(e), e.Message, -1, -1));
            }
        }

        AdminMessages.WriteCreateTopics(writer, version, results);
        return true;
    }

    private async Task<bool> DeleteTopicsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var names = AdminMessages.ReadDeleteTopics(reader, version);
        var results = new List<(string, short, string?)>();
        foreach (var name in names)
        {
            try
            {
                await _engine.DeleteTopicAsync(name, cancellationToken).ConfigureAwait(false);
                results.Add((name, KafkaError.None, null));
            }
            catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
            {
                LogFailure(e, "delete topics");
                results.Add((name, KafkaError.From(e), e.Message));
            }
        }

        AdminMessages.WriteDeleteTopics(writer, version, results);
        return true;
    }

    private async Task<bool> CreatePartitionsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var (topics, validateOnly) = AdminMessages.ReadCreatePartitions(reader, version);
        var results = new List<(string, short, string?)>();
        foreach (var (name, count) in topics)
        {
            try
            {
                if (validateOnly)
                {
                    var current = (await _engine.DescribeTopicAsync(name, cancellationToken).ConfigureAwait(false)).Partitions.Count;
                    results.Add(count > current ? (name, KafkaError.None, null) : (name, KafkaError.InvalidPartitions, $"Topic '{name}' has {current} partitions already."));
                    continue;
                }

                await _engine.AddPartitionsAsync(name, count, cancellationToken).ConfigureAwait(false);
                results.Add((name, KafkaError.None, null));
            }
            catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
            {
                LogFailure(e, "create partitions");
                results.Add((name, KafkaError.From(e), e.Message));
            }
        }

        AdminMessages.WriteNameErrorMessageResults(writer, version >= 2, results);
        return true;
    }

    private async Task<bool> DescribeConfigsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var resources = AdminMessages.ReadDescribeConfigs(reader, version);
        var results = new List<DescribedResource>();
        foreach (var (type, name, keys) in resources)
        {
            if (type == BrokerResource)
            {
                results.Add(new DescribedResource(KafkaError.None, null, type, name, []));
                continue;
            }

            if (type != TopicResource)
            {
                results.Add(new DescribedResource(KafkaError.InvalidRequest, $"Resource type {type} is not served: topics (2) and brokers (4).", type, name, []));
                continue;
            }

            try
            {
                var topic = await _engine.DescribeTopicAsync(name, cancellationToken).ConfigureAwait(false);
                var configs = topic.Configs
                    .Where(c => keys is null || keys.Contains(c.Key))
                    .OrderBy(c => c.Key, StringComparer.Ordinal)
                    .Select(c => new DescribedConfig(c.Key, c.Value, IsDefault: false))
                    .ToList();
                results.Add(new DescribedResource(KafkaError.None, null, type, name, configs));
            }
            catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
            {
                LogFailure(e, "describe configs");
                results.Add(new DescribedResource(KafkaError.From(e), e.Message, type, name, []));
            }
        }

        AdminMessages.WriteDescribeConfigs(writer, version, results);
        return true;
    }

    private async Task<bool> ListGroupsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        AdminMessages.ReadListGroups(reader, version);
        var (error, groups) = await _groups.ListAsync(cancellationToken).ConfigureAwait(false);
        AdminMessages.WriteListGroups(writer, version, groups, error);
        return true;
    }

    private async Task<bool> DescribeGroupsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var names = AdminMessages.ReadGroupNames(reader, version >= 5, trailingBoolean: version >= 3);
        var results = new List<DescribedGroup>();
        foreach (var name in names)
        {
            results.Add(InvalidGroup(name)
                ? new DescribedGroup(KafkaError.InvalidGroupId, name, "Dead", string.Empty, string.Empty, [])
                : await _groups.DescribeAsync(name, cancellationToken).ConfigureAwait(false));
        }

        AdminMessages.WriteDescribeGroups(writer, version, results);
        return true;
    }

    private async Task<bool> DeleteGroupsAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var names = AdminMessages.ReadGroupNames(reader, version >= 2, trailingBoolean: false);
        var results = new List<(string, short)>();
        foreach (var name in names)
        {
            results.Add((name, InvalidGroup(name) ? KafkaError.InvalidGroupId : await _groups.DeleteAsync(name, cancellationToken).ConfigureAwait(false)));
        }

        AdminMessages.WriteDeleteGroups(writer, version, results);
        return true;
    }

    private bool DescribeCluster(KafkaReader reader, short version, KafkaWriter writer)
    {
        var endpointType = AdminMessages.ReadDescribeCluster(reader, version);
        AdminMessages.WriteDescribeCluster(writer, version, endpointType, _options.ClusterId, Broker());
        return true;
    }
}
