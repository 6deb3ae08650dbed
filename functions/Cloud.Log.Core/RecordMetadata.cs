namespace Cloud.Log.Core;

/// <summary>Where a produced record was stored, or why it was not.</summary>
/// <param name="Partition">Its partition.</param>
/// <param name="Offset">Its offset, or -1 with <c>acks=0</c> or an error.</param>
/// <param name="Timestamp">Its timestamp (the append time under LogAppendTime); -1 with an error.</param>
/// <param name="Error">
/// Null when stored. Set only when the request's records went to several partitions and this record's
/// partition failed while another's were stored: as in Kafka's produce response, each partition's batch
/// succeeds or fails on its own, and the answer says which, rather than one error for a request that was
/// partly stored.
/// </param>
public sealed record RecordMetadata(int Partition, long Offset, long Timestamp, CloudLogException? Error = null);
