using Cloud.Log.Api;
using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Configuration;
using Cloud.Log.Api.Http;
using Cloud.Log.Api.Jobs;
using Cloud.Log.Console;
using Cloud.Log.Core;
using Cloud.Log.Kafka.Hosting;
using Cloud.Log.Protocol.Wire;
using Cloud.Log.Server.Jobs;
using Cloud.Log.Server.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Server;

/// <summary>
/// Builds the standalone server: the contract's routes from <see cref="ApiRoutes"/> over
/// <see cref="CloudLogHttpApi"/>, API-key and bearer-token auth, CORS, problem answers for unknown routes, and the produce
/// queue processor. Tests build it the same way, with their own configuration.
/// </summary>
public static class CloudLogServer
{
    /// <summary>Where the server listens unless configured otherwise (the Functions host's local port).</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>Builds the app; <paramref name="configure"/> may add configuration or services (tests do).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the server's own directory, not the one it is started from: its appsettings.json is
        // read wherever ./run.sh or a user starts it, and the configuration's change watch covers that directory
        // only (from a repository's root it would watch every directory below, node_modules among them).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // One auth model for REST and Kafka: API keys (x-api-key / SASL PLAIN) and bearer tokens (Authorization: Bearer / SASL OAUTHBEARER).
        var credentials = CloudLogCredentials.Read(configuration);
        builder.Services.AddSingleton(credentials);
        builder.AddKafkaListener(); // CloudLog:Kafka (off unless enabled): Kafka's wire protocol over the same engine

        var apiOptions = CloudLogConfiguration.ReadApiOptions(configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel's own limits sit above the API's, so an oversized request gets the API's problem answer.
            kestrel.Limits.MaxRequestBodySize = apiOptions.MaxRequestBodyBytes + 1L;
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(apiOptions.MaxRequestHeaderBytes * 4, 256 * 1024);
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 1000;
        });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

        var corsOrigins = CloudLogConfiguration.ReadCorsOrigins(configuration);
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. corsOrigins])
            .AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders("Retry-After", FetchHeaders.NextOffset, FetchHeaders.HighWatermark, FetchHeaders.LogStartOffset)));
        builder.Services.AddCloudLog(
            configuration,
            new ServerRequestAuthorizer(credentials),
            _ => CloudLogConfiguration.ReadQueueService(configuration));
        builder.Services.Configure<QueueProcessorOptions>(configuration.GetSection($"{CloudLogConfiguration.Section}:ProduceQueue"));
        builder.Services.AddHostedService<QueueProduceService>();
        var jobs = new JobOptions();
        configuration.GetSection($"{CloudLogConfiguration.Section}:Jobs").Bind(jobs);
        AddJob<ReplicaCatchUpJob>(builder.Services, jobs.ReplicationInterval);
        AddJob<RetentionJob>(builder.Services, jobs.RetentionInterval);
        AddJob<CompactionJob>(builder.Services, jobs.CompactionInterval);

        var app = builder.Build();
        ServerMetrics.Observe(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), app.Services.GetRequiredService<CloudLogEngine>()); // fail at start, not at the first request, when storage is unreachable
        app.UseCors();
        app.Use(AnswerUnmatchedRoutesAsync);
        var api = app.MapGroup("/" + ApiRoutes.Prefix);
        foreach (var route in ApiRoutes.All)
        {
            api.MapMethods("/" + route.Template, [route.Method], (HttpContext context, CloudLogHttpApi handlers) => route.Invoke(handlers, context.Request, context.Request.RouteValues))
                .WithName(route.Name);
        }

        app.MapCloudLogConsole(); // the web console at /console (Cloud.Log.Console)
        return app;
    }

    private static void AddJob<TJob>(IServiceCollection services, TimeSpan interval)
        where TJob : ICloudLogJob =>
        services.AddSingleton<IHostedService>(provider => new PeriodicJobService(
            provider.GetRequiredService<TJob>(),
            interval,
            provider.GetRequiredService<ILogger<PeriodicJobService>>()));

    /// <summary>Routing's bare 404 and 405 become problem answers, as every other error is.</summary>
    private static async Task AnswerUnmatchedRoutesAsync(HttpContext context, Func<Task> next)
    {
        await next().ConfigureAwait(false);
        var status = context.Response.StatusCode;
        if (context.Response.HasStarted || status is not (404 or 405) || context.Response.ContentLength is not (null or 0))
        {
            return;
        }

        var problem = status == 405
            ? ApiProblem.MethodNotAllowed(context.Request.Method, context.Request.Path)
            : ApiProblem.NotFound(context.Request.Path);
        await problem.ExecuteAsync(context).ConfigureAwait(false);
    }
}
