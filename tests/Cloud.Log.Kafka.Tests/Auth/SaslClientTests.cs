using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cloud.Log.Kafka.Tests.Auth;

/// <summary>Confluent.Kafka (librdkafka) with SASL PLAIN and OAUTHBEARER against a listener with credentials, and TLS.</summary>
public sealed class SaslClientTests(SecuredKafkaServerFixture server)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>A key limited to <c>orders-</c> produces and consumes with a group on its topic over SASL PLAIN.</summary>
    [Fact(Timeout = 90_000)]
    public async Task PlainKeyProducesAndConsumesWithAGroup()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "orders-" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateTopicAsync(topic, 2, cancellationToken: ct);
        await ProduceAndConsumeAsync(
            server.Plain(new ProducerConfig(), "orders", SecuredKafkaServerFixture.OrdersKey),
            server.Plain(new ConsumerConfig(), "orders", SecuredKafkaServerFixture.OrdersKey),
            topic,
            null,
            ct);
    }

    /// <summary>The same key is refused on a topic outside its prefix with TOPIC_AUTHORIZATION_FAILED (29), and nothing is stored.</summary>
    [Fact(Timeout = 60_000)]
    public async Task PrefixKeyIsRefusedOnAnotherTopic()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "other-" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateTopicAsync(topic, 1, cancellationToken: ct);
        using var producer = new ProducerBuilder<Null, string>(server.Plain(new ProducerConfig { MessageTimeoutMs = 15_000 }, "orders", SecuredKafkaServerFixture.OrdersKey)).Build();
        var refused = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }, ct));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Error.Code);

        using var consumer = new ConsumerBuilder<Null, string>(server.Plain(new ConsumerConfig { GroupId = "unused" }, "admin", SecuredKafkaServerFixture.AdminKey)).Build();
        var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Wait);
        Assert.Equal(0, marks.High.Value);
    }

    /// <summary>A key without the admin right is refused creating a topic (TOPIC_AUTHORIZATION_FAILED), even under its prefix.</summary>
    [Fact(Timeout = 60_000)]
    public async Task KeyWithoutAdminIsRefusedCreatingATopic()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = new AdminClientBuilder(server.Plain(new AdminClientConfig(), "orders", SecuredKafkaServerFixture.OrdersKey)).Build();
        var refused = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = "orders-" + Guid.NewGuid().ToString("N")[..8], NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Results[0].Error.Code);
        await Task.CompletedTask.WaitAsync(ct);
    }

    /// <summary>A key without the consume right is refused joining a group with GROUP_AUTHORIZATION_FAILED (30).</summary>
    [Fact(Timeout = 60_000)]
    public async Task KeyWithoutConsumeIsRefusedAGroup()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "orders-" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateTopicAsync(topic, 1, cancellationToken: ct);
        using var consumer = new ConsumerBuilder<Null, string>(server.Plain(new ConsumerConfig { GroupId = "g-" + Guid.NewGuid().ToString("N")[..8] }, "producer", SecuredKafkaServerFixture.ProducerKey)).Build();
        consumer.Subscribe(topic);
        var error = await Task.Run(
            () =>
            {
                var deadline = DateTime.UtcNow + Wait;
                while (DateTime.UtcNow < deadline)
                {
                    try
                    {
                        consumer.Consume(TimeSpan.FromMilliseconds(500));
                    }
                    catch (ConsumeException e)
                    {
                        return e.Error.Code;
                    }
                }

                return ErrorCode.NoError;
            },
            ct);
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, error);
        consumer.Close();
    }

    /// <summary>A wrong password is refused at authentication: librdkafka reports an authentication error with the listener's SASL_AUTHENTICATION_FAILED message.</summary>
    [Fact(Timeout = 60_000)]
    public async Task WrongPasswordIsRefused()
    {
        var error = await FirstErrorAsync(new ProducerBuilder<Null, string>(server.Plain(new ProducerConfig(), "orders", "wrong-password")));
        Assert.Equal(ErrorCode.Local_Authentication, error.Code);
        Assert.Contains("invalid username or password", error.Reason, StringComparison.Ordinal);
    }

    /// <summary>OAUTHBEARER with a token from the local issuer (librdkafka's token refresh handler) produces and consumes with a group.</summary>
    [Fact(Timeout = 90_000)]
    public async Task OAuthBearerTokenProducesAndConsumesWithAGroup()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "oauth-" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateTopicAsync(topic, 1, cancellationToken: ct);
        var token = server.Issuer.Issue(["CloudLog.Produce", "CloudLog.Consume"]);
        await ProduceAndConsumeAsync(server.OAuthBearer(new ProducerConfig()), server.OAuthBearer(new ConsumerConfig()), topic, token, ct);
    }

    /// <summary>A token with only the consume role is refused producing with TOPIC_AUTHORIZATION_FAILED (29).</summary>
    [Fact(Timeout = 60_000)]
    public async Task TokenWithoutProduceRoleIsRefusedProducing()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "oauth-" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateTopicAsync(topic, 1, cancellationToken: ct);
        var token = server.Issuer.Issue(["CloudLog.Consume"]);
        using var producer = new ProducerBuilder<Null, string>(server.OAuthBearer(new ProducerConfig { MessageTimeoutMs = 15_000 }))
            .SetOAuthBearerTokenRefreshHandler((client, _) => SecuredKafkaServerFixture.UseToken(client, token))
            .Build();
        var refused = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }, ct));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Error.Code);
    }

    /// <summary>An idempotent producer whose token has no produce role is refused its producer id with CLUSTER_AUTHORIZATION_FAILED (31), fatal in librdkafka.</summary>
    [Fact(Timeout = 60_000)]
    public async Task IdempotentProducerWithoutProduceRoleIsRefusedItsProducerId()
    {
        var token = server.Issuer.Issue(["CloudLog.Consume"]);
        var error = await FirstErrorAsync(new ProducerBuilder<Null, string>(server.OAuthBearer(new ProducerConfig { EnableIdempotence = true }))
            .SetOAuthBearerTokenRefreshHandler((client, _) => SecuredKafkaServerFixture.UseToken(client, token)));
        Assert.True(error.IsFatal, error.Reason);
        Assert.Contains("Cluster authorization failed", error.Reason, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An expired token is refused at authentication (SASL_AUTHENTICATION_FAILED, reported by librdkafka as an authentication error).</summary>
    [Fact(Timeout = 60_000)]
    public async Task ExpiredTokenIsRefused()
    {
        var token = server.Issuer.Issue(["CloudLog.Admin"], TimeSpan.FromMinutes(-10));
        var error = await FirstErrorAsync(new ProducerBuilder<Null, string>(server.OAuthBearer(new ProducerConfig()))
            .SetOAuthBearerTokenRefreshHandler((client, _) => SecuredKafkaServerFixture.UseToken(client, token)));
        Assert.Equal(ErrorCode.Local_Authentication, error.Code);
        Assert.Contains("expired", error.Reason, StringComparison.Ordinal);
    }

    /// <summary>TLS: with a certificate configured the listener speaks SASL_SSL; Confluent.Kafka trusting the self-signed certificate (SslCaLocation) produces and consumes.</summary>
    [Fact(Timeout = 90_000)]
    public async Task TlsListenerServesSaslSsl()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "orders-tls-" + Guid.NewGuid().ToString("N")[..8];
        await server.CreateTopicAsync(topic, 1, tls: true, cancellationToken: ct);
        await ProduceAndConsumeAsync(
            server.Plain(new ProducerConfig(), "orders", SecuredKafkaServerFixture.OrdersKey, tls: true),
            server.Plain(new ConsumerConfig(), "orders", SecuredKafkaServerFixture.OrdersKey, tls: true),
            topic,
            null,
            ct);
    }

    /// <summary>
    /// A client that does not trust the certificate fails the TLS handshake: the listener speaks nothing else. The
    /// handshake's failure is an SSL error; on a busy machine librdkafka may first report the connection's end as a
    /// transport error (the listener closed it after the client's alert), which counts only if it names the
    /// handshake. Other errors (all brokers down) are passed over.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task TlsListenerRefusesClientsThatDoNotTrustItsCertificate()
    {
        var config = server.Plain(new ProducerConfig(), "orders", SecuredKafkaServerFixture.OrdersKey, tls: true);
        config.SslCaLocation = null;
        var seen = new System.Collections.Concurrent.ConcurrentQueue<Error>();
        static bool HandshakeFailed(Error e) =>
            e.Code == ErrorCode.Local_Ssl || (e.Code == ErrorCode.Local_Transport && (e.Reason.Contains("SSL", StringComparison.Ordinal) || e.Reason.Contains("handshake", StringComparison.OrdinalIgnoreCase)));
        Error? error = null;
        try
        {
            error = await FirstErrorAsync(new ProducerBuilder<Null, string>(config), e =>
            {
                seen.Enqueue(e);
                return HandshakeFailed(e);
            });
        }
        catch (TimeoutException)
        {
            // reported below, with the errors seen
        }

        Assert.True(error is not null, $"no TLS handshake failure within {Wait.TotalSeconds} s; errors reported: {string.Join("; ", seen.Select(e => $"{e.Code}: {e.Reason}"))}");
    }

    /// <summary>The first error the client reports (the first <paramref name="counts"/> accepts, when given).</summary>
    private static async Task<Error> FirstErrorAsync(ProducerBuilder<Null, string> builder, Func<Error, bool>? counts = null)
    {
        var first = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = builder.SetErrorHandler((_, e) =>
        {
            if (counts?.Invoke(e) ?? true)
            {
                first.TrySetResult(e);
            }
        }).Build();
        using var poll = new CancellationTokenSource(Wait);
        _ = producer.ProduceAsync("orders-never", new Message<Null, string> { Value = "x" }, poll.Token);
        return await first.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
    }

    private static async Task ProduceAndConsumeAsync(ProducerConfig producerConfig, ConsumerConfig consumerConfig, string topic, string? token, CancellationToken ct)
    {
        var producerBuilder = new ProducerBuilder<string, string>(producerConfig);
        if (token is not null)
        {
            producerBuilder.SetOAuthBearerTokenRefreshHandler((client, _) => SecuredKafkaServerFixture.UseToken(client, token));
        }

        using (var producer = producerBuilder.Build())
        {
            for (var i = 0; i < 4; i++)
            {
                var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" }, ct);
                Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
            }
        }

        consumerConfig.GroupId = "g-" + Guid.NewGuid().ToString("N")[..10];
        consumerConfig.AutoOffsetReset = AutoOffsetReset.Earliest;
        consumerConfig.EnableAutoCommit = false;
        consumerConfig.FetchWaitMaxMs = 100;
        var consumerBuilder = new ConsumerBuilder<string, string>(consumerConfig);
        if (token is not null)
        {
            consumerBuilder.SetOAuthBearerTokenRefreshHandler((client, _) => SecuredKafkaServerFixture.UseToken(client, token));
        }

        using var consumer = consumerBuilder.Build();
        consumer.Subscribe(topic);
        var read = await Task.Run(() => ConfluentClientTests.ConsumeMany(consumer, 4), ct);
        Assert.Equal(["k0", "k1", "k2", "k3"], read.Select(r => r.Message.Key).Order());
        consumer.Commit(read[^1]);
        var committed = consumer.Committed(Wait);
        Assert.NotEmpty(committed);
        consumer.Close();
    }
}
