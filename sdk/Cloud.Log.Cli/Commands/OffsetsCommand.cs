using System.CommandLine;
using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Input;
using Cloud.Log.Cli.Output;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Commands;

/// <summary><c>cloudlog offsets TOPIC</c>: each partition's log start and high watermark, and with <c>--time</c> the first offset at or after a time.</summary>
internal static class OffsetsCommand
{
    public static Command Create(Terminal terminal)
    {
        var topicArgument = TopicsCommand.TopicArgument();
        var time = new Option<string>("--time") { Description = "Also show the first offset at or after this time (2026-12-01T08:00:00Z, or ago: --time=-1h); the high watermark where no record is that new.", HelpName = "time" };
        var partitions = new Option<int[]>("--partition", "-p") { Description = "Only this partition; repeatable (default: all)." };
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("offsets", "Show each partition's log start offset and high watermark, and the offset for a time.") { topicArgument, time, partitions, output };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var text = parse.GetValue(time);
            var at = text is null ? null : StartPosition.Parse(text, "--time", DateTimeOffset.UtcNow);
            if (at is not null && at.Kind != StartKind.Time)
            {
                throw new CliUsageException($"--time takes a time (2026-12-01T08:00:00Z) or a time ago (--time=-1h), not '{text}'.");
            }

            var settings = ConnectionSettings.Resolve(parse);
            TopicDescription topic = await settings.Admin().GetTopicAsync(parse.GetValue(topicArgument)!, cancellationToken).ConfigureAwait(false);
            var wanted = parse.GetValue(partitions) ?? [];
            var chosen = topic.Partitions.Where(p => wanted.Length == 0 || wanted.Contains(p.Partition)).OrderBy(p => p.Partition).ToList();
            foreach (var missing in wanted.Where(w => chosen.All(p => p.Partition != w)))
            {
                throw new CliServiceException("UNKNOWN_TOPIC_OR_PARTITION", $"Topic '{topic.Name}' has no partition {missing} (it has {topic.Partitions.Count}).");
            }

            var forTime = new Dictionary<int, long>();
            if (at is not null)
            {
                var consumer = settings.Consumer(new CloudLogConsumerClientOptions());
                await using (consumer.ConfigureAwait(false))
                {
                    foreach (var offset in await consumer.OffsetsForTimesAsync(chosen.Select(p => new TopicPartition(topic.Name, p.Partition)), at.Time, cancellationToken).ConfigureAwait(false))
                    {
                        forTime[offset.Partition] = offset.Offset == Offset.End ? chosen.First(p => p.Partition == offset.Partition).HighWatermark : offset.Offset.Value;
                    }
                }
            }

            Column[] columns = at is null
                ? [new("PARTITION", "partition"), new("LOG START", "logStartOffset"), new("HIGH WATERMARK", "highWatermark")]
                : [new("PARTITION", "partition"), new("LOG START", "logStartOffset"), new("HIGH WATERMARK", "highWatermark"), new("OFFSET AT " + at, "offsetForTime")];
            Tabular.Write(terminal, parse.GetValue(output), columns, chosen.Select(p => at is null
                ? new object?[] { p.Partition, p.LogStartOffset, p.HighWatermark }
                : [p.Partition, p.LogStartOffset, p.HighWatermark, forTime[p.Partition]]));
            return ExitCodes.Ok;
        });
        return command;
    }
}
