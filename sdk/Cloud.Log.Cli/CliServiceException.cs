namespace Cloud.Log.Cli;

/// <summary>A refusal the tool finds from what the service answered (an offset outside the log), with the contract's error code; <see cref="ExitCodes.ServiceError"/>.</summary>
internal sealed class CliServiceException : Exception
{
    public CliServiceException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public CliServiceException()
    {
        Code = "INVALID_REQUEST";
    }

    public CliServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "INVALID_REQUEST";
    }

    /// <summary>The contract's error code the refusal corresponds to.</summary>
    public string Code { get; }
}
