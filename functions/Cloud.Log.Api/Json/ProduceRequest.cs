using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;

namespace Cloud.Log.Api.Json;

/// <summary>A parsed produce body: <c>POST /records</c>, or a produce-queue message (which adds topic and idempotency key).</summary>
/// <param name="Acks">When the produce answers.</param>
/// <param name="Records">The records, at least one, in request order.</param>
/// <param name="Topic">The topic of a queue message; null for HTTP, where the route names it.</param>
/// <param name="IdempotencyKey">The idempotency key of a queue message, or null.</param>
/// <param name="Producer">An idempotent producer's id, epoch and base sequences (HTTP only), or null.</param>
internal sealed record ProduceRequest(Acks Acks, IReadOnlyList<ProduceRecord> Records, string? Topic, string? IdempotencyKey, ProducerIdempotence? Producer = null);
