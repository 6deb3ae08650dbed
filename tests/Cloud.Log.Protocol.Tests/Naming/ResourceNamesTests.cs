using Cloud.Log.Protocol.Naming;

namespace Cloud.Log.Protocol.Tests.Naming;

public class ResourceNamesTests
{
    [Theory]
    [InlineData("orders")]
    [InlineData("a")]
    [InlineData("A.b_c-9")]
    [InlineData("...")]
    public void Kafka_legal_names_are_accepted(string name) => Assert.True(ResourceNames.IsValid(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a b")]
    [InlineData("a\"b")]
    [InlineData("a\nb")]
    [InlineData("ü")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    public void Names_that_break_the_rule_are_refused(string? name) => Assert.False(ResourceNames.IsValid(name));

    [Fact]
    public void Names_longer_than_249_are_refused()
    {
        Assert.True(ResourceNames.IsValid(new string('x', 249)));
        Assert.False(ResourceNames.IsValid(new string('x', 250)));
    }
}
