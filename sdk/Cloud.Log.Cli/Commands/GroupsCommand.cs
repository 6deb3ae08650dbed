using System.CommandLine;
using System.Globalization;
using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Input;
using Cloud.Log.Cli.Output;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Commands;

/// <summary><c>cloudlog groups list|describe|reset-offsets|delete</c>.</summary>
internal static class GroupsCommand
{
    private static readonly Column[] MemberColumns =
    [
        new("GROUP", "group"), new("STATE", "state"), new("MEMBER", "memberId"), new("TOPICS", "topics"), new("ASSIGNED", "assigned"), new("TARGET", "target"),
        new("SESSION UNTIL", "expiresAt"),
    ];

    private static readonly Column[] OffsetColumns = [new("GROUP", "group"), new("TOPIC", "topic"), new("PARTITION", "partition"), new("COMMITTED", "offset"), new("LAG", "lag"), new("METADATA", "metadata")];

    public static Command Create(Terminal terminal)
    {
        var groups = new Command("groups", "List consumer groups, show their committed offsets and lag, reset or delete them.");
        groups.Subcommands.Add(List(terminal));
        groups.Subcommands.Add(Describe(terminal));
        groups.Subcommands.Add(ResetOffsets(terminal));
        groups.Subcommands.Add(Delete(terminal));
        return groups;
    }

    private static Argument<string> GroupArgument() => new("group") { Description = "The consumer group's id." };

    private static Command List(Terminal terminal)
    {
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("list", "List the consumer groups that committed offsets.") { output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var rows = new List<object?[]>();
            await foreach (var group in ConnectionSettings.Resolve(parse).Admin().GetConsumerGroupsAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add([group.GroupId]);
            }

            Tabular.Write(terminal, parse.GetValue(output), [new("GROUP", "group")], rows.OrderBy(r => (string)r[0]!, StringComparer.Ordinal));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe(Terminal terminal)
    {
        var groupArgument = GroupArgument();
        var topic = new Option<string>("--topic", "-t") { Description = "Only this topic's partitions." };
        var members = new Option<bool>("--members") { Description = "Show the group's live members instead: what each subscribes to, owns (assigned) and is to own (target)." };
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("describe", "Show a group's committed offset and lag (high watermark minus committed offset) per partition, or its members.") { groupArgument, topic, members, output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var group = parse.GetValue(groupArgument)!;
            if (parse.GetValue(members))
            {
                ConsumerGroupDescription description = await ConnectionSettings.Resolve(parse).Admin().GetConsumerGroupAsync(group, cancellationToken).ConfigureAwait(false);
                static string Partitions(IEnumerable<TopicPartition> list) => string.Join(',', list.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Topic}/{p.Partition}")));
                Tabular.Write(terminal, parse.GetValue(output), MemberColumns, description.Members.Select(m => new object?[]
                {
                    group, description.State, m.MemberId, string.Join(',', m.Topics), Partitions(m.Assigned), Partitions(m.Target), m.ExpiresAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                }));
                if (description.Members.Count == 0 && parse.GetValue(output) != OutputFormat.Json)
                {
                    await terminal.Error.WriteLineAsync($"Group '{group}' has no live member ({description.State}).").ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }

            var rows = new List<object?[]>();
            await foreach (var offset in ConnectionSettings.Resolve(parse).Admin().GetConsumerGroupOffsetsAsync(group, parse.GetValue(topic), cancellationToken).ConfigureAwait(false))
            {
                rows.Add([group, offset.Topic, offset.Partition, offset.Offset.Value, offset.Lag, offset.Metadata]);
            }

            Tabular.Write(terminal, parse.GetValue(output), OffsetColumns, rows.OrderBy(r => (string)r[1]!, StringComparer.Ordinal).ThenBy(r => (int)r[2]!));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ResetOffsets(Terminal terminal)
    {
        var groupArgument = GroupArgument();
        var topic = new Option<string>("--topic", "-t") { Description = "The topic whose offsets to reset.", Required = true };
        var to = new Option<string>("--to") { Description = "earliest (the log start), latest (the high watermark), an offset, a time (2026-12-01T08:00:00Z) or a time ago (--to=-1h).", HelpName = "position", Required = true };
        var partitions = new Option<int[]>("--partition", "-p") { Description = "Only this partition; repeatable (default: all)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the new offsets without committing them." };
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("reset-offsets", "Set a group's committed offsets of a topic; its members start there (stop them first, as with Kafka).")
        {
            groupArgument, topic, to, partitions, dryRun, output,
        };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var group = parse.GetValue(groupArgument)!;
            var position = StartPosition.Parse(parse.GetValue(to)!, "--to", DateTimeOffset.UtcNow);
            var settings = ConnectionSettings.Resolve(parse);
            TopicDescription description = await settings.Admin().GetTopicAsync(parse.GetValue(topic)!, cancellationToken).ConfigureAwait(false);
            var wanted = parse.GetValue(partitions) ?? [];
            var chosen = wanted.Length == 0 ? [.. description.Partitions] : wanted.Select(p => description.Partitions.FirstOrDefault(d => d.Partition == p)
                ?? throw new CliServiceException("UNKNOWN_TOPIC_OR_PARTITION", $"Topic '{description.Name}' has no partition {p} (it has {description.Partitions.Count}).")).ToList();
            var consumer = settings.Consumer(new CloudLogConsumerClientOptions { GroupId = group, EnableAutoCommit = false });
            await using (consumer.ConfigureAwait(false))
            {
                List<TopicPartitionOffset> offsets = position.Kind switch
                {
                    StartKind.Beginning => [.. chosen.Select(p => new TopicPartitionOffset(description.Name, p.Partition, p.LogStartOffset))],
                    StartKind.End => [.. chosen.Select(p => new TopicPartitionOffset(description.Name, p.Partition, p.HighWatermark))],
                    StartKind.Offset => [.. chosen.Select(p => new TopicPartitionOffset(description.Name, p.Partition, position.Offset))],
                    _ => [.. (await consumer.OffsetsForTimesAsync(chosen.Select(p => new TopicPartition(description.Name, p.Partition)), position.Time, cancellationToken).ConfigureAwait(false))
                        .Select(o => o.Offset == Offset.End ? new TopicPartitionOffset(o.TopicPartition, chosen.First(p => p.Partition == o.Partition).HighWatermark) : o)],
                };
                if (!parse.GetValue(dryRun))
                {
                    await consumer.CommitAsync(offsets, cancellationToken).ConfigureAwait(false); // the service checks every offset before it stores any
                }

                var highWatermarks = chosen.ToDictionary(p => p.Partition, p => p.HighWatermark);
                Tabular.Write(
                    terminal,
                    parse.GetValue(output),
                    OffsetColumns[..5],
                    offsets.OrderBy(o => o.Partition).Select(o => new object?[] { group, o.Topic, o.Partition, o.Offset.Value, Math.Max(0, highWatermarks[o.Partition] - o.Offset.Value) }));
                await terminal.Error.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{(parse.GetValue(dryRun) ? "Would reset" : "Reset")} group '{group}' on '{description.Name}' to {position} for {offsets.Count} partition(s).")).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(Terminal terminal)
    {
        var groupArgument = GroupArgument();
        var command = new Command("delete", "Delete a group's committed offsets (refused while it has live members).") { groupArgument };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var group = parse.GetValue(groupArgument)!;
            await ConnectionSettings.Resolve(parse).Admin().DeleteConsumerGroupAsync(group, cancellationToken).ConfigureAwait(false);
            await terminal.Error.WriteLineAsync($"Deleted group '{group}'.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
