using System.Reflection;
using Cloud.Log.Functions;
using Cloud.Log.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Functions.Tests;

/// <summary>
/// Calls the function app's HTTP functions directly, as the Functions host would: the request's path is
/// matched against each function's <c>[HttpTrigger]</c> route and methods (below the <c>api</c> route
/// prefix of host.json), route values are bound to the method's string parameters by name, the function
/// class comes from the app's own service registration (<see cref="FunctionsStartup"/>), and the
/// <see cref="IResult"/> it answers is executed into the response. A request no function matches gets the
/// host's bare 404.
/// </summary>
public sealed class FunctionInvoker : HttpMessageHandler
{
    private readonly ServiceProvider _services;
    private readonly List<HttpFunction> _functions;

    public FunctionInvoker(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        FunctionsStartup.ConfigureServices(services, configuration);
        _services = services.BuildServiceProvider();
        _functions = Discover().ToList();
    }

    public IServiceProvider Services => _services;

    /// <summary>Every HTTP function of the app: its class, method, trigger route and methods.</summary>
    public static IEnumerable<HttpFunction> Discover() =>
        typeof(FunctionsStartup).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => (Type: t, Method: m)))
            .Select(x => (x.Type, x.Method, Name: x.Method.GetCustomAttribute<FunctionAttribute>()?.Name,
                Trigger: x.Method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Name is not null && x.Trigger is not null)
            .Select(x => new HttpFunction(x.Name!, x.Type, x.Method, x.Trigger!.Route!, x.Trigger.Methods!.Select(m => m.ToUpperInvariant()).ToArray(), x.Trigger.AuthLevel));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        var match = _functions
            .Select(f => (Function: f, Values: f.Match(path)))
            .FirstOrDefault(m => m.Values is not null && m.Function.Methods.Contains(request.Method.Method));
        if (match.Function is null)
        {
            return new HttpResponseMessage(System.Net.HttpStatusCode.NotFound) { RequestMessage = request };
        }

        await using var scope = _services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = request.Method.Method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(request.RequestUri.Query);
        foreach (var (name, values) in request.Headers)
        {
            context.Request.Headers[name] = values.ToArray();
        }

        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
            {
                context.Request.Headers[name] = values.ToArray();
            }

            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
        }

        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;
        context.RequestAborted = cancellationToken;

        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, match.Function.Class);
        var arguments = match.Function.Method.GetParameters().Select(p =>
            p.ParameterType == typeof(HttpRequest) ? context.Request
            : p.ParameterType == typeof(CancellationToken) ? cancellationToken
            : (object?)match.Values![p.Name!]).ToArray();
        var result = await (Task<IResult>)match.Function.Method.Invoke(instance, arguments)!;
        await result.ExecuteAsync(context);
        await context.Response.BodyWriter.FlushAsync(cancellationToken);

        var response = new HttpResponseMessage((System.Net.HttpStatusCode)context.Response.StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(responseBody.ToArray()),
        };
        foreach (var (name, values) in context.Response.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                response.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        return response;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The engine is only IAsyncDisposable (it flushes and releases leases on the way out).
            _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }
}

/// <summary>One HTTP function: what its trigger attribute says.</summary>
public sealed record HttpFunction(string Name, Type Class, MethodInfo Method, string Route, string[] Methods, AuthorizationLevel AuthLevel)
{
    /// <summary>The route values when <paramref name="path"/> matches <c>/api/{Route}</c>, else null. Segments are URL-decoded, as routing does.</summary>
    public Dictionary<string, string>? Match(string path)
    {
        var actual = path.Trim('/').Split('/');
        var template = ("api/" + Route).Split('/');
        if (actual.Length != template.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < template.Length; i++)
        {
            var segment = Uri.UnescapeDataString(actual[i]);
            if (template[i].StartsWith('{'))
            {
                if (segment.Length == 0)
                {
                    return null;
                }

                values[template[i].Trim('{', '}')] = segment;
            }
            else if (!string.Equals(template[i], segment, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        return values;
    }
}
