namespace Cloud.Log.Soak.Tests;

/// <summary>
/// The soak run's check on histories written by hand: a history that matches the log has no violation, and
/// each kind of violation is found where it is, and only there.
/// </summary>
public sealed class CheckerTests
{
    private const string T = "t";

    [Fact]
    public void A_history_that_matches_the_log_has_no_violation()
    {
        var (history, checker) = Matching();

        checker.Check();

        Assert.All(checker.Violations, v => Assert.Equal(0, v.Value));
        Assert.Equal(3, checker.StoredRecords);
    }

    [Fact]
    public void An_acknowledged_record_absent_from_the_log_is_lost()
    {
        var (history, checker) = Matching();
        history.Acks.Enqueue(new Ack("p", 3, T, 0, 3, "p-3", AckedAt: 40, Ordered: true));

        checker.Check();

        Assert.Equal(1, checker.Violations["lost"]);
        Assert.Equal(0, checker.Violations["inconsistent"]);
    }

    [Fact]
    public void An_acknowledged_offset_that_holds_another_record_is_inconsistent()
    {
        var (history, checker) = Matching();
        history.Sent["q-0"] = new Sent("q", AtMostOnce: true);
        history.Acks.Enqueue(new Ack("q", 0, T, 0, 1, "q-0", AckedAt: 40, Ordered: true));
        checker.Store(T, 0, 3, "q-0");

        checker.Check();

        Assert.Equal(1, checker.Violations["inconsistent"]);
        Assert.Equal(0, checker.Violations["lost"]);
    }

    [Fact]
    public void A_value_stored_twice_is_a_duplicate_only_where_its_producer_sends_at_most_once()
    {
        var (history, checker) = Matching();
        history.Sent["plain-0"] = new Sent("plain", AtMostOnce: false);
        checker.Store(T, 0, 3, "p-1");
        checker.Store(T, 0, 4, "plain-0");
        checker.Store(T, 0, 5, "plain-0");

        checker.Check();

        Assert.Equal(1, checker.Violations["duplicated"]);
    }

    [Fact]
    public void Records_of_an_ordered_producer_stored_against_the_order_sent_are_reordered()
    {
        var history = new History();
        var checker = new Checker(history, TextWriter.Null);
        checker.Store(T, 0, 0, "p-1");
        checker.Store(T, 0, 1, "p-0");
        history.Acks.Enqueue(new Ack("p", 0, T, 0, 1, "p-0", AckedAt: 10, Ordered: true));
        history.Acks.Enqueue(new Ack("p", 1, T, 0, 0, "p-1", AckedAt: 20, Ordered: true));
        history.Acks.Enqueue(new Ack("u", 1, T, 0, 3, "u-1", AckedAt: 20, Ordered: false));
        history.Acks.Enqueue(new Ack("u", 0, T, 0, 2, "u-0", AckedAt: 21, Ordered: false));
        checker.Store(T, 0, 2, "u-0");
        checker.Store(T, 0, 3, "u-1");

        checker.Check();

        Assert.Equal(1, checker.Violations["reordered"]);
    }

    [Fact]
    public void A_fetch_that_began_after_an_ack_and_answered_a_high_watermark_below_it_is_stale()
    {
        var (history, checker) = Matching();
        history.Reads.Enqueue(new Read("r", T, 0, StartedAt: 25, HighWatermark: 1, RequestedOffset: 1, [], Continuous: false)); // p-1 acked at 20
        history.Reads.Enqueue(new Read("r", T, 0, StartedAt: 15, HighWatermark: 1, RequestedOffset: 1, [], Continuous: false)); // before it: fine

        checker.Check();

        Assert.Equal(1, checker.Violations["stale"]);
    }

    [Fact]
    public void A_read_that_skips_stored_records_or_hands_out_other_bytes_is_caught()
    {
        var (history, checker) = Matching();
        history.Reads.Enqueue(new Read("r", T, 0, 1, 3, RequestedOffset: 0, [(0, "p-0"), (2, "p-2")], Continuous: false));
        history.Reads.Enqueue(new Read("c", T, 0, -1, -1, -1, [(0, "p-0")], Continuous: true));
        history.Reads.Enqueue(new Read("c", T, 0, -1, -1, -1, [(2, "p-2")], Continuous: true));
        history.Reads.Enqueue(new Read("c", T, 0, -1, -1, -1, [(0, "p-0")], Continuous: true)); // a rewind is allowed
        history.Reads.Enqueue(new Read("x", T, 0, 1, 3, RequestedOffset: 1, [(1, "fenced")], Continuous: false));

        checker.Check();

        Assert.Equal(2, checker.Violations["gaps"]);
        Assert.Equal(1, checker.Violations["inconsistent"]);
    }

    [Theory]
    [InlineData(500, false, true)]
    [InlineData(503, false, true)]
    [InlineData(503, true, false)]
    [InlineData(429, true, false)]
    public void Only_a_5xx_other_than_503_with_retry_after_is_a_violation(int status, bool retryAfter, bool violation)
    {
        var (history, checker) = Matching();
        using var response = new HttpResponseMessage((System.Net.HttpStatusCode)status);
        if (retryAfter)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
        }

        history.Answered("w", response, "{}");
        checker.Check();

        Assert.Equal(violation ? 1 : 0, checker.Violations["5xx"]);
        Assert.Empty(history.UnexpectedClientErrors);
    }

    /// <summary>Three records of producer p at offsets 0 to 2 of partition 0, acknowledged at times 10, 20, 30, and stored so.</summary>
    private static (History History, Checker Checker) Matching()
    {
        var history = new History();
        var checker = new Checker(history, TextWriter.Null);
        for (var i = 0; i < 3; i++)
        {
            history.Sent[$"p-{i}"] = new Sent("p", AtMostOnce: true);
            history.Acks.Enqueue(new Ack("p", i, T, 0, i, $"p-{i}", AckedAt: 10 * (i + 1), Ordered: true));
            checker.Store(T, 0, i, $"p-{i}");
        }

        history.Reads.Enqueue(new Read("r", T, 0, StartedAt: 35, HighWatermark: 3, RequestedOffset: 0, [(0, "p-0"), (1, "p-1"), (2, "p-2")], Continuous: false));
        return (history, checker);
    }
}
