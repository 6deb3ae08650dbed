// The Cloud.Log function app: every function hands over to Cloud.Log.Api and the engine (FunctionsStartup).
using Cloud.Log.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
FunctionsStartup.ConfigureServices(builder.Services, builder.Configuration);
builder.Build().Run();
