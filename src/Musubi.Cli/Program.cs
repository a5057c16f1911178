using Musubi.Cli;

return await MusubiCli.RunAsync(args, CliEnvironment.FromProcess());
