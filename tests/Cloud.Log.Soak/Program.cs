using Cloud.Log.Soak;

// Cloud.Log's own fault run (./soak.sh): Azurite locations behind fault proxies (one metadata, three
// replica locations), three server processes, producers and consumers spread over them, and faults from a
// seeded schedule; then a check of what the clients saw against what a fresh engine reads back. Prints one
// summary line and exits 1 on any violation. Arguments: --minutes N (default 10), --seed S (default: a
// random one, printed), --no-faults (load only), --out DIR (default artifacts/soak: the fault log, the
// violations' details, every acknowledgement, the servers' logs).
return await SoakRun.RunAsync(args, Console.Out).ConfigureAwait(false);
