using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cloud.Log.Kafka.Hosting;

/// <summary>Where the Kafka listener is bound, known once the server has started (the port, when 0 was configured).</summary>
public sealed class KafkaListenerEndpoint
{
    internal ListenOptions? ListenOptions { get; set; }

    /// <summary>The bound port, or null before the server started.</summary>
    public int? Port => ListenOptions?.EndPoint is IPEndPoint ip && ip.Port != 0 ? ip.Port : null;
}
