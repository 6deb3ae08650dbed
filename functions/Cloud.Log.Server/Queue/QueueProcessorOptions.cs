namespace Cloud.Log.Server.Queue;

/// <summary>How the server's queue processor polls the produce queue (configuration <c>CloudLog:ProduceQueue</c>).</summary>
public sealed class QueueProcessorOptions
{
    /// <summary>Whether the server reads the produce queue at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Messages taken per receive, 1 to 32 (the queue's limit). Default 16.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>How long to wait before polling an empty queue again. Default 1 s (the Functions host backs off to 1 min; this stays short for local use).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a received message stays hidden from other readers while it is handled. Default 1 min.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries after which a message that keeps failing goes to the poison queue, as the Functions host does. Default 5.</summary>
    public int MaxDequeueCount { get; set; } = 5;
}
