using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cloud.Log.Soak;

/// <summary>
/// Everything the clients saw, with the machine's monotonic clock (<see cref="Stopwatch.GetTimestamp"/>):
/// acknowledgements, reads, values sent, and answers that were server errors.
/// </summary>
internal sealed class History
{
    public ConcurrentQueue<Ack> Acks { get; } = new();

    public ConcurrentQueue<Read> Reads { get; } = new();

    /// <summary>Every value a producer sent (or tried to), by value: whether it must be stored at most once.</summary>
    public ConcurrentDictionary<string, Sent> Sent { get; } = new();

    public ConcurrentQueue<string> ServerErrors { get; } = new();

    /// <summary>Client errors (4xx) no producer or consumer expected (416 is a reader's, 429 with Retry-After storage's throttling); a figure of the run, not a violation.</summary>
    public ConcurrentQueue<string> UnexpectedClientErrors { get; } = new();

    private long _failedAttempts;

    /// <summary>Requests that failed (refused, timed out, 503), retried or given up.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    public void Failed() => Interlocked.Increment(ref _failedAttempts);

    /// <summary>Records an HTTP answer's status where it is a violation (a 5xx other than 503 with Retry-After) or unexpected.</summary>
    public void Answered(string worker, HttpResponseMessage response, string body)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        if (status >= 500 && !(status == 503 && response.Headers.RetryAfter is not null))
        {
            ServerErrors.Enqueue($"{worker}: {status} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {Truncate(body)}");
        }
        else if (status is >= 400 and < 500 and not 416 && !(status == 429 && response.Headers.RetryAfter is not null))
        {
            UnexpectedClientErrors.Enqueue($"{worker}: {status} {response.RequestMessage?.RequestUri?.PathAndQuery}: {Truncate(body)}");
        }
    }

    public static long Now() => Stopwatch.GetTimestamp();

    private static string Truncate(string body) => body.Length > 300 ? body[..300] : body;
}
