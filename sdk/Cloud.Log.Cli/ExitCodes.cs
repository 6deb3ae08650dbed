namespace Cloud.Log.Cli;

/// <summary>The exit codes scripts can rely on (docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The service refused or failed the request (its problem detail is printed): an unknown topic, an offset outside the log, a conflict.</summary>
    public const int ServiceError = 1;

    /// <summary>The command line or its input is wrong (an unknown option, a bad offset or time, a line that is not JSON); nothing was sent for it.</summary>
    public const int Usage = 2;

    /// <summary>The service could not be reached (no answer, a connection refused, a timeout).</summary>
    public const int Unreachable = 3;

    /// <summary>The service refused the credentials: 401 (no key or an unknown key) or 403 (a key without the right).</summary>
    public const int Unauthorized = 4;

    /// <summary>Interrupted (Ctrl-C) before the command finished; a followed consume stopped by Ctrl-C exits <see cref="Ok"/>.</summary>
    public const int Interrupted = 130;
}
