using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>One topic of a CreateTopics request (-1 partitions or replication factor: the default).</summary>
internal sealed record CreatableTopic(string Name, int Partitions, short ReplicationFactor, IReadOnlyList<(string Name, string? Value)> Configs);

/// <summary>One topic's outcome in a CreateTopics answer.</summary>
internal sealed record CreatedTopic(string Name, short ErrorCode, string? ErrorMessage, int Partitions, short ReplicationFactor);

/// <summary>One config of a DescribeConfigs answer.</summary>
internal sealed record DescribedConfig(string Name, string? Value, bool IsDefault);

/// <summary>One resource of a DescribeConfigs answer.</summary>
internal sealed record DescribedResource(short ErrorCode, string? ErrorMessage, sbyte ResourceType, string Name, IReadOnlyList<DescribedConfig> Configs);

/// <summary>One group of a DescribeGroups answer.</summary>
internal sealed record DescribedGroup(short ErrorCode, string GroupId, string State, string ProtocolType, string ProtocolName, IReadOnlyList<(string Member, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment)> Members);

/// <summary>
/// The admin keys. CreateTopics (19) v0-7, flexible v5+: request topics [name, num_partitions, replication_factor
/// int16, assignments [partition_index, broker_ids [int32]], configs [name, value nullable]], timeout_ms,
/// validate_only (v1+); answer throttle_time_ms (v2+), topics [name, topic_id (v7+), error_code, error_message
/// (v1+), num_partitions (v5+), replication_factor (v5+), configs nullable (v5+)]. DeleteTopics (20) v0-5,
/// flexible v4+: request topic_names [string], timeout_ms; answer throttle_time_ms (v1+), responses [name,
/// error_code, error_message (v5+)]. CreatePartitions (37) v0-3, flexible v2+: request topics [name, count,
/// assignments nullable [broker_ids]], timeout_ms, validate_only; answer throttle_time_ms, results [name,
/// error_code, error_message]. DescribeConfigs (32) v0-4, flexible v4+: request resources [resource_type int8,
/// resource_name, configuration_keys nullable [string]], include_synonyms (v1+), include_documentation (v3+);
/// answer throttle_time_ms, results [error_code, error_message, resource_type, resource_name, configs [name,
/// value, read_only, is_default (v0), config_source int8 (v1+), is_sensitive, synonyms (v1+), config_type
/// int8 (v3+), documentation (v3+)]]. ListGroups (16) v0-4, flexible v3+: request states_filter (v4+); answer
/// throttle_time_ms (v1+), error_code, groups [group_id, protocol_type, group_state (v4+)]. DescribeGroups
/// (15) v0-5, flexible v5+: request groups [string], include_authorized_operations (v3+); answer
/// throttle_time_ms (v1+), groups [error_code, group_id, group_state, protocol_type, protocol_data, members
/// [member_id, group_instance_id (v4+), client_id, client_host, member_metadata, member_assignment],
/// authorized_operations (v3+)]. DeleteGroups (42) v0-2, flexible v2+: request groups_names [string]; answer
/// throttle_time_ms, results [group_id, error_code]. DescribeCluster (60) v0-1, flexible always: request
/// include_cluster_authorized_operations, endpoint_type (v1+); answer throttle_time_ms, error_code,
/// error_message, endpoint_type (v1+), cluster_id, controller_id, brokers [broker_id, host, port, rack],
/// cluster_authorized_operations.
/// </summary>
internal static class AdminMessages
{
    private const int OperationsNotAsked = int.MinValue;

    public static (IReadOnlyList<CreatableTopic> Topics, bool ValidateOnly) ReadCreateTopics(KafkaReader reader, short version)
    {
        var flexible = version >= 5;
        var topics = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var partitions = r.ReadInt32();
            var replication = r.ReadInt16();
            r.ReadArray(flexible, ar =>
            {
                ar.ReadInt32();
                ar.ReadArray(flexible, br => br.ReadInt32());
                ar.SkipTaggedFieldsIf(flexible);
                return 0;
            });
            var configs = r.ReadArray(flexible, cr =>
            {
                var key = cr.ReadString(flexible);
                var value = cr.ReadNullableString(flexible);
                cr.SkipTaggedFieldsIf(flexible);
                return (key, value);
            });
            r.SkipTaggedFieldsIf(flexible);
            return new CreatableTopic(name, partitions, replication, configs);
        });
        reader.ReadInt32();
        var validateOnly = version >= 1 && reader.ReadBoolean();
        reader.SkipTaggedFieldsIf(flexible);
        return (topics, validateOnly);
    }

    public static void WriteCreateTopics(KafkaWriter writer, short version, IReadOnlyList<CreatedTopic> topics)
    {
        var flexible = version >= 5;
        if (version >= 2)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(topics, flexible, (w, t) =>
        {
            w.WriteString(t.Name, flexible);
            if (version >= 7)
            {
                w.WriteUuid(Guid.Empty);
            }

            w.WriteInt16(t.ErrorCode);
            if (version >= 1)
            {
                w.WriteNullableString(t.ErrorMessage, flexible);
            }

            if (version >= 5)
            {
                w.WriteInt32(t.Partitions);
                w.WriteInt16(t.ReplicationFactor);
                w.WriteArrayLength(-1, flexible);
            }

            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static IReadOnlyList<string> ReadDeleteTopics(KafkaReader reader, short version)
    {
        var flexible = version >= 4;
        var names = reader.ReadArray(flexible, r => r.ReadString(flexible));
        reader.ReadInt32();
        reader.SkipTaggedFieldsIf(flexible);
        return names;
    }

    public static void WriteDeleteTopics(KafkaWriter writer, short version, IReadOnlyList<(string Name, short Error, string? Message)> results)
    {
        var flexible = version >= 4;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(results, flexible, (w, r) =>
        {
            w.WriteString(r.Name, flexible);
            w.WriteInt16(r.Error);
            if (version >= 5)
            {
                w.WriteNullableString(r.Message, flexible);
            }

            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static (IReadOnlyList<(string Name, int Count)> Topics, bool ValidateOnly) ReadCreatePartitions(KafkaReader reader, short version)
    {
        var flexible = version >= 2;
        var topics = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var count = r.ReadInt32();
            r.ReadArray(flexible, ar =>
            {
                ar.ReadArray(flexible, br => br.ReadInt32());
                ar.SkipTaggedFieldsIf(flexible);
                return 0;
            });
            r.SkipTaggedFieldsIf(flexible);
            return (name, count);
        });
        reader.ReadInt32();
        var validateOnly = reader.ReadBoolean();
        reader.SkipTaggedFieldsIf(flexible);
        return (topics, validateOnly);
    }

    public static void WriteNameErrorMessageResults(KafkaWriter writer, bool flexible, IReadOnlyList<(string Name, short Error, string? Message)> results)
    {
        writer.WriteInt32(0);
        writer.WriteArray(results, flexible, (w, r) =>
        {
            w.WriteString(r.Name, flexible);
            w.WriteInt16(r.Error);
            w.WriteNullableString(r.Message, flexible);
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static IReadOnlyList<(sbyte Type, string Name, IReadOnlyList<string>? Keys)> ReadDescribeConfigs(KafkaReader reader, short version)
    {
        var flexible = version >= 4;
        var resources = reader.ReadArray(flexible, r =>
        {
            var type = r.ReadInt8();
            var name = r.ReadString(flexible);
            List<string>? keys = null;
            var count = r.ReadArrayLength(flexible);
            if (count >= 0)
            {
                keys = [];
                for (var i = 0; i < count; i++)
                {
                    keys.Add(r.ReadString(flexible));
                }
            }

            r.SkipTaggedFieldsIf(flexible);
            return (type, name, (IReadOnlyList<string>?)keys);
        });
        if (version >= 1)
        {
            reader.ReadBoolean();
        }

        if (version >= 3)
        {
            reader.ReadBoolean();
        }

        reader.SkipTaggedFieldsIf(flexible);
        return resources;
    }

    public static void WriteDescribeConfigs(KafkaWriter writer, short version, IReadOnlyList<DescribedResource> results)
    {
        var flexible = version >= 4;
        writer.WriteInt32(0);
        writer.WriteArray(results, flexible, (w, r) =>
        {
            w.WriteInt16(r.ErrorCode);
            w.WriteNullableString(r.ErrorMessage, flexible);
            w.WriteInt8(r.ResourceType);
            w.WriteString(r.Name, flexible);
            w.WriteArray(r.Configs, flexible, (cw, c) =>
            {
                cw.WriteString(c.Name, flexible);
                cw.WriteNullableString(c.Value, flexible);
                cw.WriteBoolean(false); // read only
                if (version == 0)
                {
                    cw.WriteBoolean(c.IsDefault);
                }
                else
                {
                    cw.WriteInt8(c.IsDefault ? (sbyte)5 : (sbyte)1); // DEFAULT_CONFIG or DYNAMIC_TOPIC_CONFIG
                }

                cw.WriteBoolean(false); // sensitive
                if (version >= 1)
                {
                    cw.WriteArrayLength(0, flexible);
                }

                if (version >= 3)
                {
                    cw.WriteInt8(0); // config type unknown
                    cw.WriteNullableString(null, flexible);
                }

                cw.WriteEmptyTaggedFieldsIf(flexible);
            });
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static void ReadListGroups(KafkaReader reader, short version)
    {
        var flexible = version >= 3;
        if (version >= 4)
        {
            reader.ReadArray(flexible, r => r.ReadString(flexible));
        }

        reader.SkipTaggedFieldsIf(flexible);
    }

    public static void WriteListGroups(KafkaWriter writer, short version, IReadOnlyList<(string Group, string ProtocolType, string State)> groups, short error = KafkaError.None)
    {
        var flexible = version >= 3;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteInt16(error);
        writer.WriteArray(groups, flexible, (w, g) =>
        {
            w.WriteString(g.Group, flexible);
            w.WriteString(g.ProtocolType, flexible);
            if (version >= 4)
            {
                w.WriteString(g.State, flexible);
            }

            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static IReadOnlyList<string> ReadGroupNames(KafkaReader reader, bool flexible, bool trailingBoolean)
    {
        var groups = reader.ReadArray(flexible, r => r.ReadString(flexible));
        if (trailingBoolean)
        {
            reader.ReadBoolean();
        }

        reader.SkipTaggedFieldsIf(flexible);
        return groups;
    }

    public static void WriteDescribeGroups(KafkaWriter writer, short version, IReadOnlyList<DescribedGroup> groups)
    {
        var flexible = version >= 5;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(groups, flexible, (w, g) =>
        {
            w.WriteInt16(g.ErrorCode);
            w.WriteString(g.GroupId, flexible);
            w.WriteString(g.State, flexible);
            w.WriteString(g.ProtocolType, flexible);
            w.WriteString(g.ProtocolName, flexible);
            w.WriteArray(g.Members, flexible, (mw, m) =>
            {
                mw.WriteString(m.Member, flexible);
                if (version >= 4)
                {
                    mw.WriteNullableString(null, flexible);
                }

                mw.WriteString(m.ClientId, flexible);
                mw.WriteString(m.ClientHost, flexible);
                mw.WriteBytes(m.Metadata, flexible);
                mw.WriteBytes(m.Assignment, flexible);
                mw.WriteEmptyTaggedFieldsIf(flexible);
            });
            if (version >= 3)
            {
                w.WriteInt32(OperationsNotAsked);
            }

            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static void WriteDeleteGroups(KafkaWriter writer, short version, IReadOnlyList<(string Group, short Error)> results)
    {
        var flexible = version >= 2;
        writer.WriteInt32(0);
        writer.WriteArray(results, flexible, (w, r) =>
        {
            w.WriteString(r.Group, flexible);
            w.WriteInt16(r.Error);
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static sbyte ReadDescribeCluster(KafkaReader reader, short version)
    {
        reader.ReadBoolean();
        var endpointType = version >= 1 ? reader.ReadInt8() : (sbyte)1;
        reader.SkipTaggedFields();
        return endpointType;
    }

    public static void WriteDescribeCluster(KafkaWriter writer, short version, sbyte endpointType, string clusterId, MetadataBroker broker)
    {
        writer.WriteInt32(0);
        writer.WriteInt16(KafkaError.None);
        writer.WriteNullableString(null, flexible: true);
        if (version >= 1)
        {
            writer.WriteInt8(endpointType);
        }

        writer.WriteString(clusterId, flexible: true);
        writer.WriteInt32(broker.NodeId);
        writer.WriteArrayLength(1, flexible: true);
        writer.WriteInt32(broker.NodeId);
        writer.WriteString(broker.Host, flexible: true);
        writer.WriteInt32(broker.Port);
        writer.WriteNullableString(null, flexible: true);
        writer.WriteEmptyTaggedFieldsIf(true);
        writer.WriteInt32(OperationsNotAsked);
        writer.WriteEmptyTaggedFieldsIf(true);
    }
}
