// The standalone Cloud.Log server. Configuration: see CloudLogConfiguration (section "CloudLog") and
// docs/api.md; ./run.sh starts it against a local Azurite on http://127.0.0.1:7071.
using Cloud.Log.Server;

var app = CloudLogServer.Build(args);
await using (app.ConfigureAwait(false))
{
    await app.RunAsync().ConfigureAwait(false);
}
