using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cloud.Log.Api.Auth;
using Cloud.Log.Core;
using Cloud.Log.Kafka.Groups;
using Cloud.Log.Kafka.Handlers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Kafka.Hosting;

/// <summary>Adds the Kafka listener to a server built on <see cref="WebApplicationBuilder"/>.</summary>
public static class KafkaListenerExtensions
{
    /// <summary>
    /// When <c>CloudLog:Kafka:Enabled</c> is true, listens for Kafka clients on <c>CloudLog:Kafka:Host</c> /
    /// <c>Port</c> with <see cref="KafkaConnectionHandler"/>, beside the HTTP endpoints. Kestrel serves either
    /// the configured URLs or endpoints set in code, never both, so the HTTP URLs configured (<c>urls</c>)
    /// are bound here too, in code. Call it after the URLs are settled. Without Kafka enabled it changes nothing.
    /// Connections authenticate with the server's credentials (<see cref="CloudLogCredentials"/>, read from
    /// <c>CloudLog:Auth</c> unless already registered), and the listener speaks TLS when
    /// <c>CloudLog:Kafka:Certificate:Path</c> is set.
    /// </summary>
    public static WebApplicationBuilder AddKafkaListener(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(KafkaListenerOptions.Section);
        var options = new KafkaListenerOptions();
        section.Bind(options);
        builder.Services.Configure<KafkaListenerOptions>(section);
        builder.Services.AddSingleton<KafkaListenerEndpoint>();
        builder.Services.AddSingleton<KafkaRequestDispatcher>();
        builder.Services.AddSingleton(services => new ClassicGroupCoordinator(services.GetRequiredService<CloudLogEngine>(), logger: services.GetService<ILogger<ClassicGroupCoordinator>>()));
        builder.Services.TryAddSingleton(_ => CloudLogCredentials.Read(builder.Configuration));
        if (!options.Enabled)
        {
            return builder;
        }

        var urls = (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty); // bound below, in code
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in urls)
            {
                ListenHttp(kestrel, BindingAddress.Parse(url));
            }

            var endpoint = kestrel.ApplicationServices.GetRequiredService<KafkaListenerEndpoint>();
            var certificate = LoadCertificate(options.Certificate);
            kestrel.Listen(ParseHost(options.Host), options.Port, listen =>
            {
                endpoint.ListenOptions = listen;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate); // Kestrel's TLS under the Kafka protocol, not HTTP
                }

                listen.UseConnectionHandler<KafkaConnectionHandler>();
            });
        });
        return builder;
    }

    private static void ListenHttp(KestrelServerOptions kestrel, BindingAddress address)
    {
        if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"With the Kafka listener on, the server binds its HTTP URLs itself, and only http ones: '{address}'.");
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port);
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            kestrel.Listen(ip, address.Port);
        }
        else
        {
            kestrel.ListenAnyIP(address.Port);
        }
    }

    /// <summary>The configured certificate, or null for plain TCP; a file that cannot be read stops the server at start.</summary>
    internal static X509Certificate2? LoadCertificate(KafkaCertificateOptions options)
    {
        if (string.IsNullOrEmpty(options.Path))
        {
            return null;
        }

        try
        {
            var extension = System.IO.Path.GetExtension(options.Path);
            if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
                return X509CertificateLoader.LoadPkcs12FromFile(options.Path, options.Password);
            }

            return string.IsNullOrEmpty(options.Password)
                ? X509Certificate2.CreateFromPemFile(options.Path, options.KeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(options.Path, options.Password, options.KeyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"CloudLog:Kafka:Certificate '{options.Path}' cannot be loaded: {e.Message}", e);
        }
    }

    private static IPAddress ParseHost(string host) =>
        host is "*" or "+" or "" ? IPAddress.Any
        : IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip
        : string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : throw new InvalidOperationException($"CloudLog:Kafka:Host '{host}' is not an IP address.");
}
