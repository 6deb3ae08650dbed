using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Http;
using Cloud.Log.Core;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>Metadata: one broker, this listener, leads every partition with a constant epoch.</summary>
public sealed partial class KafkaRequestDispatcher
{
    /// <summary>The one broker's node id.</summary>
    internal const int NodeId = 0;

    /// <summary>The leader epoch Metadata answers for every partition: the listener is the only broker, and never changes.</summary>
    internal const int LeaderEpoch = 0;

    /// <summary>
    /// Metadata. A caller limited to topic prefixes sees only its topics (as the REST API's topic list), and
    /// gets TOPIC_AUTHORIZATION_FAILED for others it names; only an admin caller creates topics automatically.
    /// </summary>
    private async Task<bool> MetadataAsync(KafkaReader reader, short version, KafkaWriter writer, ApiCaller? caller, CancellationToken cancellationToken)
    {
        var request = MetadataMessages.ReadRequest(reader, version);
        var existing = (await _engine.ListTopicsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(t => t.Name, t => t.Partitions, StringComparer.Ordinal);
        var topics = new List<MetadataTopic>();
        var mayCreate = caller is null || caller.Has(ApiAccess.Admin);
        foreach (var name in request.Topics ?? [.. existing.Keys.Where(t => caller is null || caller.CanAccessTopic(t)).Order(StringComparer.Ordinal)])
        {
            if (caller is not null && !caller.CanAccessTopic(name))
            {
                topics.Add(new MetadataTopic(KafkaError.TopicAuthorizationFailed, name, Guid.Empty, []));
                continue;
            }

            if (!existing.TryGetValue(name, out var partitions) && request.AllowAutoTopicCreation && _options.AutoCreateTopics && mayCreate)
            {
                try
                {
                    partitions = (await _engine.CreateTopicAsync(name, _options.DefaultPartitions, cancellationToken: cancellationToken).ConfigureAwait(false)).Partitions.Count;
                }
                catch (CloudLogException e) when (e.Code == ErrorCode.TopicAlreadyExists)
                {
                    // Another request created it meanwhile: its partition count from the topic list (describing the
                    // topic would look at every partition's tail, a storage read each, only to count them).
                    partitions = (await _engine.ListTopicsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(t => t.Name == name)?.Partitions ?? 0;
                }
                catch (CloudLogException e)
                {
                    topics.Add(new MetadataTopic(KafkaError.From(e.Code), name, Guid.Empty, []));
                    continue;
                }
            }

            if (partitions == 0)
            {
                topics.Add(new MetadataTopic(KafkaError.UnknownTopicOrPartition, name, Guid.Empty, []));
                continue;
            }

            var partitionList = Enumerable.Range(0, partitions)
                .Select(p => new MetadataPartition(KafkaError.None, p, NodeId, LeaderEpoch, [NodeId]))
                .ToList();
            topics.Add(new MetadataTopic(KafkaError.None, name, Guid.Empty, partitionList));
        }

        MetadataMessages.WriteResponse(writer, version, new MetadataResponse([Broker()], _options.ClusterId, NodeId, topics));
        return true;
    }

    /// <summary>The one broker clients are told to reach: the advertised host and port.</summary>
    internal MetadataBroker Broker()
    {
        var host = _options.AdvertisedHost;
        if (string.IsNullOrEmpty(host))
        {
            host = _options.Host is "0.0.0.0" or "::" or "[::]" or "*" ? "127.0.0.1" : _options.Host;
        }

        return new MetadataBroker(NodeId, host, _options.AdvertisedPort ?? _endpoint.Port ?? _options.Port);
    }
}
