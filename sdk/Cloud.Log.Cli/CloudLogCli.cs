using System.CommandLine;
using System.CommandLine.Parsing;
using Cloud.Log.Cli.Commands;
using Cloud.Log.Cli.Output;

namespace Cloud.Log.Cli;

/// <summary>The <c>cloudlog</c> command line: its commands, and how a run ends (docs/cli.md).</summary>
internal static class CloudLogCli
{
    /// <summary>The command tree, writing to <paramref name="terminal"/>.</summary>
    public static RootCommand Build(Terminal terminal)
    {
        var root = new RootCommand("cloudlog: topics, records, consumer groups and offsets of a Cloud.Log service.")
        {
            GlobalOptions.Endpoint,
            GlobalOptions.ApiKey,
            GlobalOptions.Profile,
        };
        root.Subcommands.Add(TopicsCommand.Create(terminal));
        root.Subcommands.Add(ProduceCommand.Create(terminal));
        root.Subcommands.Add(ConsumeCommand.Create(terminal));
        root.Subcommands.Add(GroupsCommand.Create(terminal));
        root.Subcommands.Add(OffsetsCommand.Create(terminal));
        root.Subcommands.Add(ProfileCommand.Create(terminal));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; answers the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var terminal = new Terminal(output, error);
        var parse = Build(terminal).Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, as every failure: the parser's complaints, then where to look.
            var complaints = string.Join(' ', parse.Errors.Select(e => e.Message.TrimEnd('.') + "."));
            await error.WriteLineAsync($"cloudlog: {complaints} Run '{CommandPath(parse)} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
        };
        var exitCode = await parse.InvokeAsync(configuration).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
        return exitCode;
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult command; result = command.Parent)
        {
            names.Insert(0, command.Parent is null ? "cloudlog" : command.Command.Name);
        }

        return string.Join(' ', names);
    }
}
