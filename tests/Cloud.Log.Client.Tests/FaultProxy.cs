using System.Collections.Concurrent;
using System.Net;

namespace Cloud.Log.Client.Tests;

/// <summary>
/// The clients' HTTP transport in tests: passes requests to the server, records them, and can be told to fail
/// them — answer 503 without sending (<see cref="RejectNext"/>), send and then lose the answer
/// (<see cref="DropAnswers"/>, the service stored it but the client never hears), or cut the client off
/// entirely (<see cref="Disconnected"/>).
/// </summary>
public sealed class FaultProxy : DelegatingHandler
{
    private int _rejectNext;
    private int _dropAnswers;

    public FaultProxy()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Every request sent, as "METHOD path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Which requests the faults apply to; every request when null.</summary>
    public Func<HttpRequestMessage, bool>? Matching { get; set; }

    /// <summary>While true, every request fails as if the network were down.</summary>
    public bool Disconnected { get; set; }

    /// <summary>The next n matching requests get a 503 with Retry-After 0, without reaching the server.</summary>
    public void RejectNext(int count) => Interlocked.Exchange(ref _rejectNext, count);

    /// <summary>The next n matching requests reach the server, which handles them; then their answers are lost.</summary>
    public void DropAnswers(int count) => Interlocked.Exchange(ref _dropAnswers, count);

    /// <summary>How many requests were sent whose path ends with <paramref name="suffix"/>.</summary>
    public int Count(string method, string suffix) => Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.EndsWith(suffix, StringComparison.Ordinal));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue($"{request.Method} {request.RequestUri!.AbsolutePath}");
        var matches = Matching?.Invoke(request) ?? true;
        if (Disconnected && matches)
        {
            throw new HttpRequestException("Connection refused (test proxy: disconnected).");
        }

        if (matches && Take(ref _rejectNext))
        {
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                RequestMessage = request,
                Headers = { { "Retry-After", "0" } },
                Content = new StringContent("""{"type":"urn:cloudlog:error:STORAGE_UNAVAILABLE","title":"t","status":503,"detail":"test proxy","code":"STORAGE_UNAVAILABLE"}"""),
            };
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (matches && Take(ref _dropAnswers))
        {
            await response.Content.ReadAsByteArrayAsync(cancellationToken); // the server finished its work
            response.Dispose();
            throw new HttpRequestException("The connection closed before the answer arrived (test proxy: dropped).");
        }

        return response;
    }

    private static bool Take(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
            {
                return true;
            }
        }
    }
}
