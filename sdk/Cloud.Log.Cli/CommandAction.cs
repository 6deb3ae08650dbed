using System.CommandLine;
using Cloud.Log.Cli.Output;

namespace Cloud.Log.Cli;

/// <summary>Runs a command's action: every failure becomes one line on standard error and its exit code, never a stack trace.</summary>
internal static class CommandAction
{
    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="action"/>, with the failures reported.</summary>
    public static void Set(Command command, Terminal terminal, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(action);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await terminal.Error.WriteLineAsync("cloudlog: interrupted").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var (exitCode, line) = ErrorReport.Describe(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e);
                await terminal.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                await terminal.Error.WriteLineAsync("cloudlog: " + line).ConfigureAwait(false);
                return exitCode;
            }
        });
    }
}
