namespace Cloud.Log.Core.Log;

/// <summary>Replicas of one partition that caught up and rejoined its in-sync replicas.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Locations">The locations that rejoined.</param>
public sealed record ReplicaCatchUp(string Topic, int Partition, IReadOnlyList<int> Locations);
