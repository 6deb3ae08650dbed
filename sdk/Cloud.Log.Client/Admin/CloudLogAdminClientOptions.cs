namespace Cloud.Log.Client;

/// <summary>The admin client's options: the Azure SDK's transport, retry and diagnostics settings, nothing more.</summary>
public class CloudLogAdminClientOptions : CloudLogClientOptions
{
}
