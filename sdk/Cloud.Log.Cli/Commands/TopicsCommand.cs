using System.CommandLine;
using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Input;
using Cloud.Log.Cli.Output;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Commands;

/// <summary><c>cloudlog topics list|describe|create|alter|delete</c>.</summary>
internal static class TopicsCommand
{
    private static readonly Column[] ListColumns = [new("TOPIC", "name"), new("PARTITIONS", "partitions"), new("REPLICATION", "replicationFactor")];

    private static readonly Column[] PartitionColumns =
    [
        new("TOPIC", "topic"), new("PARTITION", "partition"), new("LEADER", "leader"), new("EPOCH", "leaderEpoch"), new("REPLICAS", "replicas"),
        new("ISR", "inSyncReplicas"), new("LOG START", "logStartOffset"), new("HIGH WATERMARK", "highWatermark"), new("SIZE", "sizeBytes"),
        new("SEGMENTS", "segments"),
    ];

    public static Command Create(Terminal terminal)
    {
        var topics = new Command("topics", "List, describe, create, alter and delete topics.");
        topics.Subcommands.Add(List(terminal));
        topics.Subcommands.Add(Describe(terminal));
        topics.Subcommands.Add(CreateTopic(terminal));
        topics.Subcommands.Add(Alter(terminal));
        topics.Subcommands.Add(Delete(terminal));
        return topics;
    }

    /// <summary>The topic argument every topic command takes.</summary>
    public static Argument<string> TopicArgument() => new("topic") { Description = "The topic's name." };

    private static Command List(Terminal terminal)
    {
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("list", "List the topics (those the API key may use), with partition counts and replication factors.") { output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var admin = ConnectionSettings.Resolve(parse).Admin();
            var rows = new List<object?[]>();
            await foreach (var topic in admin.GetTopicsAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add([topic.Name, topic.PartitionCount, topic.ReplicationFactor]);
            }

            Tabular.Write(terminal, parse.GetValue(output), ListColumns, rows.OrderBy(r => (string)r[0]!, StringComparer.Ordinal));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe(Terminal terminal)
    {
        var topicArgument = TopicArgument();
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("describe", "Show a topic: its id, every effective config, and each partition's leader, replicas, ISR, log start, high watermark, size in bytes (one copy) and segment count.") { topicArgument, output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var admin = ConnectionSettings.Resolve(parse).Admin();
            TopicDescription topic = await admin.GetTopicAsync(parse.GetValue(topicArgument)!, cancellationToken).ConfigureAwait(false);
            Write(terminal, parse.GetValue(output), topic);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateTopic(Terminal terminal)
    {
        var topicArgument = TopicArgument();
        var partitions = new Option<int>("--partitions", "-p") { Description = "How many partitions (default 1).", DefaultValueFactory = _ => 1 };
        var replication = new Option<int?>("--replication-factor", "-r") { Description = "How many storage locations hold each partition (default: the service's)." };
        var config = new Option<string[]>("--config", "-c") { Description = "A topic config, key=value (Kafka's names: retention.ms, cleanup.policy, …); repeatable.", HelpName = "key=value" };
        var output = GlobalOptions.Output(OutputFormat.Table);
        output.Description = "Also print the new topic's description: text, json or table.";
        var command = new Command("create", "Create a topic.") { topicArgument, partitions, replication, config, output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var configs = KeyValues.Parse(parse.GetValue(config), "--config").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var admin = ConnectionSettings.Resolve(parse).Admin();
            TopicDescription topic = await admin.CreateTopicAsync(parse.GetValue(topicArgument)!, parse.GetValue(partitions), parse.GetValue(replication), configs.Count == 0 ? null : configs, cancellationToken).ConfigureAwait(false);
            await terminal.Error.WriteLineAsync($"Created topic '{topic.Name}' with {topic.Partitions.Count} partition(s).").ConfigureAwait(false);
            if (parse.GetResult(output) is { Implicit: false })
            {
                Write(terminal, parse.GetValue(output), topic);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Alter(Terminal terminal)
    {
        var topicArgument = TopicArgument();
        var config = new Option<string[]>("--config", "-c") { Description = "Set a topic config, key=value; repeatable.", HelpName = "key=value" };
        var deleteConfig = new Option<string[]>("--delete-config") { Description = "Put a config back to its default; repeatable.", HelpName = "key" };
        var partitions = new Option<int?>("--partitions", "-p") { Description = "Grow the topic to this many partitions (only upwards)." };
        var output = GlobalOptions.Output(OutputFormat.Table);
        output.Description = "Also print the topic's new description: text, json or table.";
        var command = new Command("alter", "Change a topic's configs or add partitions.") { topicArgument, config, deleteConfig, partitions, output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(topicArgument)!;
            var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (key, value) in KeyValues.Parse(parse.GetValue(config), "--config"))
            {
                changes[key] = value;
            }

            foreach (var key in parse.GetValue(deleteConfig) ?? [])
            {
                changes[key] = null;
            }

            var count = parse.GetValue(partitions);
            if (changes.Count == 0 && count is null)
            {
                throw new CliUsageException("Say what to change: --config key=value, --delete-config key or --partitions N.");
            }

            var admin = ConnectionSettings.Resolve(parse).Admin();
            TopicDescription? topic = null;
            if (changes.Count > 0)
            {
                topic = await admin.AlterTopicConfigsAsync(name, changes, cancellationToken).ConfigureAwait(false);
            }

            if (count is { } total)
            {
                topic = await admin.CreatePartitionsAsync(name, total, cancellationToken).ConfigureAwait(false);
            }

            await terminal.Error.WriteLineAsync($"Altered topic '{name}'.").ConfigureAwait(false);
            if (parse.GetResult(output) is { Implicit: false })
            {
                Write(terminal, parse.GetValue(output), topic!);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(Terminal terminal)
    {
        var topicArgument = TopicArgument();
        var command = new Command("delete", "Delete a topic and its records.") { topicArgument };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(topicArgument)!;
            await ConnectionSettings.Resolve(parse).Admin().DeleteTopicAsync(name, cancellationToken).ConfigureAwait(false);
            await terminal.Error.WriteLineAsync($"Deleted topic '{name}'.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A topic's description: as one JSON object, or its configs and then its partitions.</summary>
    private static void Write(Terminal terminal, OutputFormat format, TopicDescription topic)
    {
        var partitionRows = topic.Partitions.OrderBy(p => p.Partition)
            .Select(p => new object?[] { topic.Name, p.Partition, p.Leader, p.LeaderEpoch, p.Replicas, p.InSyncReplicas, p.LogStartOffset, p.HighWatermark, p.SizeBytes, p.SegmentCount })
            .ToList();
        if (format == OutputFormat.Json)
        {
            using var stream = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("name", topic.Name);
                writer.WriteString("topicId", topic.TopicId);
                writer.WriteNumber("replicationFactor", topic.ReplicationFactor);
                writer.WritePropertyName("configs");
                Tabular.WriteValue(writer, topic.Configs);
                writer.WriteStartArray("partitions");
                foreach (var row in partitionRows)
                {
                    writer.WriteStartObject();
                    for (var i = 1; i < PartitionColumns.Length; i++)
                    {
                        writer.WritePropertyName(PartitionColumns[i].JsonName);
                        Tabular.WriteValue(writer, row[i]);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            terminal.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            return;
        }

        Tabular.Write(terminal, format, [new("TOPIC", "topic"), new("ID", "topicId"), new("REPLICATION", "replicationFactor")], [[topic.Name, topic.TopicId, topic.ReplicationFactor]]);
        Tabular.Write(terminal, format, [new("CONFIG", "name"), new("VALUE", "value")], topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new object?[] { c.Key, c.Value }));
        Tabular.Write(terminal, format, PartitionColumns, partitionRows);
    }
}
