using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Musubi.Benchmarks -- --filter '*Ownership*'
BenchmarkSwitcher.FromAssembly(typeof(Musubi.Benchmarks.Networks.OwnershipData).Assembly).Run(args);
