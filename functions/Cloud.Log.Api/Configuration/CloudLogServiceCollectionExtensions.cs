using Azure.Storage.Queues;
using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Http;
using Cloud.Log.Api.Queue;
using Cloud.Log.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Configuration;

/// <summary>The services both hosts share, registered once: the engine, the HTTP API and the queue produce handler.</summary>
public static class CloudLogServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine (built from <paramref name="configuration"/> on first use), the API with
    /// <paramref name="authorizer"/>, and the queue produce handler, whose poison queue is in
    /// <paramref name="queues"/>.
    /// </summary>
    public static IServiceCollection AddCloudLog(this IServiceCollection services, IConfiguration configuration, IRequestAuthorizer authorizer, Func<IServiceProvider, QueueServiceClient> queues)
    {
        services.AddSingleton(CloudLogConfiguration.ReadApiOptions(configuration));
        services.AddSingleton(authorizer);
        services.AddSingleton(provider => CloudLogEngine.CreateAsync(
            CloudLogConfiguration.ReadLocations(configuration),
            CloudLogConfiguration.ReadEngineOptions(configuration),
            TimeProvider.System,
            provider.GetRequiredService<ILoggerFactory>(),
            CloudLogConfiguration.ReadMetadataLocation(configuration)).GetAwaiter().GetResult());
        services.AddSingleton<Jobs.ReplicaCatchUpJob>();
        services.AddSingleton<Jobs.RetentionJob>();
        services.AddSingleton<Jobs.CompactionJob>();
        services.AddSingleton<CloudLogHttpApi>();
        services.AddSingleton(queues);
        services.AddSingleton(provider => new QueueProduceHandler(
            provider.GetRequiredService<CloudLogEngine>(),
            provider.GetRequiredService<QueueServiceClient>().GetQueueClient(CloudLogConfiguration.ReadProduceQueueName(configuration) + "-poison"),
            provider.GetRequiredService<ILogger<QueueProduceHandler>>()));
        return services;
    }
}
