using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Wire;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// The bad-input suite's requests: broken JSON, wrong types, hostile names, impossible numbers, huge
/// bodies and headers, unknown routes and methods. The fixture holds a topic <c>existing</c> (3
/// partitions, max.message.bytes 1000, a few records) and a group <c>g</c>; no case may change either.
/// </summary>
public static class BadInputCases
{
    public const string Topic = "existing";
    public const string Group = "g";
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>A case's status when any 4xx will do (HTTP clients may rewrite such paths before sending).</summary>
    public const int AnyClientError = 0;

    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Patch = HttpMethod.Patch;
    private static readonly HttpMethod Delete = HttpMethod.Delete;

    public static IReadOnlyDictionary<string, BadInputCase> All { get; } = Build().ToDictionary(c => c.Name, StringComparer.Ordinal);

    private static IEnumerable<BadInputCase> Build()
    {
        var produce = $"/api/topics/{Topic}/records";
        var bodyEndpoints = new (string Name, HttpMethod Method, string Path)[]
        {
            ("create", Post, "/api/topics"),
            ("alter", Patch, $"/api/topics/{Topic}/configs"),
            ("partitions", Post, $"/api/topics/{Topic}/partitions"),
            ("produce", Post, produce),
            ("commit", Post, $"/api/groups/{Group}/offsets"),
            ("join", Post, $"/api/groups/{Group}/members"),
            ("multifetch", Post, "/api/fetch"),
        };

        // 1. Bodies that are not a JSON object at all, on every endpoint that takes a body.
        var brokenBodies = new (string Name, string Body)[]
        {
            ("empty", ""), ("open-brace", "{"), ("open-bracket", "["), ("null", "null"), ("number", "42"), ("string", "\"hello\""),
            ("array", "[]"), ("trailing-comma", "{\"a\":1,}"), ("single-quotes", "{'records':[]}"), ("comment", "{/* hi */}"),
            ("trailing-garbage", "{} x"), ("two-objects", "{}{}"), ("unquoted-key", "{records:[]}"), ("nan", "{\"n\":NaN}"),
            ("deep-nesting", new string('[', 5000) + new string(']', 5000)), ("bare-word", "true"), ("xml", "<records/>"),
            ("form", "name=orders&partitions=3"),
        };
        foreach (var endpoint in bodyEndpoints)
        {
            foreach (var (name, body) in brokenBodies)
            {
                yield return BadInputCase.Json($"{endpoint.Name}/{name}", endpoint.Method, endpoint.Path, body, 400, "INVALID_REQUEST");
            }

            yield return BadInputCase.Raw($"{endpoint.Name}/invalid-utf8", endpoint.Method, endpoint.Path, [(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 400, "INVALID_REQUEST");
            yield return BadInputCase.Json($"{endpoint.Name}/unknown-field", endpoint.Method, endpoint.Path, "{\"surprise\":1}", 400, "INVALID_REQUEST");
            yield return BadInputCase.Json($"{endpoint.Name}/huge-body", endpoint.Method, endpoint.Path, "{\"x\":\"" + new string('a', MaxBodyBytes + 10) + "\"}", 413, "REQUEST_TOO_LARGE");
        }

        // 2. Produce: wrong shapes and types, field by field.
        var records = new (string Name, string Body, string Code)[]
        {
            ("records-missing", "{}", "INVALID_REQUEST"),
            ("records-empty", "{\"records\":[]}", "INVALID_REQUEST"),
            ("records-object", "{\"records\":{}}", "INVALID_REQUEST"),
            ("records-string", "{\"records\":\"x\"}", "INVALID_REQUEST"),
            ("records-null", "{\"records\":null}", "INVALID_REQUEST"),
            ("record-number", "{\"records\":[1]}", "INVALID_RECORD"),
            ("record-null", "{\"records\":[null]}", "INVALID_RECORD"),
            ("record-array", "{\"records\":[[]]}", "INVALID_RECORD"),
            ("key-number", "{\"records\":[{\"key\":1,\"value\":\"v\"}]}", "INVALID_RECORD"),
            ("key-object", "{\"records\":[{\"key\":{},\"value\":\"v\"}]}", "INVALID_RECORD"),
            ("key-and-keyBase64", "{\"records\":[{\"key\":\"a\",\"keyBase64\":\"YQ==\"}]}", "INVALID_RECORD"),
            ("keyBase64-bad", "{\"records\":[{\"keyBase64\":\"***\"}]}", "INVALID_RECORD"),
            ("keyBase64-number", "{\"records\":[{\"keyBase64\":7}]}", "INVALID_RECORD"),
            ("value-and-valueBase64", "{\"records\":[{\"value\":\"a\",\"valueBase64\":\"YQ==\"}]}", "INVALID_RECORD"),
            ("valueBase64-bad", "{\"records\":[{\"valueBase64\":\"a b c\"}]}", "INVALID_RECORD"),
            ("valueBase64-array", "{\"records\":[{\"valueBase64\":[]}]}", "INVALID_RECORD"),
            ("headers-array", "{\"records\":[{\"value\":\"v\",\"headers\":[]}]}", "INVALID_RECORD"),
            ("headers-string", "{\"records\":[{\"value\":\"v\",\"headers\":\"h\"}]}", "INVALID_RECORD"),
            ("header-number", "{\"records\":[{\"value\":\"v\",\"headers\":{\"a\":1}}]}", "INVALID_RECORD"),
            ("header-object", "{\"records\":[{\"value\":\"v\",\"headers\":{\"a\":{}}}]}", "INVALID_RECORD"),
            ("timestamp-string", "{\"records\":[{\"value\":\"v\",\"timestamp\":\"now\"}]}", "INVALID_RECORD"),
            ("timestamp-negative", "{\"records\":[{\"value\":\"v\",\"timestamp\":-1}]}", "INVALID_RECORD"),
            ("timestamp-fraction", "{\"records\":[{\"value\":\"v\",\"timestamp\":1.5}]}", "INVALID_RECORD"),
            ("timestamp-huge", "{\"records\":[{\"value\":\"v\",\"timestamp\":1e300}]}", "INVALID_RECORD"),
            ("timestamp-bool", "{\"records\":[{\"value\":\"v\",\"timestamp\":true}]}", "INVALID_RECORD"),
            ("partition-string", "{\"records\":[{\"value\":\"v\",\"partition\":\"0\"}]}", "INVALID_RECORD"),
            ("partition-fraction", "{\"records\":[{\"value\":\"v\",\"partition\":0.5}]}", "INVALID_RECORD"),
            ("unknown-record-field", "{\"records\":[{\"vaule\":\"typo\"}]}", "INVALID_RECORD"),
            ("duplicate-record-field", "{\"records\":[{\"value\":\"a\",\"value\":\"b\"}]}", "INVALID_RECORD"),
            ("duplicate-top-field", "{\"records\":[{\"value\":\"a\"}],\"records\":[{\"value\":\"b\"}]}", "INVALID_REQUEST"),
            ("acks-2", "{\"acks\":\"2\",\"records\":[{\"value\":\"v\"}]}", "INVALID_REQUEST"),
            ("acks-word", "{\"acks\":\"none\",\"records\":[{\"value\":\"v\"}]}", "INVALID_REQUEST"),
            ("acks-array", "{\"acks\":[],\"records\":[{\"value\":\"v\"}]}", "INVALID_REQUEST"),
            ("good-then-bad", "{\"records\":[{\"value\":\"fine\"},{\"value\":\"fine\"},{\"key\":false}]}", "INVALID_RECORD"),
            ("topic-field-over-http", "{\"topic\":\"existing\",\"records\":[{\"value\":\"v\"}]}", "INVALID_REQUEST"),
            ("lone-surrogate-escape", "{\"records\":[{\"value\":\"\\uD800\"}]}", "INVALID_RECORD"),
        };
        foreach (var (name, body, code) in records)
        {
            yield return BadInputCase.Json($"produce/{name}", Post, produce, body, 400, code);
        }

        foreach (var partition in new[] { "3", "-1", "2147483648", "99999999999999" })
        {
            yield return BadInputCase.Json($"produce/partition-{partition}", Post, produce, $"{{\"records\":[{{\"value\":\"ok\"}},{{\"value\":\"v\",\"partition\":{partition}}}]}}", 404, "UNKNOWN_TOPIC_OR_PARTITION");
        }

        yield return BadInputCase.Json("produce/record-too-large", Post, produce, "{\"records\":[{\"value\":\"" + new string('x', 2000) + "\",\"partition\":0}]}", 413, "RECORD_TOO_LARGE");
        yield return BadInputCase.Json("produce/batch-too-large", Post, produce, "{\"records\":[" + string.Join(",", Enumerable.Repeat("{\"value\":\"" + new string('y', 300) + "\",\"partition\":1}", 5)) + "]}", 413, "RECORD_TOO_LARGE");
        yield return BadInputCase.Json("produce/idempotency-key-too-long", Post, produce, "{\"records\":[{\"value\":\"v\"}]}", 400, "INVALID_REQUEST", new Dictionary<string, string> { ["Idempotency-Key"] = new string('k', 300) });
        yield return BadInputCase.Json("produce/unknown-topic", Post, "/api/topics/nope/records", "{\"records\":[{\"value\":\"v\"}]}", 404, "UNKNOWN_TOPIC_OR_PARTITION");

        // 3. Create topic: names, counts, factors, configs.
        var badNames = new (string Name, string Json)[]
        {
            ("slash", "\"a/b\""), ("backslash", "\"a\\\\b\""), ("dot", "\".\""), ("dotdot", "\"..\""), ("empty", "\"\""),
            ("space", "\"a b\""), ("quote", "\"a\\\"b\""), ("apostrophe", "\"it's\""), ("control", "\"a\\u0001b\""), ("newline", "\"a\\nb\""),
            ("nul", "\"a\\u0000b\""), ("unicode", "\"caf\u00e9\""), ("emoji", "\"\ud83d\ude00\""), ("hash", "\"a#b\""), ("question", "\"a?b\""),
            ("percent", "\"a%2Fb\""), ("too-long", "\"" + new string('n', 250) + "\""), ("number", "12"), ("array", "[\"a\"]"), ("object", "{}"),
            ("table-key-chars", "\"a|b\""), ("sql", "\"x' or '1'='1\""),
        };
        foreach (var (name, json) in badNames)
        {
            var expected = json.StartsWith('"') || json == "\"\"" ? "INVALID_TOPIC" : "INVALID_REQUEST";
            yield return BadInputCase.Json($"create/name-{name}", Post, "/api/topics", $"{{\"name\":{json}}}", 400, expected);
        }

        yield return BadInputCase.Json("create/name-missing", Post, "/api/topics", "{\"partitions\":1}", 400, "INVALID_TOPIC");
        yield return BadInputCase.Json("create/name-null", Post, "/api/topics", "{\"name\":null}", 400, "INVALID_TOPIC");
        yield return BadInputCase.Json("create/existing", Post, "/api/topics", $"{{\"name\":\"{Topic}\"}}", 409, "TOPIC_ALREADY_EXISTS");
        foreach (var (name, value, code) in new[]
        {
            ("zero", "0", "INVALID_PARTITIONS"), ("negative", "-3", "INVALID_PARTITIONS"), ("too-many", "10001", "INVALID_PARTITIONS"),
            ("huge", "99999999999", "INVALID_PARTITIONS"), ("fraction", "1.5", "INVALID_REQUEST"), ("string", "\"3\"", "INVALID_REQUEST"),
            ("bool", "true", "INVALID_REQUEST"), ("array", "[3]", "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"create/partitions-{name}", Post, "/api/topics", $"{{\"name\":\"fresh\",\"partitions\":{value}}}", 400, code);
        }

        foreach (var (name, value, code) in new[]
        {
            ("zero", "0", "INVALID_REPLICATION_FACTOR"), ("negative", "-1", "INVALID_REPLICATION_FACTOR"), ("above-locations", "2", "INVALID_REPLICATION_FACTOR"),
            ("huge", "1e12", "INVALID_REPLICATION_FACTOR"), ("string", "\"1\"", "INVALID_REQUEST"), ("fraction", "0.5", "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"create/rf-{name}", Post, "/api/topics", $"{{\"name\":\"fresh\",\"replicationFactor\":{value}}}", 400, code);
        }

        var badConfigs = new (string Name, string Configs)[]
        {
            ("array", "[]"), ("string", "\"retention.ms=1\""), ("unknown-key", "{\"retention.mss\":\"1\"}"), ("retention-word", "{\"retention.ms\":\"soon\"}"),
            ("retention-minus-2", "{\"retention.ms\":\"-2\"}"), ("retention-fraction", "{\"retention.ms\":\"1.5\"}"), ("retention-overflow", "{\"retention.ms\":\"99999999999999999999\"}"),
            ("retention-bytes-word", "{\"retention.bytes\":\"big\"}"), ("segment-bytes-tiny", "{\"segment.bytes\":\"1\"}"), ("segment-ms-zero", "{\"segment.ms\":\"0\"}"),
            ("max-message-huge", "{\"max.message.bytes\":\"5000000\"}"), ("max-message-negative", "{\"max.message.bytes\":\"-5\"}"), ("cleanup-unknown", "{\"cleanup.policy\":\"shred\"}"),
            ("min-isr-zero", "{\"min.insync.replicas\":\"0\"}"), ("timestamp-type", "{\"message.timestamp.type\":\"createtime\"}"), ("value-object", "{\"retention.ms\":{}}"),
            ("value-null", "{\"retention.ms\":null}"), ("value-array", "{\"segment.ms\":[1]}"), ("empty-key", "{\"\":\"1\"}"), ("value-empty", "{\"retention.ms\":\"\"}"),
        };
        foreach (var (name, configs) in badConfigs)
        {
            var code = configs.StartsWith('{') ? "INVALID_CONFIG" : "INVALID_REQUEST";
            yield return BadInputCase.Json($"create/config-{name}", Post, "/api/topics", $"{{\"name\":\"fresh\",\"configs\":{configs}}}", 400, code);
            if (configs.StartsWith('{') && name != "value-null")
            {
                yield return BadInputCase.Json($"alter/config-{name}", Patch, $"/api/topics/{Topic}/configs", $"{{\"configs\":{configs}}}", 400, code);
            }
        }

        yield return BadInputCase.Json("alter/configs-missing", Patch, $"/api/topics/{Topic}/configs", "{}", 400, "INVALID_REQUEST");
        yield return BadInputCase.Json("alter/unknown-topic", Patch, "/api/topics/nope/configs", "{\"configs\":{\"retention.ms\":\"1\"}}", 404, "UNKNOWN_TOPIC_OR_PARTITION");
        foreach (var (name, value, code) in new[] { ("same", "3", "INVALID_PARTITIONS"), ("fewer", "1", "INVALID_PARTITIONS"), ("too-many", "10001", "INVALID_PARTITIONS"), ("string", "\"6\"", "INVALID_REQUEST"), ("missing", "null", "INVALID_REQUEST") })
        {
            yield return BadInputCase.Json($"partitions/count-{name}", Post, $"/api/topics/{Topic}/partitions", $"{{\"count\":{value}}}", 400, code);
        }

        // 4. Hostile names in paths, on every route that names a topic or group.
        var hostilePaths = new (string Name, string Encoded, int Status, string? Code)[]
        {
            ("encoded-slash", "a%2Fb", 400, "INVALID_TOPIC"), ("encoded-backslash", "a%5Cb", 400, "INVALID_TOPIC"), ("quote", "a%22b", 400, "INVALID_TOPIC"),
            ("space", "a%20b", 400, "INVALID_TOPIC"), ("tab", "a%09b", 400, "INVALID_TOPIC"), ("newline", "a%0Ab", 400, "INVALID_TOPIC"),
            ("unicode", "caf%C3%A9", 400, "INVALID_TOPIC"), ("too-long", new string('p', 250), 400, "INVALID_TOPIC"), ("percent", "100%25", 400, "INVALID_TOPIC"),
            ("hash", "a%23b", 400, "INVALID_TOPIC"), ("apostrophe", "it%27s", 400, "INVALID_TOPIC"), ("angle", "%3Cscript%3E", 400, "INVALID_TOPIC"),
        };
        yield return BadInputCase.Json("path/describe-nul", Get, "/api/topics/a%00b", null, 400, null) with { ProblemBody = false };
        yield return BadInputCase.Json("path/produce-nul", Post, "/api/topics/a%00b/records", "{\"records\":[{\"value\":\"v\"}]}", 400, null) with { ProblemBody = false };
        foreach (var (name, encoded, status, code) in hostilePaths)
        {
            yield return BadInputCase.Json($"path/describe-{name}", Get, $"/api/topics/{encoded}", null, status, code);
            yield return BadInputCase.Json($"path/produce-{name}", Post, $"/api/topics/{encoded}/records", "{\"records\":[{\"value\":\"v\"}]}", status, code);
            yield return BadInputCase.Json($"path/fetch-{name}", Get, $"/api/topics/{encoded}/partitions/0/records", null, status, code);
            yield return BadInputCase.Json($"path/delete-{name}", Delete, $"/api/topics/{encoded}", null, status, code);
            yield return BadInputCase.Json($"path/group-{name}", Get, $"/api/groups/{encoded}/offsets", null, status, code?.Replace("TOPIC", "GROUP", StringComparison.Ordinal));
        }

        yield return BadInputCase.Json("path/unencoded-slash", Get, "/api/topics/a/b", null, 404, "NOT_FOUND");
        yield return BadInputCase.Json("path/dot-dot", Get, "/api/topics/%2E%2E", null, AnyClientError, null);

        // 5. Partitions in paths.
        foreach (var (name, partition, status, code) in new[]
        {
            ("word", "zero", 400, "INVALID_REQUEST"), ("fraction", "1.5", 400, "INVALID_REQUEST"), ("hex", "0x1", 400, "INVALID_REQUEST"),
            ("negative", "-1", 404, "UNKNOWN_TOPIC_OR_PARTITION"), ("past-count", "3", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
            ("past-int", "2147483648", 404, "UNKNOWN_TOPIC_OR_PARTITION"), ("past-long", "99999999999999999999", 400, "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"partition/fetch-{name}", Get, $"/api/topics/{Topic}/partitions/{partition}/records", null, status, code);
            yield return BadInputCase.Json($"partition/offsets-{name}", Get, $"/api/topics/{Topic}/partitions/{partition}/offsets?at=latest", null, status, code);
        }

        // 6. Query parameters.
        var fetch = $"/api/topics/{Topic}/partitions/0/records";
        foreach (var (name, query, status, code) in new[]
        {
            ("offset-word", "offset=first", 400, "INVALID_REQUEST"), ("offset-negative", "offset=-5", 416, "OFFSET_OUT_OF_RANGE"),
            ("offset-above", "offset=1000", 416, "OFFSET_OUT_OF_RANGE"), ("offset-max", $"offset={long.MaxValue.ToString(CultureInfo.InvariantCulture)}", 416, "OFFSET_OUT_OF_RANGE"),
            ("offset-min", $"offset={long.MinValue.ToString(CultureInfo.InvariantCulture)}", 416, "OFFSET_OUT_OF_RANGE"), ("offset-overflow", "offset=99999999999999999999", 400, "INVALID_REQUEST"),
            ("offset-twice", "offset=0&offset=1", 400, "INVALID_REQUEST"), ("offset-empty", "offset=", 400, "INVALID_REQUEST"),
            ("max-records-zero", "maxRecords=0", 400, "INVALID_REQUEST"), ("max-records-negative", "maxRecords=-1", 400, "INVALID_REQUEST"),
            ("max-records-huge", "maxRecords=99999999999", 400, "INVALID_REQUEST"), ("max-records-word", "maxRecords=all", 400, "INVALID_REQUEST"),
            ("max-bytes-zero", "maxBytes=0", 400, "INVALID_REQUEST"), ("max-bytes-huge", "maxBytes=9999999999", 400, "INVALID_REQUEST"),
            ("max-wait-negative", "maxWaitMs=-1", 400, "INVALID_REQUEST"), ("max-wait-word", "maxWaitMs=forever", 400, "INVALID_REQUEST"),
            ("encoding-hex", "encoding=hex", 400, "INVALID_REQUEST"), ("encoding-twice", "encoding=text&encoding=base64", 400, "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"query/{name}", Get, $"{fetch}?{query}", null, status, code);
        }

        // 6b. The multi-partition fetch: every field checked, the whole request refused, nothing read or stored.
        var entry = $$"""{"topic":"{{Topic}}","partition":0,"offset":0}""";
        var tooMany = string.Join(",", Enumerable.Range(0, 257).Select(p => $$"""{"topic":"{{Topic}}","partition":{{p}},"offset":0}"""));
        foreach (var (name, body, code) in new[]
        {
            ("partitions-missing", "{}", "INVALID_REQUEST"),
            ("partitions-empty", "{\"partitions\":[]}", "INVALID_REQUEST"),
            ("partitions-object", "{\"partitions\":{}}", "INVALID_REQUEST"),
            ("partitions-null", "{\"partitions\":null}", "INVALID_REQUEST"),
            ("partition-entry-number", "{\"partitions\":[1]}", "INVALID_REQUEST"),
            ("partition-entry-null", "{\"partitions\":[null]}", "INVALID_REQUEST"),
            ("too-many-partitions", "{\"partitions\":[" + tooMany + "]}", "INVALID_REQUEST"),
            ("duplicate-partition", "{\"partitions\":[" + entry + "," + entry + "]}", "INVALID_REQUEST"),
            ("duplicate-entry-field", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"partition":1,"offset":0}]}""", "INVALID_REQUEST"),
            ("unknown-entry-field", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0,"ofset":1}]}""", "INVALID_REQUEST"),
            ("topic-missing", """{"partitions":[{"partition":0,"offset":0}]}""", "INVALID_TOPIC"),
            ("topic-invalid", """{"partitions":[{"topic":"a/b","partition":0,"offset":0}]}""", "INVALID_TOPIC"),
            ("topic-dotdot", """{"partitions":[{"topic":"..","partition":0,"offset":0}]}""", "INVALID_TOPIC"),
            ("topic-number", """{"partitions":[{"topic":7,"partition":0,"offset":0}]}""", "INVALID_REQUEST"),
            ("invalid-topic-after-good", "{\"partitions\":[" + entry + ",{\"topic\":\"bad topic\",\"partition\":0,\"offset\":0}]}", "INVALID_TOPIC"),
            ("partition-missing", $$"""{"partitions":[{"topic":"{{Topic}}","offset":0}]}""", "INVALID_REQUEST"),
            ("partition-negative", $$"""{"partitions":[{"topic":"{{Topic}}","partition":-1,"offset":0}]}""", "INVALID_REQUEST"),
            ("partition-huge", $$"""{"partitions":[{"topic":"{{Topic}}","partition":99999999999,"offset":0}]}""", "INVALID_REQUEST"),
            ("partition-string", $$"""{"partitions":[{"topic":"{{Topic}}","partition":"0","offset":0}]}""", "INVALID_REQUEST"),
            ("offset-missing", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0}]}""", "INVALID_REQUEST"),
            ("offset-negative", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":-1}]}""", "INVALID_REQUEST"),
            ("offset-min", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":-9223372036854775808}]}""", "INVALID_REQUEST"),
            ("offset-fraction", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0.5}]}""", "INVALID_REQUEST"),
            ("offset-overflow", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":99999999999999999999}]}""", "INVALID_REQUEST"),
            ("partition-max-bytes-zero", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0,"maxBytes":0}]}""", "INVALID_REQUEST"),
            ("partition-max-bytes-huge", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0,"maxBytes":2147483647}]}""", "INVALID_REQUEST"),
            ("partition-max-bytes-overflow", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0,"maxBytes":9999999999}]}""", "INVALID_REQUEST"),
            ("partition-max-records-zero", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0,"maxRecords":0}]}""", "INVALID_REQUEST"),
            ("partition-max-records-huge", $$"""{"partitions":[{"topic":"{{Topic}}","partition":0,"offset":0,"maxRecords":99999999}]}""", "INVALID_REQUEST"),
            ("max-bytes-zero", "{\"maxBytes\":0,\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("max-bytes-huge", "{\"maxBytes\":2147483647,\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("max-bytes-string", "{\"maxBytes\":\"1MB\",\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("max-records-negative", "{\"maxRecords\":-1,\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("max-wait-negative", "{\"maxWaitMs\":-1,\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("max-wait-over-30s", "{\"maxWaitMs\":30001,\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("max-wait-fraction", "{\"maxWaitMs\":1.5,\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("encoding-hex", "{\"encoding\":\"hex\",\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
            ("duplicate-top-field", "{\"partitions\":[" + entry + "],\"partitions\":[" + entry + "]}", "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"multifetch/{name}", Post, "/api/fetch", body, 400, code);
        }

        yield return BadInputCase.Json("multifetch/get", Get, "/api/fetch", null, 405, "METHOD_NOT_ALLOWED");

        var offsets = $"/api/topics/{Topic}/partitions/0/offsets";
        foreach (var (name, query) in new[] { ("at-missing", ""), ("at-word", "?at=yesterday"), ("at-negative", "?at=-1"), ("at-fraction", "?at=1.5"), ("at-twice", "?at=earliest&at=latest"), ("at-overflow", "?at=99999999999999999999") })
        {
            yield return BadInputCase.Json($"query/offsets-{name}", Get, offsets + query, null, 400, "INVALID_REQUEST");
        }

        yield return BadInputCase.Json("query/group-topic-bad", Get, $"/api/groups/{Group}/offsets?topic=a%2Fb", null, 400, "INVALID_TOPIC");

        // 7. Group commits.
        var commit = $"/api/groups/{Group}/offsets";
        foreach (var (name, body, status, code) in new[]
        {
            ("offsets-missing", "{}", 400, "INVALID_REQUEST"), ("offsets-empty", "{\"offsets\":[]}", 400, "INVALID_REQUEST"),
            ("offsets-object", "{\"offsets\":{}}", 400, "INVALID_REQUEST"), ("entry-number", "{\"offsets\":[1]}", 400, "INVALID_REQUEST"),
            ("entry-extra", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":0,\"color\":\"red\"}}]}}", 400, "INVALID_REQUEST"),
            ("topic-missing", "{\"offsets\":[{\"partition\":0,\"offset\":0}]}", 400, "INVALID_TOPIC"),
            ("topic-bad", "{\"offsets\":[{\"topic\":\"a b\",\"partition\":0,\"offset\":0}]}", 400, "INVALID_TOPIC"),
            ("topic-unknown", "{\"offsets\":[{\"topic\":\"nope\",\"partition\":0,\"offset\":0}]}", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
            ("partition-missing", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"offset\":0}}]}}", 400, "INVALID_REQUEST"),
            ("partition-unknown", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":7,\"offset\":0}}]}}", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
            ("partition-negative", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":-1,\"offset\":0}}]}}", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
            ("partition-string", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":\"0\",\"offset\":0}}]}}", 400, "INVALID_REQUEST"),
            ("offset-missing", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0}}]}}", 400, "INVALID_REQUEST"),
            ("offset-negative", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":-1}}]}}", 400, "INVALID_REQUEST"),
            ("offset-above", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":1000}}]}}", 416, "OFFSET_OUT_OF_RANGE"),
            ("offset-fraction", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":0.5}}]}}", 400, "INVALID_REQUEST"),
            ("offset-overflow", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":1e30}}]}}", 400, "INVALID_REQUEST"),
            ("metadata-number", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":0,\"metadata\":5}}]}}", 400, "INVALID_REQUEST"),
            ("one-good-one-bad", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":1}},{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":1000}}]}}", 416, "OFFSET_OUT_OF_RANGE"),
        })
        {
            yield return BadInputCase.Json($"commit/{name}", Post, commit, body, status, code);
        }

        foreach (var (name, group) in new[] { ("space", "a%20b"), ("slash", "a%2Fb"), ("long", new string('g', 250)), ("quote", "a%22b") })
        {
            yield return BadInputCase.Json($"group/commit-{name}", Post, $"/api/groups/{group}/offsets", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":0}}]}}", 400, "INVALID_GROUP");
            yield return BadInputCase.Json($"group/delete-{name}", Delete, $"/api/groups/{group}", null, 400, "INVALID_GROUP");
        }

        yield return BadInputCase.Json("group/unknown-read", Get, "/api/groups/never-seen/offsets", null, 404, "GROUP_ID_NOT_FOUND");
        yield return BadInputCase.Json("group/unknown-delete", Delete, "/api/groups/never-seen", null, 404, "GROUP_ID_NOT_FOUND");

        // 8. Binary produce: frames that are not frames, batches that are not batches.
        var good = RecordBatch.Encode([new ProducerRecord(null, Utf8("v"), 1000)], TimestampType.CreateTime, 1000);
        var corrupt = (byte[])good.Clone();
        corrupt[^1] ^= 0x40;
        var badMagic = (byte[])good.Clone();
        badMagic[16] = 1;
        var appendTime = (byte[])good.Clone();
        RecordBatch.StampLogAppendTime(appendTime, 5);
        var tooLarge = RecordBatch.Encode([new ProducerRecord(null, new byte[2000], 1000)], TimestampType.CreateTime, 1000);
        foreach (var (name, body, query, status, code) in new (string, byte[], string, int, string)[]
        {
            ("empty", [], "", 400, "INVALID_REQUEST"),
            ("three-bytes", [0, 0, 0], "", 400, "INVALID_REQUEST"),
            ("json-body", Utf8("{\"records\":[{\"value\":\"v\"}]}"), "", 400, "INVALID_REQUEST"),
            ("cut-short", BatchFrames.Frame(0, good)[..^1], "", 400, "INVALID_REQUEST"),
            ("trailing-bytes", [.. BatchFrames.Frame(0, good), 1, 2], "", 400, "INVALID_REQUEST"),
            ("bad-magic", BatchFrames.Frame(0, badMagic), "", 400, "INVALID_REQUEST"),
            ("bad-crc", [.. BatchFrames.Frame(0, good), .. BatchFrames.Frame(1, corrupt)], "", 400, "INVALID_RECORD"),
            ("log-append-time", BatchFrames.Frame(0, appendTime), "", 400, "INVALID_RECORD"),
            ("partition-3", [.. BatchFrames.Frame(0, good), .. BatchFrames.Frame(3, good)], "", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
            ("partition-negative", BatchFrames.Frame(-1, good), "", 404, "UNKNOWN_TOPIC_OR_PARTITION"),
            ("record-too-large", BatchFrames.Frame(0, tooLarge), "", 413, "RECORD_TOO_LARGE"),
            ("acks-2", BatchFrames.Frame(0, good), "?acks=2", 400, "INVALID_REQUEST"),
            ("acks-twice", BatchFrames.Frame(0, good), "?acks=1&acks=all", 400, "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Raw($"binary/{name}", Post, produce + query, body, status, code) with { ContentType = MediaTypes.RecordBatches };
        }

        yield return BadInputCase.Json("binary/idempotency-key", Post, produce, null, 400, "INVALID_REQUEST", new Dictionary<string, string> { ["Idempotency-Key"] = "k" }) with { Body = BatchFrames.Frame(0, good), ContentType = MediaTypes.RecordBatches };

        // 9. Idempotent producer fields and group membership.
        foreach (var (name, body) in new[]
        {
            ("producer-id-alone", "{\"producerId\":1,\"records\":[{\"value\":\"v\"}]}"),
            ("producer-id-negative", "{\"producerId\":-1,\"producerEpoch\":0,\"baseSequences\":{\"0\":0},\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
            ("producer-id-key-bit", "{\"producerId\":4611686018427387904,\"producerEpoch\":0,\"baseSequences\":{\"0\":0},\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
            ("producer-epoch-big", "{\"producerId\":1,\"producerEpoch\":40000,\"baseSequences\":{\"0\":0},\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
            ("sequences-array", "{\"producerId\":1,\"producerEpoch\":0,\"baseSequences\":[0],\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
            ("sequences-word-key", "{\"producerId\":1,\"producerEpoch\":0,\"baseSequences\":{\"zero\":0},\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
            ("sequences-negative", "{\"producerId\":1,\"producerEpoch\":0,\"baseSequences\":{\"0\":-1},\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
            ("sequences-missing-partition", "{\"producerId\":1,\"producerEpoch\":0,\"baseSequences\":{\"1\":0},\"records\":[{\"value\":\"v\",\"partition\":0}]}"),
        })
        {
            yield return BadInputCase.Json($"producer/{name}", Post, produce, body, 400, "INVALID_REQUEST");
        }

        var join = $"/api/groups/{Group}/members";
        foreach (var (name, body, code) in new[]
        {
            ("topics-missing", "{}", "INVALID_REQUEST"), ("topics-empty", "{\"topics\":[]}", "INVALID_REQUEST"), ("topics-string", "{\"topics\":\"t\"}", "INVALID_REQUEST"),
            ("topics-number", "{\"topics\":[1]}", "INVALID_REQUEST"), ("topic-bad-name", "{\"topics\":[\"a/b\"]}", "INVALID_TOPIC"),
            ("session-short", $"{{\"topics\":[\"{Topic}\"],\"sessionTimeoutMs\":999}}", "INVALID_REQUEST"),
            ("session-long", $"{{\"topics\":[\"{Topic}\"],\"sessionTimeoutMs\":300001}}", "INVALID_REQUEST"),
            ("session-string", $"{{\"topics\":[\"{Topic}\"],\"sessionTimeoutMs\":\"10s\"}}", "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"join/{name}", Post, join, body, 400, code);
        }

        yield return BadInputCase.Json("join/bad-group", Post, "/api/groups/a%20b/members", $"{{\"topics\":[\"{Topic}\"]}}", 400, "INVALID_GROUP");
        var heartbeat = $"/api/groups/{Group}/members/nobody/heartbeat";
        foreach (var (name, body, status, code) in new[]
        {
            ("broken", "{", 400, "INVALID_REQUEST"), ("unknown-field", "{\"x\":1}", 400, "INVALID_REQUEST"), ("released-number", "{\"released\":5}", 400, "INVALID_REQUEST"),
            ("released-extra", $"{{\"released\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"x\":1}}]}}", 400, "INVALID_REQUEST"),
            ("released-bad-topic", "{\"released\":[{\"topic\":\"a b\",\"partition\":0}]}", 400, "INVALID_TOPIC"),
            ("released-partition-word", $"{{\"released\":[{{\"topic\":\"{Topic}\",\"partition\":\"0\"}}]}}", 400, "INVALID_REQUEST"),
            ("unknown-member", "{}", 404, "UNKNOWN_MEMBER_ID"), ("no-body", "", 404, "UNKNOWN_MEMBER_ID"),
        })
        {
            yield return BadInputCase.Json($"heartbeat/{name}", Post, heartbeat, body, status, code);
        }

        yield return BadInputCase.Json("heartbeat/member-with-dots", Post, $"/api/groups/{Group}/members/..%2E/heartbeat", null, 404, "UNKNOWN_MEMBER_ID");
        yield return BadInputCase.Json("leave/unknown-member", Delete, $"/api/groups/{Group}/members/nobody", null, 404, "UNKNOWN_MEMBER_ID");
        yield return BadInputCase.Json("leave/bad-group", Delete, "/api/groups/a%2Fb/members/nobody", null, 400, "INVALID_GROUP");
        yield return BadInputCase.Json("group/delete-unknown-member-route", Get, $"/api/groups/{Group}/members", null, 405, "METHOD_NOT_ALLOWED");

        // 10. Unknown routes and methods; huge headers.
        foreach (var (name, method, path, status, code) in new[]
        {
            ("root", Get, "/api", 404, "NOT_FOUND"), ("unknown", Get, "/api/brokers", 404, "NOT_FOUND"), ("deep", Get, $"/api/topics/{Topic}/records/extra/parts", 404, "NOT_FOUND"),
            ("put-topics", HttpMethod.Put, "/api/topics", 405, "METHOD_NOT_ALLOWED"), ("delete-topics", Delete, "/api/topics", 405, "METHOD_NOT_ALLOWED"),
            ("get-records", Get, $"/api/topics/{Topic}/records", 405, "METHOD_NOT_ALLOWED"), ("post-health", Post, "/api/health", 405, "METHOD_NOT_ALLOWED"),
            ("patch-topic", Patch, $"/api/topics/{Topic}", 405, "METHOD_NOT_ALLOWED"), ("put-offsets", HttpMethod.Put, $"/api/groups/{Group}/offsets", 405, "METHOD_NOT_ALLOWED"),
            ("get-producers", Get, "/api/producers", 405, "METHOD_NOT_ALLOWED"),
        })
        {
            yield return BadInputCase.Json($"route/{name}", method, path, null, status, code);
        }

        var bigHeader = new Dictionary<string, string> { ["X-Padding"] = new string('h', 70 * 1024) };
        yield return BadInputCase.Json("headers/huge-on-produce", Post, produce, "{\"records\":[{\"value\":\"v\"}]}", 413, "REQUEST_TOO_LARGE", bigHeader);
        yield return BadInputCase.Json("headers/huge-on-create", Post, "/api/topics", "{\"name\":\"fresh\"}", 413, "REQUEST_TOO_LARGE", bigHeader);
        yield return BadInputCase.Json("headers/huge-on-fetch", Get, fetch, null, 413, "REQUEST_TOO_LARGE", bigHeader);
        var manyHeaders = Enumerable.Range(0, 900).ToDictionary(i => $"X-H{i}", _ => new string('m', 80));
        yield return BadInputCase.Json("headers/many-on-produce", Post, produce, "{\"records\":[{\"value\":\"v\"}]}", 413, "REQUEST_TOO_LARGE", manyHeaders);

        // 11. Issue 13's additions.
        foreach (var hardening in Hardening(produce))
        {
            yield return hardening;
        }
    }

    /// <summary>
    /// Issue 13's additions: CRC-valid batches that lie, chunked bodies, deep nesting inside a record value,
    /// invalid UTF-8 inside values, double-encoded paths, numbers past 2^63, odd idempotency keys. Each case
    /// of a lying batch follows a good frame, so a request that stored anything would show in storage.
    /// </summary>
    private static IEnumerable<BadInputCase> Hardening(string produce)
    {
        var good = RecordBatch.Encode([new ProducerRecord(null, Utf8("v"), 1000)], TimestampType.CreateTime, 1000);
        var two = RecordBatch.Encode([new ProducerRecord(null, Utf8("a"), 1000), new ProducerRecord(null, Utf8("b"), 1000)], TimestampType.CreateTime, 1000);
        byte[] Record(int offsetDelta, byte[] tail) => [0, .. Varint(0), .. Varint(offsetDelta), .. tail];
        byte[] Plain(int offsetDelta) => Record(offsetDelta, [.. Varint(-1), .. Varint(1), (byte)'x', .. Varint(0)]);
        foreach (var (name, batch) in new (string, byte[])[]
        {
            ("count-above-records", Lie(two, b => BinaryPrimitives.WriteInt32BigEndian(b[57..], 3))),
            ("count-below-records", Lie(two, b => { BinaryPrimitives.WriteInt32BigEndian(b[57..], 1); BinaryPrimitives.WriteInt32BigEndian(b[23..], 0); })),
            ("count-huge", Lie(two, b => { BinaryPrimitives.WriteInt32BigEndian(b[57..], int.MaxValue); BinaryPrimitives.WriteInt32BigEndian(b[23..], int.MaxValue - 1); })),
            ("offset-delta-gap", Lie(two, b => BinaryPrimitives.WriteInt32BigEndian(b[23..], 9))),
            ("offset-delta-below-count", Lie(two, b => BinaryPrimitives.WriteInt32BigEndian(b[23..], 0))),
            ("offset-delta-negative", Lie(two, b => BinaryPrimitives.WriteInt32BigEndian(b[23..], -1))),
            ("record-offset-delta-lie", Batch([Plain(0), Plain(0)], 2, 1)),
            ("record-offset-delta-skips", Batch([Plain(0), Plain(2)], 2, 1)),
            ("record-length-past-end", Batch([[.. Plain(0)[..^1]]], 1, 0, lengthLie: 40)),
            ("record-length-zero", Batch([[]], 1, 0)),
            ("varint-too-long", Batch([[0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]], 1, 0)),
            ("key-length-lie", Batch([Record(0, [.. Varint(50), (byte)'k', .. Varint(-1), .. Varint(0)])], 1, 0)),
            ("value-length-negative-2", Batch([Record(0, [.. Varint(-1), .. Varint(-2), .. Varint(0)])], 1, 0)),
            ("header-count-lie", Batch([Record(0, [.. Varint(-1), .. Varint(1), (byte)'x', .. Varint(3), .. Varint(1), (byte)'h', .. Varint(1), (byte)'v'])], 1, 0)),
            ("header-count-negative", Batch([Record(0, [.. Varint(-1), .. Varint(1), (byte)'x', .. Varint(-5)])], 1, 0)),
            ("header-count-huge", Batch([Record(0, [.. Varint(-1), .. Varint(1), (byte)'x', .. Varint(1_000_000)])], 1, 0)),
            ("header-null-key", Batch([Record(0, [.. Varint(-1), .. Varint(1), (byte)'x', .. Varint(1), .. Varint(-1), .. Varint(1), (byte)'v'])], 1, 0)),
            ("gzip", Lie(good, b => b[22] |= 1)),
            ("snappy", Lie(good, b => b[22] |= 2)),
            ("lz4", Lie(good, b => b[22] |= 3)),
            ("zstd", Lie(good, b => b[22] |= 4)),
            ("transactional", Lie(RecordBatch.Encode([new ProducerRecord(null, Utf8("t"), 1000)], TimestampType.CreateTime, 1000, new ProducerBatchIdentity(5, 0, 0)), b => b[22] |= 0x10)),
            ("control", Lie(good, b => b[22] |= 0x20)),
            ("delete-horizon-bit", Lie(good, b => b[22] |= 0x40)),
            ("high-attribute-bit", Lie(good, b => b[21] |= 0x80)),
            ("producer-id-minus-2", Lie(good, b => BinaryPrimitives.WriteInt64BigEndian(b[43..], -2))),
            ("producer-epoch-negative", Lie(good, b => { BinaryPrimitives.WriteInt64BigEndian(b[43..], 5); BinaryPrimitives.WriteInt16BigEndian(b[51..], -1); BinaryPrimitives.WriteInt32BigEndian(b[53..], 0); })),
            ("base-sequence-negative", Lie(good, b => { BinaryPrimitives.WriteInt64BigEndian(b[43..], 5); BinaryPrimitives.WriteInt16BigEndian(b[51..], 0); BinaryPrimitives.WriteInt32BigEndian(b[53..], -1); })),
            ("producer-id-key-bit", Lie(good, b => { BinaryPrimitives.WriteInt64BigEndian(b[43..], 1L << 62); BinaryPrimitives.WriteInt16BigEndian(b[51..], 0); BinaryPrimitives.WriteInt32BigEndian(b[53..], 0); })),
        })
        {
            // The frame reader already refuses a header whose count and offset span cannot fit (INVALID_REQUEST: not a frame of a batch).
            var code = name is "count-above-records" or "offset-delta-negative" or "offset-delta-below-count" ? "INVALID_REQUEST" : "INVALID_RECORD";
            yield return BadInputCase.Raw($"binary-lie/{name}", Post, produce, [.. BatchFrames.Frame(0, good), .. BatchFrames.Frame(1, batch)], 400, code) with { ContentType = MediaTypes.RecordBatches };
        }

        // Chunked bodies: no Content-Length, so the size limit and the parser work on what arrives.
        yield return BadInputCase.Json("chunked/broken-json", Post, produce, "{\"records\":[", 400, "INVALID_REQUEST") with { Chunked = true };
        yield return BadInputCase.Json("chunked/huge", Post, produce, "{\"records\":[{\"value\":\"" + new string('c', MaxBodyBytes + 10) + "\"}]}", 413, "REQUEST_TOO_LARGE") with { Chunked = true };
        yield return BadInputCase.Json("chunked/bad-record", Post, produce, "{\"records\":[{\"value\":\"ok\"},{\"key\":7}]}", 400, "INVALID_RECORD") with { Chunked = true };
        yield return BadInputCase.Raw("chunked/lying-batch", Post, produce, [.. BatchFrames.Frame(0, good), .. BatchFrames.Frame(0, Lie(good, b => b[22] |= 4))], 400, "INVALID_RECORD") with { ContentType = MediaTypes.RecordBatches, Chunked = true };

        // Bodies that end early (truncated where a parser must notice).
        foreach (var (name, body) in new[]
        {
            ("mid-string", "{\"records\":[{\"value\":\"hel"), ("mid-escape", "{\"records\":[{\"value\":\"a\\u00"), ("after-key", "{\"records\":[{\"value\""),
            ("mid-number", "{\"records\":[{\"value\":\"v\",\"timestamp\":12"), ("after-comma", "{\"records\":[{\"value\":\"v\"},"),
        })
        {
            yield return BadInputCase.Json($"produce/ends-early-{name}", Post, produce, body, 400, "INVALID_REQUEST");
        }

        yield return BadInputCase.Raw("binary/ends-in-header", Post, produce, BatchFrames.Frame(0, good)[..40], 400, "INVALID_REQUEST") with { ContentType = MediaTypes.RecordBatches };
        yield return BadInputCase.Raw("binary/ends-after-partition", Post, produce, BatchFrames.Frame(0, good)[..4], 400, "INVALID_REQUEST") with { ContentType = MediaTypes.RecordBatches };

        // Deep nesting inside a record value (any JSON value is stored as its text, but not one past the depth limit).
        yield return BadInputCase.Json("produce/deep-value-arrays", Post, produce, "{\"records\":[{\"value\":" + new string('[', 300) + new string(']', 300) + "}]}", 400, "INVALID_REQUEST");
        yield return BadInputCase.Json("produce/deep-value-objects", Post, produce, "{\"records\":[{\"value\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200) + "}]}", 400, "INVALID_REQUEST");
        yield return BadInputCase.Json("produce/deep-header-value", Post, produce, "{\"records\":[{\"value\":\"v\",\"headers\":{\"h\":" + new string('[', 100) + new string(']', 100) + "}}]}", 400, "INVALID_RECORD");

        // Invalid UTF-8 inside a record's strings.
        foreach (var (name, bytes) in new (string, byte[])[]
        {
            ("lone-continuation", [0x80]), ("overlong-slash", [0xC0, 0xAF]), ("encoded-surrogate", [0xED, 0xA0, 0x80]),
            ("truncated-euro", [0xE2, 0x82]), ("past-unicode", [0xF4, 0x90, 0x80, 0x80]), ("ff-byte", [0xFF]),
        })
        {
            yield return BadInputCase.Raw($"produce/utf8-value-{name}", Post, produce, [.. Utf8("{\"records\":[{\"value\":\"a"), .. bytes, .. Utf8("\"}]}")], 400, null);
            yield return BadInputCase.Raw($"produce/utf8-key-{name}", Post, produce, [.. Utf8("{\"records\":[{\"key\":\""), .. bytes, .. Utf8("\",\"value\":\"v\"}]}")], 400, null);
        }

        yield return BadInputCase.Raw("produce/utf8-header-value", Post, produce, [.. Utf8("{\"records\":[{\"value\":\"v\",\"headers\":{\"h\":\""), 0xC3, .. Utf8("\"}}]}")], 400, null);
        yield return BadInputCase.Raw("commit/utf8-metadata", Post, $"/api/groups/{Group}/offsets", [.. Utf8($"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":0,\"metadata\":\""), 0xFE, .. Utf8("\"}]}")], 400, "INVALID_REQUEST");

        // Double-encoded paths: decoded once, the name still holds '%', which no name may.
        foreach (var (name, method, path, body, status, code) in new (string, HttpMethod, string, string?, int, string)[]
        {
            ("describe-slash", Get, "/api/topics/a%252Fb", null, 400, "INVALID_TOPIC"),
            ("describe-dotdot", Get, "/api/topics/%252E%252E", null, 400, "INVALID_TOPIC"),
            ("describe-existing", Get, "/api/topics/%2565xisting", null, 400, "INVALID_TOPIC"),
            ("produce-nul", Post, "/api/topics/existing%2500/records", "{\"records\":[{\"value\":\"v\"}]}", 400, "INVALID_TOPIC"),
            ("fetch-partition", Get, $"/api/topics/{Topic}/partitions/%2530/records", null, 400, "INVALID_REQUEST"),
            ("group", Get, "/api/groups/g%2520x/offsets", null, 400, "INVALID_GROUP"),
            ("member", Post, $"/api/groups/{Group}/members/%252E%252E/heartbeat", "{}", 404, "UNKNOWN_MEMBER_ID"),
        })
        {
            yield return BadInputCase.Json($"path/double-encoded-{name}", method, path, body, status, code);
        }

        // Numbers past 2^63 (and below -2^63) wherever a number goes.
        const string Big = "9223372036854775808";
        const string Small = "-9223372036854775809";
        foreach (var (name, body, code) in new[]
        {
            ("timestamp", $"{{\"records\":[{{\"value\":\"v\",\"timestamp\":{Big}}}]}}", "INVALID_RECORD"),
            ("timestamp-small", $"{{\"records\":[{{\"value\":\"v\",\"timestamp\":{Small}}}]}}", "INVALID_RECORD"),
            ("partition", $"{{\"records\":[{{\"value\":\"v\",\"partition\":{Big}}}]}}", "INVALID_RECORD"),
            ("producer-id", $"{{\"producerId\":{Big},\"producerEpoch\":0,\"baseSequences\":{{\"0\":0}},\"records\":[{{\"value\":\"v\",\"partition\":0}}]}}", "INVALID_REQUEST"),
            ("producer-epoch", $"{{\"producerId\":1,\"producerEpoch\":{Big},\"baseSequences\":{{\"0\":0}},\"records\":[{{\"value\":\"v\",\"partition\":0}}]}}", "INVALID_REQUEST"),
            ("base-sequence", $"{{\"producerId\":1,\"producerEpoch\":0,\"baseSequences\":{{\"0\":{Big}}},\"records\":[{{\"value\":\"v\",\"partition\":0}}]}}", "INVALID_REQUEST"),
            ("base-sequence-partition", $"{{\"producerId\":1,\"producerEpoch\":0,\"baseSequences\":{{\"{Big}\":0}},\"records\":[{{\"value\":\"v\",\"partition\":0}}]}}", "INVALID_REQUEST"),
        })
        {
            yield return BadInputCase.Json($"big/produce-{name}", Post, produce, body, code == "UNKNOWN_TOPIC_OR_PARTITION" ? 404 : 400, code);
        }

        yield return BadInputCase.Json("big/commit-offset", Post, $"/api/groups/{Group}/offsets", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":0,\"offset\":{Big}}}]}}", 400, "INVALID_REQUEST");
        yield return BadInputCase.Json("big/commit-partition", Post, $"/api/groups/{Group}/offsets", $"{{\"offsets\":[{{\"topic\":\"{Topic}\",\"partition\":{Big},\"offset\":0}}]}}", 404, "UNKNOWN_TOPIC_OR_PARTITION");
        yield return BadInputCase.Json("big/create-partitions", Post, "/api/topics", $"{{\"name\":\"fresh\",\"partitions\":{Big}}}", 400, "INVALID_PARTITIONS");
        yield return BadInputCase.Json("big/create-rf", Post, "/api/topics", $"{{\"name\":\"fresh\",\"replicationFactor\":{Small}}}", 400, "INVALID_REPLICATION_FACTOR");
        yield return BadInputCase.Json("big/add-partitions", Post, $"/api/topics/{Topic}/partitions", $"{{\"count\":{Big}}}", 400, "INVALID_PARTITIONS");
        yield return BadInputCase.Json("big/config-retention", Patch, $"/api/topics/{Topic}/configs", $"{{\"configs\":{{\"retention.ms\":\"{Big}\"}}}}", 400, "INVALID_CONFIG");
        yield return BadInputCase.Json("big/join-session", Post, $"/api/groups/{Group}/members", $"{{\"topics\":[\"{Topic}\"],\"sessionTimeoutMs\":{Big}}}", 400, "INVALID_REQUEST");
        foreach (var (name, query) in new[] { ("offset", $"offset={Big}"), ("offset-small", $"offset={Small}"), ("max-wait", $"maxWaitMs={Big}"), ("max-bytes", $"maxBytes={Big}") })
        {
            yield return BadInputCase.Json($"big/fetch-{name}", Get, $"/api/topics/{Topic}/partitions/0/records?{query}", null, 400, "INVALID_REQUEST");
        }

        yield return BadInputCase.Json("big/offsets-at", Get, $"/api/topics/{Topic}/partitions/0/offsets?at={Big}", null, 400, "INVALID_REQUEST");
        yield return BadInputCase.Json("big/path-partition", Get, $"/api/topics/{Topic}/partitions/{Big}/records", null, 400, "INVALID_REQUEST");
        yield return BadInputCase.Raw("big/binary-acks", Post, produce + "?acks=" + Big, BatchFrames.Frame(0, good), 400, "INVALID_REQUEST") with { ContentType = MediaTypes.RecordBatches };

        // Idempotency keys that are not keys: empty, or spaces only (non-ASCII and repeated headers are in BadInputTests' raw cases).
        yield return BadInputCase.Json("produce/idempotency-key-empty", Post, produce, "{\"records\":[{\"value\":\"v\"}]}", 400, "INVALID_REQUEST", new Dictionary<string, string> { ["Idempotency-Key"] = "" });
    }

    /// <summary>Changes header bytes of a batch and computes its CRC again, as a lying producer would.</summary>
    private static byte[] Lie(byte[] batch, Action<Span<byte>> change)
    {
        var copy = (byte[])batch.Clone();
        change(copy);
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(17), System.IO.Hashing.Crc32.HashToUInt32(System.IO.Hashing.Crc32ParameterSet.Crc32C, copy.AsSpan(21)));
        return copy;
    }

    /// <summary>A CRC-valid batch of records given byte by byte (each prefixed with its length, or <paramref name="lengthLie"/>).</summary>
    private static byte[] Batch(byte[][] records, int recordCount, int lastOffsetDelta, int? lengthLie = null)
    {
        var body = records.SelectMany(r => Varint(lengthLie ?? r.Length).Concat(r)).ToArray();
        var batch = new byte[RecordBatch.HeaderSize + body.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = RecordBatch.Magic;
        BinaryPrimitives.WriteInt32BigEndian(span[23..], lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], 1000);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], 1000);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], recordCount);
        body.CopyTo(span[RecordBatch.HeaderSize..]);
        return Lie(batch, _ => { });
    }

    /// <summary>A zig-zag varint, as record fields carry them.</summary>
    private static byte[] Varint(long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var bytes = new List<byte>();
        while (zigzag >= 0x80)
        {
            bytes.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }

        bytes.Add((byte)zigzag);
        return [.. bytes];
    }

    /// <summary>Bytes of <paramref name="text"/>, for cases built by hand.</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
