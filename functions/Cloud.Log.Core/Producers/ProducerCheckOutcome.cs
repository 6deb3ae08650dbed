namespace Cloud.Log.Core.Producers;

/// <summary>The three answers to an idempotent producer's batch.</summary>
internal enum ProducerCheckOutcome
{
    /// <summary>New and in sequence: store it.</summary>
    Append,

    /// <summary>Already stored: answer the stored batch's offsets, store nothing.</summary>
    Duplicate,

    /// <summary>Out of sequence, fenced, or too old to answer: store nothing, answer the error.</summary>
    Refuse,
}
