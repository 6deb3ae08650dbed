using System.IO.Hashing;
using System.Text;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Producers;

/// <summary>
/// The idempotence identity of a produce call, so that a retried call is stored once (Kafka's idempotent
/// producer). Either an idempotent producer's id, epoch and per-partition base sequences, or an
/// idempotency key (a queue message's, or an HTTP <c>Idempotency-Key</c>) from which a producer id is
/// derived, with sequence 0 in every partition.
/// </summary>
public sealed class ProducerIdempotence
{
    /// <summary>Bit 62 marks producer ids derived from idempotency keys; ids given out to producers leave it clear.</summary>
    public const long KeyDerivedBit = 1L << 62;

    /// <summary>The longest idempotency key accepted, in characters.</summary>
    public const int MaxKeyLength = 256;

    private readonly IReadOnlyDictionary<int, int>? _baseSequences;

    /// <summary>An idempotent producer's identity.</summary>
    /// <param name="producerId">The producer id, 0 or more.</param>
    /// <param name="producerEpoch">The producer epoch, 0 or more.</param>
    /// <param name="baseSequences">
    /// The sequence of the first record of this call in each partition it writes; every partition the
    /// call's records go to must be present. Null: 0 in every partition.
    /// </param>
    public ProducerIdempotence(long producerId, short producerEpoch, IReadOnlyDictionary<int, int>? baseSequences = null)
    {
        if (producerId < 0 || producerEpoch < 0 || baseSequences?.Values.Any(s => s < 0) == true)
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, "Producer id, producer epoch and sequences are 0 or more.");
        }

        ProducerId = producerId;
        ProducerEpoch = producerEpoch;
        _baseSequences = baseSequences;
    }

    /// <summary>The producer id.</summary>
    public long ProducerId { get; }

    /// <summary>The producer epoch.</summary>
    public short ProducerEpoch { get; }

    /// <summary>
    /// The identity of an idempotency key: a producer id derived from the key (XxHash64 of its UTF-8, bit 62
    /// set), epoch 0, sequence 0 in every partition. The same key always maps to the same producer, so a
    /// second delivery of the same message is answered with the first one's offsets.
    /// </summary>
    public static ProducerIdempotence ForIdempotencyKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, $"An idempotency key is 1 to {MaxKeyLength} characters.");
        }

        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key));
        return new ProducerIdempotence((long)(hash & ((ulong)KeyDerivedBit - 1)) | KeyDerivedBit, 0);
    }

    /// <summary>Whether <paramref name="producerId"/> was derived from an idempotency key.</summary>
    public static bool IsDerivedFromKey(long producerId) => (producerId & KeyDerivedBit) != 0;

    /// <summary>
    /// The partition of this identity's keyless records among <paramref name="partitionCount"/>: drawn from
    /// the identity itself (XxHash64 of producer id, epoch and base sequences), not from a per-instance
    /// counter, so a retry with the same identity, on any instance, sends them where the first try did and
    /// is recognised there as a repeat. Different identities still spread over the partitions.
    /// </summary>
    internal int KeylessPartition(int partitionCount)
    {
        var bytes = new List<byte>(64);
        bytes.AddRange(BitConverter.GetBytes(ProducerId));
        bytes.AddRange(BitConverter.GetBytes(ProducerEpoch));
        foreach (var (partition, sequence) in (_baseSequences ?? new Dictionary<int, int>()).OrderBy(s => s.Key))
        {
            bytes.AddRange(BitConverter.GetBytes(partition));
            bytes.AddRange(BitConverter.GetBytes(sequence));
        }

        return (int)(XxHash64.HashToUInt64(bytes.ToArray()) % (ulong)partitionCount);
    }

    internal ProducerBatchIdentity ForPartition(int partition)
    {
        if (_baseSequences is null)
        {
            return new ProducerBatchIdentity(ProducerId, ProducerEpoch, 0);
        }

        return _baseSequences.TryGetValue(partition, out var sequence)
            ? new ProducerBatchIdentity(ProducerId, ProducerEpoch, sequence)
            : throw new CloudLogException(ErrorCode.InvalidRequest, $"No base sequence was given for partition {partition}.");
    }
}
