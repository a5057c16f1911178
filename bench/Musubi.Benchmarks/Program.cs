using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Musubi.Benchmarks -- --filter '*Ownership*'
// dotnet run -c Release --project bench/Musubi.Benchmarks -- feeds-inflight 5000000
// dotnet run -c Release --project bench/Musubi.Benchmarks -- taxii-get 200
if (args.Length > 0 && args[0] == "taxii-get")
{
    return Musubi.Benchmarks.Taxii.TaxiiGetRun.Run(args);
}

if (args.Length > 0 && args[0] == "feeds-inflight")
{
    return Musubi.Benchmarks.Feeds.InFlightRun.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Musubi.Benchmarks.Networks.OwnershipData).Assembly).Run(args);
return 0;
