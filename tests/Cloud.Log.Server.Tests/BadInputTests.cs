using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// The bad-input suite: every request of <see cref="BadInputCases"/> is answered 4xx with a problem body
/// (never 5xx), and after each the storage of the server's prefix is exactly as before: every blob and
/// its length and ETag, every table row and its ETag.
/// </summary>
public sealed class BadInputTests(BadInputTests.Fixture fixture) : IClassFixture<BadInputTests.Fixture>
{
    public static TheoryData<string> Cases => [.. BadInputCases.All.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The suite is as large as the issue asks: at least 200 malformed or hostile requests.</summary>
    [Fact]
    public void Suite_has_at_least_200_cases() => Assert.True(BadInputCases.All.Count >= 200, $"{BadInputCases.All.Count} cases");

    /// <summary>The state every case is compared with holds the fixture's data: segment blobs, the topic, its partitions and the group.</summary>
    [Fact]
    public void Baseline_holds_the_topic_its_records_and_the_group()
    {
        Assert.Contains(fixture.Baseline, l => l.StartsWith("blob ", StringComparison.Ordinal) && l.Contains(".log", StringComparison.Ordinal));
        Assert.Contains(fixture.Baseline, l => l.StartsWith($"row topics topics {BadInputCases.Topic} ", StringComparison.Ordinal));
        Assert.Equal(3, fixture.Baseline.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^row partitions \S+ \d{5} "))); // one state row per partition
        Assert.Equal(3, fixture.Baseline.Count(l => l.StartsWith("row partitions ", StringComparison.Ordinal) && l.Contains("|s|", StringComparison.Ordinal))); // and its segment
        Assert.Contains(fixture.Baseline, l => l.StartsWith($"row groups {BadInputCases.Group} ", StringComparison.Ordinal));
    }

    /// <summary>One bad request: 4xx with a problem body and the expected code, and nothing stored changed.</summary>
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_is_a_4xx_problem_and_changes_nothing(string name)
    {
        var input = BadInputCases.All[name];
        using var request = new HttpRequestMessage(input.Method, input.Path);
        if (input.Body is not null)
        {
            request.Content = new ByteArrayContent(input.Body);
            request.Content.Headers.ContentType = new(input.ContentType);
        }

        foreach (var (header, value) in input.Headers)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        if (input.Chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await fixture.Host.Client.SendAsync(request);
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{name}: {status} {await response.Content.ReadAsStringAsync()}");
        if (input.ProblemBody)
        {
            await ApiClient.AssertProblemAsync(response, input.Status == BadInputCases.AnyClientError ? status : input.Status, input.Code);
        }
        else
        {
            Assert.Equal(input.Status, status);
        }

        Assert.Equal(fixture.Baseline, await StorageSnapshot.TakeAsync(fixture.Host.ConnectionString, fixture.Host.Prefix));
    }

    /// <summary>Requests no HttpClient sends: bodies that end before their length, repeated and non-ASCII headers.</summary>
    public static TheoryData<string> RawCases => [.. RawRequests.Keys.Order(StringComparer.Ordinal)];

    private static readonly string Produce = $"/api/topics/{BadInputCases.Topic}/records";

    private const string Body = "{\"records\":[{\"value\":\"v\"}]}";

    /// <summary>
    /// Each raw request; whether its body ends early (the client then closes its sending side, which the HTTP
    /// server takes as the connection's end: it may close without an answer, but must store nothing); and
    /// the code its problem must carry (null: the HTTP server's own bare 400 for a header it refuses will do).
    /// </summary>
    private static readonly Dictionary<string, (byte[] Request, bool EndsEarly, string? Code)> RawRequests = new(StringComparer.Ordinal)
    {
        ["body-ends-before-its-length"] = (Http($"Content-Type: application/json\r\nContent-Length: 200", Body), true, null),
        ["chunked-without-last-chunk"] = (Http("Content-Type: application/json\r\nTransfer-Encoding: chunked", $"{Body.Length:x}\r\n{Body}\r\n"), true, null),
        ["chunked-ends-inside-a-chunk"] = (Http("Content-Type: application/json\r\nTransfer-Encoding: chunked", "40\r\n{\"records\":["), true, null),
        ["chunked-bad-chunk-size"] = (Http("Content-Type: application/json\r\nTransfer-Encoding: chunked", "zz\r\n{}\r\n0\r\n\r\n"), false, null),
        ["idempotency-key-twice"] = (Http("Content-Type: application/json\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\nContent-Length: " + Body.Length, Body), false, "INVALID_REQUEST"),
        ["idempotency-key-twice-same"] = (Http("Content-Type: application/json\r\nIdempotency-Key: a\r\nIdempotency-Key: a\r\nContent-Length: " + Body.Length, Body), false, "INVALID_REQUEST"),
        ["idempotency-key-utf8"] = (Http("Content-Type: application/json\r\nIdempotency-Key: \u043a\u043b\u044e\u0447\r\nContent-Length: " + Body.Length, Body), false, null),
        ["idempotency-key-control"] = (Http("Content-Type: application/json\r\nIdempotency-Key: a\u0001b\r\nContent-Length: " + Body.Length, Body), false, null),
    };

    private static byte[] Http(string headers, string body) =>
        System.Text.Encoding.UTF8.GetBytes($"POST {Produce} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n\r\n{body}");

    /// <summary>
    /// One raw request, sent over a socket whose sending side is then shut: 4xx (a problem with the code where
    /// one is given; where none is, the HTTP server's own 400 for a header it refuses will do) and nothing stored.
    /// </summary>
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(RawCases))]
    public async Task Raw_request_is_a_4xx_and_changes_nothing(string name)
    {
        var (bytes, endsEarly, code) = RawRequests[name];
        var address = fixture.Host.Client.BaseAddress!;
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(address.Host, address.Port, TestContext.Current.CancellationToken);
        var stream = socket.GetStream();
        await stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (endsEarly)
        {
            socket.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }

        string answer;
        using (var reader = new StreamReader(stream))
        {
            try
            {
                answer = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
            }
            catch (IOException) when (endsEarly)
            {
                answer = ""; // reset: the server closed the connection it took as ended
            }
        }

        var status = System.Text.RegularExpressions.Regex.Match(answer, @"^HTTP/1\.1 (\d{3})");
        Assert.True(status.Success || (endsEarly && answer.Length == 0), $"{name}: {answer}");
        var answered = status.Success ? int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 400;
        Assert.True(answered is >= 400 and < 500, $"{name}: {answer}");
        if (code is not null)
        {
            Assert.Contains("application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"\"code\":\"{code}\"", answer, StringComparison.Ordinal);
        }

        Assert.Equal(fixture.Baseline, await StorageSnapshot.TakeAsync(fixture.Host.ConnectionString, fixture.Host.Prefix));
    }

    /// <summary>A server holding a topic and a group, with its storage state taken once every lease was released.</summary>
    public sealed class Fixture(StorageFixture storage) : IAsyncLifetime
    {
        public ServerHost Host { get; private set; } = null!;

        public IReadOnlyList<string> Baseline { get; private set; } = [];

        public async ValueTask InitializeAsync()
        {
            Host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
            {
                ["CloudLog:Api:MaxRequestBodyBytes"] = BadInputCases.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CloudLog:ProduceQueue:Enabled"] = "false",
            });
            var client = Host.Client;
            await client.JsonAsync(HttpMethod.Post, "/api/topics", $$$"""{"name":"{{{BadInputCases.Topic}}}","partitions":3,"configs":{"max.message.bytes":"1000"}}""");
            for (var p = 0; p < 3; p++)
            {
                await client.JsonAsync(HttpMethod.Post, $"/api/topics/{BadInputCases.Topic}/records", $$$"""{"records":[{"value":"a","partition":{{{p}}}},{"value":"b","partition":{{{p}}}}]}""");
            }

            await client.JsonAsync(HttpMethod.Post, $"/api/groups/{BadInputCases.Group}/offsets", $$$"""{"offsets":[{"topic":"{{{BadInputCases.Topic}}}","partition":0,"offset":1}]}""");

            // Idle writers release their leases after the renew interval; wait until the lease rows stop changing.
            IReadOnlyList<string> previous = [];
            for (var i = 0; i < 50; i++)
            {
                await Task.Delay(300);
                Baseline = await StorageSnapshot.TakeAsync(Host.ConnectionString, Host.Prefix);
                if (Baseline.SequenceEqual(previous))
                {
                    break;
                }

                previous = Baseline;
            }
        }

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }
}
