namespace Cloud.Log.Core.Log;

/// <summary>
/// What a fetch may still answer, and the one rule for where its answer stops: never at or past the high
/// watermark, and after the first batch only while the batches fit <see cref="MaxBytes"/> and hold fewer than
/// <see cref="MaxRecords"/> records together. The fetch takes batches by it, and its reads start the range
/// read ahead where it will stop, so the next fetch finds that range read.
/// </summary>
internal readonly record struct AnswerBudget(long HighWatermark, int MaxRecords, int MaxBytes)
{
    /// <summary>Batches taken so far.</summary>
    public int Batches { get; init; }

    /// <summary>Their bytes.</summary>
    public long Bytes { get; init; }

    /// <summary>Their records.</summary>
    public long Records { get; init; }

    /// <summary>The bytes a read may still ask for (at least one).</summary>
    public int BytesLeft => (int)Math.Max(1, MaxBytes - Bytes);

    /// <summary>Whether the answer has room for more: short of its records and of the high watermark at <paramref name="offset"/>.</summary>
    public bool WantsMore(long offset) => offset < HighWatermark && Records < MaxRecords;

    /// <summary>Whether the answer stops before <paramref name="batch"/>.</summary>
    public bool StopsBefore(StoredBatch batch) =>
        batch.BaseOffset >= HighWatermark || (Batches > 0 && (Bytes + batch.Bytes.Length > MaxBytes || Records >= MaxRecords));

    /// <summary>The budget after <paramref name="batch"/> is taken.</summary>
    public AnswerBudget Take(StoredBatch batch) =>
        this with { Batches = Batches + 1, Bytes = Bytes + batch.Bytes.Length, Records = Records + batch.Header.RecordCount };

    /// <summary>
    /// How many of <paramref name="batches"/>' bytes the answer would hold, the first <paramref name="skipped"/> of
    /// them (before the fetch's offset) skipped but counted: where the answer ends in the read that holds them.
    /// </summary>
    public int AnsweredBytes(List<StoredBatch> batches, int skipped)
    {
        var (budget, end) = (this, 0);
        for (var i = 0; i < batches.Count; i++)
        {
            if (i >= skipped)
            {
                if (budget.StopsBefore(batches[i]))
                {
                    break;
                }

                budget = budget.Take(batches[i]);
            }

            end += batches[i].Bytes.Length;
        }

        return end;
    }
}
