namespace Cloud.Log.Kafka.Protocol;

/// <summary>
/// What the listener serves of one API key: the versions it answers (<see cref="MinServed"/> to
/// <see cref="Max"/>) and the first version with the flexible encoding (KIP-482). ApiVersions advertises
/// 0 as every key's minimum: librdkafka before 2.11.1 stops compressing when Produce's advertised minimum
/// is above 0, so a version below <see cref="MinServed"/> is refused in its answer (UNSUPPORTED_VERSION)
/// rather than in ApiVersions.
/// </summary>
internal readonly record struct ApiVersionRange(ApiKey Key, short MinServed, short Max, short FirstFlexible)
{
    public bool IsFlexible(short version) => version >= FirstFlexible;
}
