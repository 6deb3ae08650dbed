using System.Text;
using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Http;
using Cloud.Log.Testing;

namespace Cloud.Log.Functions.Tests;

/// <summary>
/// The route table's access column is what the function app enforces too: a signed-in principal (App Service
/// Authentication) without the app role for a row's right gets 403 from that route's function, and one with it
/// gets past authorization; a function-key caller (no principal) has every right.
/// </summary>
public sealed class RouteAccessTests(StorageFixture storage) : IDisposable
{
    private readonly FunctionInvoker _invoker = new(FunctionSettings.For(storage, StorageFixture.NewPrefix()));

    public void Dispose() => _invoker.Dispose();

    private static string Principal(params string[] roles) => Convert.ToBase64String(Encoding.UTF8.GetBytes(
        "{\"auth_typ\":\"aad\",\"role_typ\":\"roles\",\"claims\":[" + string.Join(",", roles.Select(r => $"{{\"typ\":\"roles\",\"val\":\"{r}\"}}")) + "]}"));

    /// <summary>The app roles that hold what <paramref name="access"/> asks: admin includes produce and consume; describe is any principal.</summary>
    private static string[] RolesWith(ApiAccess access) => access switch
    {
        ApiAccess.Admin => ["CloudLog.Admin"],
        ApiAccess.Produce => ["CloudLog.Admin", "CloudLog.Produce"],
        ApiAccess.Consume => ["CloudLog.Admin", "CloudLog.Consume"],
        _ => ["CloudLog.Admin", "CloudLog.Produce", "CloudLog.Consume", ""],
    };

    /// <summary>For every row of the route table: a principal lacking the row's right is 403, one holding it is neither 401 nor 403, and so is a function-key caller.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Every_function_asks_for_the_access_its_table_row_names()
    {
        using var client = new HttpClient(_invoker, disposeHandler: false) { BaseAddress = new Uri("http://localhost") };
        foreach (var route in ApiRoutes.All)
        {
            var path = "/" + ApiRoutes.Prefix + "/" + route.Template
                .Replace("{topic}", "orders", StringComparison.Ordinal)
                .Replace("{partition}", "0", StringComparison.Ordinal)
                .Replace("{group}", "billing", StringComparison.Ordinal)
                .Replace("{member}", "member-1", StringComparison.Ordinal);
            string[] holders = route.Access == ApiAccess.Anonymous ? ["CloudLog.Admin", "CloudLog.Produce", "CloudLog.Consume", ""] : RolesWith(route.Access);
            foreach (var role in new[] { (string?)null, "CloudLog.Admin", "CloudLog.Produce", "CloudLog.Consume", "" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
                if (route.Method is "POST" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                if (role is not null)
                {
                    request.Headers.Add(HostKeyAuthorizer.PrincipalHeader, role.Length == 0 ? Principal() : Principal(role));
                }

                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var who = role is null ? "a function-key caller" : role.Length == 0 ? "a principal without app roles" : $"a principal with {role}";
                if (role is null || holders.Contains(role))
                {
                    Assert.True(status is not (401 or 403), $"{route.Name} needs {route.Access}, which {who} holds, and answered {status}");
                }
                else
                {
                    Assert.True(status == 403, $"{route.Name} needs {route.Access}, which {who} lacks, and answered {status}");
                }
            }
        }
    }
}
