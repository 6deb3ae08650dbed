namespace Cloud.Log.Protocol.Tests;

public class AcksTests
{
    /// <summary>The shared acks carry Kafka's numbers, so a Kafka request's acks field converts to it as it is.</summary>
    [Fact]
    public void Acks_have_kafkas_numbers()
    {
        Assert.Equal(0, (int)Acks.None);
        Assert.Equal(1, (int)Acks.Leader);
        Assert.Equal(-1, (int)Acks.All);
        Assert.Equal(Acks.All, (Acks)(short)-1);
        Assert.Equal([Acks.All, Acks.None, Acks.Leader], Enum.GetValues<Acks>().Order());
    }
}
