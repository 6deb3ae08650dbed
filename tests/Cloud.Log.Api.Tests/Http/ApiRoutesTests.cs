using System.Reflection;
using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Tests.Http;

public class ApiRoutesTests
{
    /// <summary>
    /// Every public handler of the API serves exactly one row of the route table (its name with Async), so the
    /// access each handler enforces is its row's.
    /// </summary>
    [Fact]
    public void Every_handler_serves_one_row_of_the_route_table()
    {
        var handlers = typeof(CloudLogHttpApi).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.ReturnType == typeof(Task<IResult>))
            .Select(m => m.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(ApiRoutes.All.Select(r => r.Name + "Async").Order(StringComparer.Ordinal), handlers);
        Assert.All(ApiRoutes.All, r => Assert.Same(r, ApiRoutes.ForHandler(r.Name + "Async")));
        Assert.Throws<InvalidOperationException>(() => ApiRoutes.ForHandler("NoSuchHandlerAsync"));
    }
}
