using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Http;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>
/// The rights check of every request, as the REST API's route table has them: producing needs the produce
/// right, fetching, offsets and groups the consume right, creating and deleting topics and deleting groups
/// the admin right (which includes the others), and a caller limited to topic prefixes may name only
/// topics under them. A request the caller's rights do not cover is answered whole in its own layout with
/// Kafka's error (TOPIC_AUTHORIZATION_FAILED 29 on each topic, GROUP_AUTHORIZATION_FAILED 30 on a group,
/// CLUSTER_AUTHORIZATION_FAILED 31 for InitProducerId) and does nothing: a request naming one forbidden topic
/// among allowed ones is refused on all of them. Metadata filters its topic list itself.
/// </summary>
public sealed partial class KafkaRequestDispatcher
{
    /// <summary>Writes the refusal and answers true when <paramref name="caller"/> may not make this request.</summary>
    private static bool RefuseUnauthorized(ApiKey key, short version, ReadOnlyMemory<byte> body, KafkaWriter writer, ApiCaller? caller)
    {
        if (caller is null || (caller.Has(ApiAccess.Admin) && caller.TopicPrefixes.Count == 0))
        {
            return false; // no session (a dispatcher used directly), or every right on every topic
        }

        var reader = new KafkaReader(body);
        switch (key)
        {
            case ApiKey.Produce:
                {
                    var request = ProduceMessages.ReadRequest(reader, version);
                    if (Allowed(ApiAccess.Produce, request.Topics.Select(t => t.Name)))
                    {
                        return false;
                    }

                    if (request.Acks != 0)
                    {
                        ProduceMessages.WriteResponse(writer, version, [.. request.Topics.Select(t => new ProduceTopicResponse(t.Name, [.. t.Partitions.Select(p => new ProducePartitionResponse(p.Partition, KafkaError.TopicAuthorizationFailed, -1, -1, -1, Denied(ApiAccess.Produce)))]))]);
                        return true;
                    }

                    throw new KafkaProtocolException($"An acks=0 produce by '{caller.Name}' to a topic it may not write: closed, as acks=0 takes no answer.");
                }

            case ApiKey.InitProducerId:
                InitProducerIdMessages.ReadRequest(reader, version);
                if (caller.Has(ApiAccess.Produce))
                {
                    return false;
                }

                InitProducerIdMessages.WriteResponse(writer, version, KafkaError.ClusterAuthorizationFailed, -1, -1);
                return true;

            case ApiKey.Fetch:
                {
                    var request = FetchMessages.ReadRequest(reader, version);
                    if (Allowed(ApiAccess.Consume, request.Topics.Select(t => t.Name)))
                    {
                        return false;
                    }

                    WriteFetch(writer, version, request, [.. request.Topics.SelectMany(t => t.Partitions).Select(p => Empty(p.Partition, KafkaError.TopicAuthorizationFailed))]);
                    return true;
                }

            case ApiKey.ListOffsets:
                {
                    var request = ListOffsetsMessages.ReadRequest(reader, version);
                    if (Allowed(ApiAccess.Consume, request.Select(t => t.Name)))
                    {
                        return false;
                    }

                    ListOffsetsMessages.WriteResponse(writer, version, [.. request.Select(t => new ListOffsetsTopicResponse(t.Name, [.. t.Partitions.Select(p => new ListOffsetsPartitionResponse(p.Partition, KafkaError.TopicAuthorizationFailed, -1, -1))]))]);
                    return true;
                }

            case ApiKey.JoinGroup:
                {
                    var request = GroupMessages.ReadJoinGroup(reader, version);
                    if (caller.Has(ApiAccess.Consume))
                    {
                        return false;
                    }

                    GroupMessages.WriteJoinGroup(writer, version, new JoinGroupResponse(KafkaError.GroupAuthorizationFailed, -1, null, null, string.Empty, request.MemberId, []));
                    return true;
                }

            case ApiKey.SyncGroup:
                if (caller.Has(ApiAccess.Consume))
                {
                    return false;
                }

                GroupMessages.ReadSyncGroup(reader, version);
                GroupMessages.WriteSyncGroup(writer, version, KafkaError.GroupAuthorizationFailed, null, null, []);
                return true;

            case ApiKey.Heartbeat:
                if (caller.Has(ApiAccess.Consume))
                {
                    return false;
                }

                GroupMessages.ReadHeartbeat(reader, version);
                GroupMessages.WriteErrorOnly(writer, version, KafkaError.GroupAuthorizationFailed, flexible: version >= 4);
                return true;

            case ApiKey.LeaveGroup:
                {
                    if (caller.Has(ApiAccess.Consume))
                    {
                        return false;
                    }

                    var (_, members) = GroupMessages.ReadLeaveGroup(reader, version);
                    GroupMessages.WriteLeaveGroup(writer, version, KafkaError.GroupAuthorizationFailed, [.. members.Select(m => (m, KafkaError.GroupAuthorizationFailed))]);
                    return true;
                }

            case ApiKey.OffsetCommit:
                {
                    var request = OffsetMessages.ReadOffsetCommit(reader, version);
                    if (Allowed(ApiAccess.Consume, request.Topics.Select(t => t.Topic)))
                    {
                        return false;
                    }

                    var error = caller.Has(ApiAccess.Consume) ? KafkaError.TopicAuthorizationFailed : KafkaError.GroupAuthorizationFailed;
                    OffsetMessages.WriteOffsetCommit(writer, version, [.. request.Topics.Select(t => (t.Topic, (IReadOnlyList<(int, short)>)[.. t.Partitions.Select(p => (p.Partition, error))]))]);
                    return true;
                }

            case ApiKey.OffsetFetch:
                {
                    var (_, topics) = OffsetMessages.ReadOffsetFetch(reader, version);
                    var consume = caller.Has(ApiAccess.Consume);
                    if (consume && (topics is null ? caller.TopicPrefixes.Count == 0 : topics.All(t => caller.CanAccessTopic(t.Topic))))
                    {
                        return false;
                    }

                    // every committed offset of a group, asked by a caller limited to topic prefixes, is refused whole
                    var error = consume ? KafkaError.TopicAuthorizationFailed : KafkaError.GroupAuthorizationFailed;
                    OffsetMessages.WriteOffsetFetch(writer, version, error, [.. (topics ?? []).Select(t => (t.Topic, (IReadOnlyList<OffsetFetchPartition>)[.. t.Partitions.Select(p => new OffsetFetchPartition(p, -1, string.Empty, error))]))]);
                    return true;
                }

            case ApiKey.CreateTopics:
                {
                    var (topics, _) = AdminMessages.ReadCreateTopics(reader, version);
                    if (Allowed(ApiAccess.Admin, topics.Select(t => t.Name)))
                    {
                        return false;
                    }

                    AdminMessages.WriteCreateTopics(writer, version, [.. topics.Select(t => new CreatedTopic(t.Name, KafkaError.TopicAuthorizationFailed, Denied(ApiAccess.Admin), -1, -1))]);
                    return true;
                }

            case ApiKey.DeleteTopics:
                {
                    var names = AdminMessages.ReadDeleteTopics(reader, version);
                    if (Allowed(ApiAccess.Admin, names))
                    {
                        return false;
                    }

                    AdminMessages.WriteDeleteTopics(writer, version, [.. names.Select(n => (n, KafkaError.TopicAuthorizationFailed, (string?)Denied(ApiAccess.Admin)))]);
                    return true;
                }

            case ApiKey.CreatePartitions:
                {
                    var (topics, _) = AdminMessages.ReadCreatePartitions(reader, version);
                    if (Allowed(ApiAccess.Admin, topics.Select(t => t.Name)))
                    {
                        return false;
                    }

                    AdminMessages.WriteNameErrorMessageResults(writer, version >= 2, [.. topics.Select(t => (t.Name, KafkaError.TopicAuthorizationFailed, (string?)Denied(ApiAccess.Admin)))]);
                    return true;
                }

            case ApiKey.DescribeConfigs:
                {
                    var resources = AdminMessages.ReadDescribeConfigs(reader, version);
                    if (Allowed(ApiAccess.Describe, resources.Where(r => r.Type == TopicResource).Select(r => r.Name)))
                    {
                        return false;
                    }

                    AdminMessages.WriteDescribeConfigs(writer, version, [.. resources.Select(r => new DescribedResource(KafkaError.TopicAuthorizationFailed, $"'{caller.Name}' may not use topic '{r.Name}'.", r.Type, r.Name, []))]);
                    return true;
                }

            case ApiKey.ListGroups:
                if (caller.Has(ApiAccess.Consume))
                {
                    return false;
                }

                AdminMessages.ReadListGroups(reader, version);
                AdminMessages.WriteListGroups(writer, version, []); // as Kafka lists only the groups a caller may describe
                return true;

            case ApiKey.DescribeGroups:
                {
                    if (caller.Has(ApiAccess.Consume))
                    {
                        return false;
                    }

                    var names = AdminMessages.ReadGroupNames(reader, version >= 5, trailingBoolean: version >= 3);
                    AdminMessages.WriteDescribeGroups(writer, version, [.. names.Select(n => new DescribedGroup(KafkaError.GroupAuthorizationFailed, n, string.Empty, string.Empty, string.Empty, []))]);
                    return true;
                }

            case ApiKey.DeleteGroups:
                {
                    if (caller.Has(ApiAccess.Admin))
                    {
                        return false;
                    }

                    var names = AdminMessages.ReadGroupNames(reader, version >= 2, trailingBoolean: false);
                    AdminMessages.WriteDeleteGroups(writer, version, [.. names.Select(n => (n, KafkaError.GroupAuthorizationFailed))]);
                    return true;
                }

            default:
                return false; // ApiVersions, SASL, Metadata (filtered by its handler), FindCoordinator, DescribeCluster: any authenticated caller
        }

        bool Allowed(ApiAccess access, IEnumerable<string> topics) => caller.Has(access) && topics.All(caller.CanAccessTopic);

        string Denied(ApiAccess access) => $"'{caller.Name}' needs the {access.ToString().ToUpperInvariant()} right on the topic.";
    }
}
