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
                ["CloudLog:Engine:LeaseRenewInterval"] = "00:00:00.200",
                ["CloudLog:Engine:LeaseDuration"] = "00:00:05",
                ["CloudLog:Engine:LeaseSafetyMargin"] = "00:00:01",
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
