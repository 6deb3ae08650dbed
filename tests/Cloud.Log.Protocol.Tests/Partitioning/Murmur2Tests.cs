using System.Text;
using Cloud.Log.Protocol.Partitioning;

namespace Cloud.Log.Protocol.Tests.Partitioning;

public class Murmur2Tests
{
    /// <summary>Kafka's own test vectors (UtilsTest.testMurmur2): our hash is bit-for-bit Kafka's.</summary>
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Hash_matches_kafkas_test_vectors(string input, int expected) =>
        Assert.Equal(expected, Murmur2.Hash(Encoding.ASCII.GetBytes(input)));

    /// <summary>toPositive clears the sign bit rather than negating, as Kafka's Utils.toPositive.</summary>
    [Fact]
    public void ToPositive_masks_the_sign_bit()
    {
        Assert.Equal(0x7fffffff & -973932308, Murmur2.ToPositive(-973932308));
        Assert.Equal(0, Murmur2.ToPositive(int.MinValue));
        Assert.Equal(5, Murmur2.ToPositive(5));
    }

    /// <summary>A key's partition is toPositive(murmur2(key)) % n, as Kafka's default partitioner.</summary>
    [Theory]
    [InlineData("21", 3)]
    [InlineData("foobar", 7)]
    [InlineData("abc", 12)]
    public void Key_partition_is_positive_hash_modulo_count(string key, int partitions)
    {
        var bytes = Encoding.ASCII.GetBytes(key);
        Assert.Equal((Murmur2.Hash(bytes) & 0x7fffffff) % partitions, KeyPartitioner.PartitionFor(bytes, partitions));
    }

    /// <summary>"foobar" hashes to -790332482: partition 2 of 3 in Kafka, and here.</summary>
    [Fact]
    public void Known_key_lands_where_kafka_puts_it() =>
        Assert.Equal((-790332482 & 0x7fffffff) % 3, KeyPartitioner.PartitionFor("foobar"u8, 3));
}
