namespace Cloud.Log.Benchmarks;

/// <summary>What a server's storage request was, read off its path (see <see cref="StorageRequestTrace"/>).</summary>
internal enum RequestKind
{
    /// <summary>An append to a segment's data blob (<c>comp=appendblock</c> on a <c>.log</c> blob): won or refused.</summary>
    DataAppend,

    /// <summary>Any other request on a data blob: range reads (what a writer missed, tails, fetches), property reads (probes, lengths), creates, seals.</summary>
    DataOther,

    /// <summary>Any request on a segment's offset index blob.</summary>
    Index,

    /// <summary>Everything else: Table storage (state, segment and producer rows, offsets) and containers.</summary>
    Table,

    /// <summary>Not a request: an answer 412 (the append-position condition not met), counted apart.</summary>
    Refused412,

    /// <summary>Not a request: an answer 409 (a sealed blob, an entity that exists), counted apart.</summary>
    Refused409,
}
