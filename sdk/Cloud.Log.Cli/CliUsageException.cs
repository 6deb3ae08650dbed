namespace Cloud.Log.Cli;

/// <summary>A command line or an input that cannot be used; reported as one line with <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException()
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
