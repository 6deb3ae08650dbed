using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Producers;

/// <summary>What the partition does with an idempotent producer's batch.</summary>
/// <param name="Outcome">Append it, answer it as a duplicate, or refuse it.</param>
/// <param name="Duplicate">For a duplicate: the stored batch it repeats.</param>
/// <param name="Error">For a refusal: why.</param>
internal readonly record struct ProducerCheck(ProducerCheckOutcome Outcome, ProducerBatchMetadata Duplicate = default, CloudLogException? Error = null)
{
    public static ProducerCheck Append { get; } = new(ProducerCheckOutcome.Append);

    public static ProducerCheck Refuse(ErrorCode code, string detail) => new(ProducerCheckOutcome.Refuse, Error: new CloudLogException(code, detail));
}
