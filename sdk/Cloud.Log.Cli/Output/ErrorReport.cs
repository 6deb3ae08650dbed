using System.Text.Json;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Output;

/// <summary>A failure as one line for standard error, and the exit code it gives.</summary>
internal static class ErrorReport
{
    /// <summary>The exit code and the line (without the <c>cloudlog: </c> prefix) for <paramref name="error"/>.</summary>
    public static (int ExitCode, string Line) Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        switch (error)
        {
            case CliUsageException usage:
                return (ExitCodes.Usage, usage.Message);
            case CliServiceException service:
                return (ExitCodes.ServiceError, $"{service.Message} ({service.Code})");
            case CloudLogException cloudLog:
                var (code, detail) = Problem(cloudLog);
                var exit = cloudLog.Status is 401 or 403 || code is "UNAUTHORIZED" or "FORBIDDEN"
                    ? ExitCodes.Unauthorized
                    : cloudLog.Code == CloudLogErrorCode.ServiceUnreachable && cloudLog.Status == 0 ? ExitCodes.Unreachable : ExitCodes.ServiceError;
                return (exit, $"{detail} ({code})");
            case FileNotFoundException or DirectoryNotFoundException:
                return (ExitCodes.Usage, FirstLine(error.Message));
            case IOException or UnauthorizedAccessException:
                return (ExitCodes.Usage, FirstLine(error.Message));
            default:
                return (ExitCodes.ServiceError, $"{FirstLine(error.Message)} ({error.GetType().Name})");
        }
    }

    /// <summary>The service's problem code and detail, from the answer's body where there is one.</summary>
    private static (string Code, string Detail) Problem(CloudLogException error)
    {
        var response = error.GetRawResponse();
        if (response is not null && response.Content is { } content && !content.ToMemory().IsEmpty)
        {
            try
            {
                using var document = JsonDocument.Parse(content.ToMemory());
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                {
                    var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : error.Code.ToString();
                    return (code, FirstLine(detail.GetString()!));
                }
            }
            catch (JsonException)
            {
                // Not a problem body (a proxy's page): use the status below.
            }

            return (error.Code.ToString(), $"The service answered {response.Status} {response.ReasonPhrase}".TrimEnd());
        }

        return (error.Code.ToString(), Unanswered(error) ?? FirstLine(error.Message));
    }

    /// <summary>For a request that got no answer: what was asked and the network's own reason, without the retry policy's text.</summary>
    private static string? Unanswered(CloudLogException error)
    {
        var message = FirstLine(error.Message);
        var retry = message.IndexOf(" Retry failed", StringComparison.Ordinal);
        if (error.Code != CloudLogErrorCode.ServiceUnreachable || retry < 0)
        {
            return null;
        }

        var cause = error.InnerException;
        while (cause?.InnerException is not null)
        {
            cause = cause is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[^1] : cause.InnerException;
        }

        return message[..retry].TrimEnd(':', ' ') + (cause is null ? "" : $" ({FirstLine(cause.Message)})");
    }

    private static string FirstLine(string text)
    {
        var line = text.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).Trim().ToString();
    }
}
