using Cloud.Log.Kafka.Tests;
using Cloud.Log.Kafka.Tests.Auth;

[assembly: AssemblyFixture(typeof(KafkaServerFixture))]
[assembly: AssemblyFixture(typeof(SecuredKafkaServerFixture))]
