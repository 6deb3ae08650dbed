using Cloud.Log.Console.Tests;
using Cloud.Log.Testing;

[assembly: AssemblyFixture(typeof(StorageFixture))]
[assembly: AssemblyFixture(typeof(ConsoleBrowser))]
