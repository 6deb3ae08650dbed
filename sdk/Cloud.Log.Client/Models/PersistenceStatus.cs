namespace Cloud.Log.Client;

/// <summary>Whether a produced record is stored: what a failure means for a retry (Confluent.Kafka's <c>PersistenceStatus</c>).</summary>
public enum PersistenceStatus
{
    /// <summary>Not stored: the service refused it, or it never left the client. Sending it again stores it once.</summary>
    NotPersisted = 0,

    /// <summary>
    /// Perhaps stored: the answer was lost, or <c>acks=0</c> asked for none. Sending it again may store it twice
    /// (the producer's own retries never do: idempotence keeps those to one copy).
    /// </summary>
    PossiblyPersisted = 1,

    /// <summary>Stored and acknowledged as the producer's <c>Acks</c> asked.</summary>
    Persisted = 2,
}
