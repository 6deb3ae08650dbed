using Cloud.Log.Cli.Tests;
using Cloud.Log.Testing;

[assembly: AssemblyFixture(typeof(StorageFixture))]
[assembly: AssemblyFixture(typeof(InstalledTool))]
