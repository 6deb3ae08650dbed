using Cloud.Log.Cli.Tests;
using Cloud.Log.Testing;

[assembly: AssemblyFixture(typeof(StorageFixture))]
[assembly: AssemblyFixture(typeof(InstalledTool))]

// The tests mostly wait on the tool's processes and the server: four classes at once keep two cores busy.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
