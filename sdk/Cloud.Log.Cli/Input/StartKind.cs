namespace Cloud.Log.Cli.Input;

/// <summary>What a <see cref="StartPosition"/> names.</summary>
internal enum StartKind
{
    /// <summary>The log start: the oldest record kept.</summary>
    Beginning,

    /// <summary>The high watermark: only records produced from now on.</summary>
    End,

    /// <summary>An exact offset.</summary>
    Offset,

    /// <summary>The first record at or after a time.</summary>
    Time,
}
