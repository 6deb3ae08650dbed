namespace Cloud.Log.Api.Http;

/// <summary>What an endpoint asks of its caller's credentials.</summary>
public enum ApiAccess
{
    /// <summary>No credentials: health and the OpenAPI document.</summary>
    Anonymous,

    /// <summary>Any valid credentials: listing and describing topics.</summary>
    Describe,

    /// <summary>The right to produce: appending records.</summary>
    Produce,

    /// <summary>The right to consume: fetching, listing offsets, group offsets.</summary>
    Consume,

    /// <summary>The right to administer: creating, altering and deleting topics, deleting groups.</summary>
    Admin,
}
