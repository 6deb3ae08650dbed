using Cloud.Log.Kafka.Tests;

[assembly: AssemblyFixture(typeof(KafkaServerFixture))]
