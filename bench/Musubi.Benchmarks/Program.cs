using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Musubi.Benchmarks -- --filter '*Ownership*'
// dotnet run -c Release --project bench/Musubi.Benchmarks -- feeds-inflight 5000000
// dotnet run -c Release --project bench/Musubi.Benchmarks -- matcher-vs-grep [--grep-lines 100000]
if (args.Length > 0 && args[0] == "matcher-vs-grep")
{
    return Musubi.Benchmarks.Indicators.MatcherVsGrep.Run(args);
}

// dotnet run -c Release --project bench/Musubi.Benchmarks -- feeds-profile
if (args.Length > 0 && args[0] == "feeds-profile")
{
    return Musubi.Benchmarks.Feeds.StageProfile.Run(args);
}

// dotnet run -c Release --project bench/Musubi.Benchmarks -- taxii-get 200
if (args.Length > 0 && args[0] == "taxii-get")
{
    return Musubi.Benchmarks.Taxii.TaxiiGetRun.Run(args);
}

// dotnet run -c Release --project bench/Musubi.Benchmarks -- taxii-post-profile [rounds] [objects]
if (args.Length > 0 && args[0] == "taxii-post-profile")
{
    return Musubi.Benchmarks.Taxii.TaxiiPostProfile.Run(args);
}

if (args.Length > 0 && args[0] == "feeds-inflight")
{
    return Musubi.Benchmarks.Feeds.InFlightRun.Run(args);
}

if (args.Length > 0 && args[0] == "sigma-profile")
{
    return Musubi.Benchmarks.Sigma.SigmaProfile.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Musubi.Benchmarks.Networks.OwnershipData).Assembly).Run(args);
return 0;
