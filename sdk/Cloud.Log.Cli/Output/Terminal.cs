using Spectre.Console;

namespace Cloud.Log.Cli.Output;

/// <summary>Where a command writes: answers to standard output, errors, progress and summaries to standard error.</summary>
internal sealed class Terminal(TextWriter output, TextWriter error)
{
    private IAnsiConsole? _outConsole;
    private IAnsiConsole? _errorConsole;

    /// <summary>Standard output: what the command answers.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Standard error: errors, progress, summaries.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>Whether standard error is a terminal a progress bar can be drawn on.</summary>
    public bool ErrorIsInteractive => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Tables go here.</summary>
    public IAnsiConsole OutConsole => _outConsole ??= Create(Out, ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected);

    /// <summary>Progress bars go here.</summary>
    public IAnsiConsole ErrorConsole => _errorConsole ??= Create(Error, ErrorIsInteractive);

    private static IAnsiConsole Create(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            console.Profile.Width = 240; // a redirected table is not cut at 80 columns
        }

        return console;
    }
}
