namespace Cloud.Log.Core.Log;

/// <summary>How an append to one copy of a segment ended.</summary>
internal enum CopyOutcome
{
    /// <summary>The copy holds the block at the position it was meant for.</summary>
    Appended,

    /// <summary>The copy is not as long as the position: another writer appended first (the sequencer), or it lags (a follower).</summary>
    Behind,

    /// <summary>The copy is sealed: a roll or a takeover closed the segment.</summary>
    Sealed,

    /// <summary>The copy's location did not answer in time, or answered with a server error.</summary>
    Unavailable,

    /// <summary>The copy holds other bytes where the block belongs: its storage went back, or another copy did.</summary>
    Diverged,
}
