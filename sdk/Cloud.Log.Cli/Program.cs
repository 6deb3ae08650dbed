using Cloud.Log.Cli;

return await CloudLogCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
