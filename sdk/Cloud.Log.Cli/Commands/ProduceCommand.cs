using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Input;
using Cloud.Log.Cli.Output;
using Cloud.Log.Client;
using Spectre.Console;

namespace Cloud.Log.Cli.Commands;

/// <summary>
/// <c>cloudlog produce TOPIC</c>: records from the arguments, a file or standard input, one per line, through
/// the SDK's batching producer (idempotent, acks all). Where each partition's records went is printed on
/// standard output; the count and records/s on standard error, with a progress bar when it is a terminal.
/// </summary>
internal static class ProduceCommand
{
    /// <summary>Records in flight at most; past it the reader waits for the oldest to be delivered.</summary>
    private const int MaxPending = 20_000;

    public static Command Create(Terminal terminal)
    {
        var topicArgument = TopicsCommand.TopicArgument();
        var values = new Argument<string[]>("values") { Description = "Record values; without any, lines are read from --file or standard input.", Arity = ArgumentArity.ZeroOrMore };
        var file = new Option<string>("--file", "-f") { Description = "Read one record per line from this file ('-' for standard input).", HelpName = "path" };
        var format = new Option<string>("--format") { Description = "lines (each line a value, default) or json (each line a JSON document).", HelpName = "lines|json", DefaultValueFactory = _ => "lines" };
        format.AcceptOnlyFromAmong("lines", "json");
        var key = new Option<string>("--key", "-k") { Description = "The key of every record (its partition is murmur2(key) % partitions, as in Kafka)." };
        var keyField = new Option<string>("--key-field") { Description = "With --format json: take each record's key from this top-level field.", HelpName = "field" };
        var keySeparator = new Option<string>("--key-separator") { Description = "Each line is key<separator>value.", HelpName = "separator" };
        var header = new Option<string[]>("--header", "-H") { Description = "A header on every record, key=value; repeatable.", HelpName = "key=value" };
        var partition = new Option<int?>("--partition", "-p") { Description = "Send every record to this partition instead of by key." };
        var command = new Command("produce", "Produce records to a topic: the arguments, or each line of a file or of standard input.")
        {
            topicArgument, values, file, format, key, keyField, keySeparator, header, partition,
        };
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var topic = parse.GetValue(topicArgument)!;
            var given = parse.GetValue(values) ?? [];
            var path = parse.GetValue(file);
            if (given.Length > 0 && path is not null)
            {
                throw new CliUsageException("Give record values as arguments or --file, not both.");
            }

            var inputFormat = parse.GetValue(format) == "json" ? ProduceFormat.Json : ProduceFormat.Lines;
            var builder = new RecordBuilder(inputFormat, parse.GetValue(key), parse.GetValue(keyField), parse.GetValue(keySeparator), KeyValues.Parse(parse.GetValue(header), "--header"));
            var input = given.Length > 0 ? new LineSource(given) : path is null or "-" ? new LineSource(Console.In, null) : LineSource.Open(path);
            using (input)
            {
                // A bad line anywhere in a file sends nothing; the count gives the progress bar its end.
                long? records = input.CanRewind ? await ValidateAsync(input, builder, inputFormat, cancellationToken).ConfigureAwait(false) : given.Length > 0 ? given.Length : null;
                var settings = ConnectionSettings.Resolve(parse);
                var target = parse.GetValue(partition);
                return await ProduceAsync(terminal, settings, topic, target, input, records, builder, inputFormat, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>Builds every record of a file without sending it, then rewinds; answers how many there are.</summary>
    private static async Task<long> ValidateAsync(LineSource input, RecordBuilder builder, ProduceFormat format, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var (number, line) in input.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!Skip(line, format))
            {
                builder.Build(line, number);
                count++;
            }
        }

        input.Rewind();
        return count;
    }

    private static bool Skip(string line, ProduceFormat format) => format == ProduceFormat.Json && string.IsNullOrWhiteSpace(line);

    private static async Task<int> ProduceAsync(
        Terminal terminal, ConnectionSettings settings, string topic, int? partition, LineSource input, long? records, RecordBuilder builder, ProduceFormat format, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var delivered = new SortedDictionary<int, (long First, long Last, long Count)>();
        long total = 0;
        var pending = new Queue<Task<DeliveryResult>>();
        var producer = settings.Producer(new CloudLogProducerClientOptions { Linger = TimeSpan.FromMilliseconds(10), BatchSize = 256 * 1024 });
        await using (producer.ConfigureAwait(false))
        {
            async Task TakeOldestAsync()
            {
                var result = await pending.Dequeue().ConfigureAwait(false);
                total++;
                delivered[result.Partition] = delivered.TryGetValue(result.Partition, out var seen)
                    ? (Math.Min(seen.First, result.Offset), Math.Max(seen.Last, result.Offset), seen.Count + 1)
                    : (result.Offset, result.Offset, 1);
            }

            async Task RunAsync(Action<long> report)
            {
                var lastReport = 0L;
                await foreach (var (number, line) in input.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (Skip(line, format))
                    {
                        continue;
                    }

                    var message = builder.Build(line, number);
                    pending.Enqueue(partition is { } p
                        ? producer.ProduceAsync(new TopicPartition(topic, p), message, cancellationToken)
                        : producer.ProduceAsync(topic, message, cancellationToken));
                    while (pending.Count >= MaxPending || (pending.Count > 0 && pending.Peek().IsCompleted))
                    {
                        await TakeOldestAsync().ConfigureAwait(false);
                    }

                    if (watch.ElapsedMilliseconds - lastReport >= 100)
                    {
                        lastReport = watch.ElapsedMilliseconds;
                        report(total);
                    }
                }

                while (pending.Count > 0)
                {
                    await TakeOldestAsync().ConfigureAwait(false);
                }

                report(total);
            }

            try
            {
                if (terminal.ErrorIsInteractive && !input.FromArguments)
                {
                    await terminal.ErrorConsole.Progress()
                        .AutoClear(true)
                        .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
                        .StartAsync(async context =>
                        {
                            var task = context.AddTask("producing", maxValue: records ?? 1);
                            task.IsIndeterminate = records is null;
                            await RunAsync(count =>
                            {
                                task.Description = $"{count.ToString("N0", CultureInfo.InvariantCulture)} records, {Rate(count, watch.Elapsed)} records/s";
                                task.Value = records is null ? 0 : count;
                            }).ConfigureAwait(false);
                        }).ConfigureAwait(false);
                }
                else
                {
                    await RunAsync(_ => { }).ConfigureAwait(false);
                }
            }
            catch (Exception) when (total > 0 && !cancellationToken.IsCancellationRequested)
            {
                await terminal.Error.WriteLineAsync($"cloudlog: {total.ToString("N0", CultureInfo.InvariantCulture)} records were delivered before this failure.").ConfigureAwait(false);
                throw;
            }
        }

        watch.Stop();
        foreach (var (p, (first, last, count)) in delivered)
        {
            await terminal.Out.WriteLineAsync(
                string.Create(CultureInfo.InvariantCulture, $"partition {p}: {count} record(s), offsets {first} to {last}")).ConfigureAwait(false);
        }

        await terminal.Error.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"Produced {total:N0} record(s) to '{topic}' in {watch.Elapsed.TotalSeconds:0.0} s ({Rate(total, watch.Elapsed)} records/s).")).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static string Rate(long count, TimeSpan elapsed) =>
        (elapsed.TotalSeconds <= 0 ? 0 : count / elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture);
}
