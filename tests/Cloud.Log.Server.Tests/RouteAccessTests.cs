using Cloud.Log.Api.Contract;
using Cloud.Log.Api.Http;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// The route table's access column is what the server enforces, route by route: without a key every route
/// but the anonymous ones is 401, a key without the row's right is 403, and a key with it gets past
/// authorization (whatever the request then earns: 200, 400, 404, …).
/// </summary>
public sealed class RouteAccessTests(StorageFixture storage) : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
    {
        ["CloudLog:Auth:ApiKeys:0:Name"] = "admin",
        ["CloudLog:Auth:ApiKeys:0:Key"] = "admin-secret",
        ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
        ["CloudLog:Auth:ApiKeys:1:Name"] = "produce",
        ["CloudLog:Auth:ApiKeys:1:Key"] = "produce-secret",
        ["CloudLog:Auth:ApiKeys:1:Rights:0"] = "produce",
        ["CloudLog:Auth:ApiKeys:2:Name"] = "consume",
        ["CloudLog:Auth:ApiKeys:2:Key"] = "consume-secret",
        ["CloudLog:Auth:ApiKeys:2:Rights:0"] = "consume",
    });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    /// <summary>The keys that hold what <paramref name="access"/> asks: admin includes produce and consume; describe is any key.</summary>
    private static string[] KeysWith(ApiAccess access) => access switch
    {
        ApiAccess.Admin => ["admin"],
        ApiAccess.Produce => ["admin", "produce"],
        ApiAccess.Consume => ["admin", "consume"],
        _ => ["admin", "produce", "consume"],
    };

    private static string PathOf(ApiRoute route) => "/" + ApiRoutes.Prefix + "/" + route.Template
        .Replace("{topic}", "orders", StringComparison.Ordinal)
        .Replace("{partition}", "0", StringComparison.Ordinal)
        .Replace("{group}", "billing", StringComparison.Ordinal)
        .Replace("{member}", "member-1", StringComparison.Ordinal);

    /// <summary>For every row of the route table: no key is 401 (unless anonymous), a key lacking the row's right is 403, a key holding it is neither.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Every_route_asks_for_the_access_its_table_row_names()
    {
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => r.Name).Distinct().Count());
        foreach (var route in ApiRoutes.All)
        {
            var method = new HttpMethod(route.Method);
            var path = PathOf(route);
            var body = route.Method is "POST" or "PATCH" ? "{}" : null;
            string[] holders = route.Access == ApiAccess.Anonymous ? [] : KeysWith(route.Access);

            using (var anonymous = await _host.Client.SendAsync(method, path, body))
            {
                if (route.Access == ApiAccess.Anonymous)
                {
                    Assert.True((int)anonymous.StatusCode is not (401 or 403), $"{route.Name} is anonymous in the table, and answered {(int)anonymous.StatusCode} without a key");
                }
                else
                {
                    await ApiClient.AssertProblemAsync(anonymous, 401, "UNAUTHORIZED");
                }
            }

            foreach (var key in new[] { "admin", "produce", "consume" })
            {
                using var response = await _host.Client.SendAsync(method, path, body, new Dictionary<string, string> { ["x-api-key"] = key + "-secret" });
                var status = (int)response.StatusCode;
                if (route.Access == ApiAccess.Anonymous || holders.Contains(key))
                {
                    Assert.True(status is not (401 or 403), $"{route.Name} needs {route.Access}, which the {key} key holds, and answered {status}: {await response.Content.ReadAsStringAsync()}");
                }
                else
                {
                    Assert.True(status == 403, $"{route.Name} needs {route.Access}, which the {key} key lacks, and answered {status}");
                    await ApiClient.AssertProblemAsync(response, 403, "FORBIDDEN");
                }
            }
        }
    }
}
