namespace Cloud.Log.Core.Producers;

/// <summary>Producer state to persist with a lease write: the changed entries, complete up to <paramref name="Checkpoint"/>.</summary>
/// <param name="Checkpoint">The log end when the entries were taken: rows are complete up to this offset.</param>
/// <param name="Entries">The entries changed since the last flush.</param>
internal sealed record ProducerStateFlush(long Checkpoint, IReadOnlyList<ProducerStateEntry> Entries);
