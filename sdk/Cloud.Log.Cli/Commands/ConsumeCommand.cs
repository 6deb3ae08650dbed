using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Input;
using Cloud.Log.Cli.Output;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Commands;

/// <summary>
/// <c>cloudlog consume TOPIC</c>: reads records and prints them. Without <c>--group</c> it reads the chosen
/// partitions from <c>--from</c>; with one it joins the group, starts where the group committed and commits
/// what it printed. Without <c>--follow</c> it stops at the high watermarks it found when it started.
/// </summary>
internal static class ConsumeCommand
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(5);

    public static Command Create(Terminal terminal)
    {
        var topicArgument = TopicsCommand.TopicArgument();
        var group = new Option<string>("--group", "-g") { Description = "Read as a member of this consumer group: start at its committed offsets, commit what was printed.", HelpName = "group" };
        var from = new Option<string>("--from") { Description = "Where to start: beginning (default), end, an offset, a time (2026-12-01T08:00:00Z) or a time ago (--from=-15m). With --group: beginning or end, for partitions the group never committed.", HelpName = "position" };
        var partitions = new Option<int[]>("--partition", "-p") { Description = "Read only this partition; repeatable (default: all). Not with --group.", AllowMultipleArgumentsPerToken = false };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep reading new records until Ctrl-C (or --max)." };
        var max = new Option<long?>("--max", "-n") { Description = "Stop after this many records.", HelpName = "count" };
        var output = GlobalOptions.Output(OutputFormat.Text);
        var command = new Command("consume", "Read records from a topic and print them (text: each value on a line; json: JSON lines with key, headers, offsets; table).")
        {
            topicArgument, group, from, partitions, follow, max, output,
        };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var request = new Request(
                parse.GetValue(topicArgument)!,
                parse.GetValue(group),
                parse.GetValue(from) is { } text ? StartPosition.Parse(text, "--from", DateTimeOffset.UtcNow) : null,
                parse.GetValue(partitions) ?? [],
                parse.GetValue(follow),
                parse.GetValue(max),
                parse.GetValue(output));
            Check(request);
            return await ConsumeAsync(terminal, ConnectionSettings.Resolve(parse), request, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static void Check(Request request)
    {
        if (request.Max is <= 0)
        {
            throw new CliUsageException("--max takes a count of 1 or more.");
        }

        if (request.Group is not null && request.From is { Kind: StartKind.Offset or StartKind.Time })
        {
            throw new CliUsageException("With --group, --from takes beginning or end (where the group has no committed offset); move a group with 'cloudlog groups reset-offsets'.");
        }

        if (request.Group is not null && request.Partitions.Length > 0)
        {
            throw new CliUsageException("With --group the group assigns the partitions: drop --partition.");
        }
    }

    private static async Task<int> ConsumeAsync(Terminal terminal, ConnectionSettings settings, Request request, CancellationToken cancellationToken)
    {
        TopicDescription topic = await settings.Admin().GetTopicAsync(request.Topic, cancellationToken).ConfigureAwait(false);
        var highWatermarks = topic.Partitions.ToDictionary(p => new TopicPartition(topic.Name, p.Partition), p => p.HighWatermark);
        var from = request.From ?? StartPosition.Beginning;
        var options = new CloudLogConsumerClientOptions
        {
            GroupId = request.Group,
            EnableAutoCommit = false, // the tool commits exactly what it printed
            AutoOffsetReset = request.Group is null ? AutoOffsetReset.Error : from.Kind == StartKind.End ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
        };
        var consumer = settings.Consumer(options);
        await using (consumer.ConfigureAwait(false))
        {
            var assigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var endAtStart = false;
            if (request.Group is not null)
            {
                consumer.PartitionsAssigned += _ =>
                {
                    assigned.TrySetResult();
                    return Task.CompletedTask;
                };
                consumer.Subscribe(topic.Name);
            }
            else
            {
                assigned.TrySetResult();
                endAtStart = from.Kind == StartKind.End;
                consumer.Assign(await StartsAsync(consumer, topic, request.Partitions, from, cancellationToken).ConfigureAwait(false));
            }

            bool Done()
            {
                if (endAtStart)
                {
                    return true;
                }

                if (!assigned.Task.IsCompleted)
                {
                    return false;
                }

                return consumer.Assignment.All(tp =>
                {
                    var position = consumer.Position(tp);
                    return !position.IsSpecial && position.Value >= highWatermarks.GetValueOrDefault(tp);
                });
            }

            var writer = new RecordWriter(terminal, request.Output);
            var printed = new Dictionary<TopicPartition, long>();
            var committed = new Dictionary<TopicPartition, long>();
            var sinceCommit = Stopwatch.StartNew();
            long count = 0;
            var interrupted = false;
            try
            {
                while (request.Max is not { } limit || count < limit)
                {
                    if (!request.Follow && Done())
                    {
                        break;
                    }

                    if (request.Group is not null && sinceCommit.Elapsed >= CommitInterval)
                    {
                        writer.Flush(); // printed before committed: a crash between them prints again, never loses
                        await CommitAsync(consumer, printed, committed, cancellationToken).ConfigureAwait(false);
                        sinceCommit.Restart();
                    }

                    var record = await consumer.ConsumeAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                    if (record is null)
                    {
                        writer.Flush();
                        record = await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                        if (record is null)
                        {
                            continue;
                        }
                    }

                    writer.Write(record);
                    count++;
                    printed[new TopicPartition(record.Topic, record.Partition)] = record.Offset.Value + 1;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                interrupted = true; // Ctrl-C: what was printed is still committed below
            }
            finally
            {
                writer.Flush();
            }

            if (request.Group is not null)
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await CommitAsync(consumer, printed, committed, closing.Token).ConfigureAwait(false);
                await consumer.CloseAsync(closing.Token).ConfigureAwait(false);
            }

            await terminal.Error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Consumed {count:N0} record(s) from '{topic.Name}'{(request.Group is null ? "" : $" as group '{request.Group}'")}.")).ConfigureAwait(false);
            return interrupted && !request.Follow ? ExitCodes.Interrupted : ExitCodes.Ok;
        }
    }

    /// <summary>The partitions to read and where each starts; an offset outside a partition's log is refused here, as the service would.</summary>
    private static async Task<List<TopicPartitionOffset>> StartsAsync(CloudLogConsumerClient consumer, TopicDescription topic, int[] partitions, StartPosition from, CancellationToken cancellationToken)
    {
        var chosen = partitions.Length == 0 ? [.. topic.Partitions] : partitions.Select(p => topic.Partitions.FirstOrDefault(d => d.Partition == p)
            ?? throw new CliServiceException("UNKNOWN_TOPIC_OR_PARTITION", $"Topic '{topic.Name}' has no partition {p} (it has {topic.Partitions.Count}).")).ToList();
        switch (from.Kind)
        {
            case StartKind.Time:
                return [.. await consumer.OffsetsForTimesAsync(chosen.Select(p => new TopicPartition(topic.Name, p.Partition)), from.Time, cancellationToken).ConfigureAwait(false)];
            case StartKind.Offset:
                foreach (var p in chosen.Where(p => from.Offset < p.LogStartOffset || from.Offset > p.HighWatermark))
                {
                    throw new CliServiceException(
                        "OFFSET_OUT_OF_RANGE",
                        string.Create(CultureInfo.InvariantCulture, $"Offset {from.Offset} is outside partition {p.Partition} of '{topic.Name}': its log is {p.LogStartOffset} to {p.HighWatermark}."));
                }

                return [.. chosen.Select(p => new TopicPartitionOffset(topic.Name, p.Partition, from.Offset))];
            default:
                var start = from.Kind == StartKind.End ? Offset.End : Offset.Beginning;
                return [.. chosen.Select(p => new TopicPartitionOffset(topic.Name, p.Partition, start))];
        }
    }

    private static async Task CommitAsync(CloudLogConsumerClient consumer, Dictionary<TopicPartition, long> printed, Dictionary<TopicPartition, long> committed, CancellationToken cancellationToken)
    {
        var changed = printed.Where(p => !committed.TryGetValue(p.Key, out var c) || c != p.Value).Select(p => new TopicPartitionOffset(p.Key, p.Value)).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        await consumer.CommitAsync(changed, cancellationToken).ConfigureAwait(false);
        foreach (var offset in changed)
        {
            committed[offset.TopicPartition] = offset.Offset.Value;
        }
    }

    private sealed record Request(string Topic, string? Group, StartPosition? From, int[] Partitions, bool Follow, long? Max, OutputFormat Output);
}
