using Cloud.Log.Testing;

[assembly: AssemblyFixture(typeof(StorageFixture))]
