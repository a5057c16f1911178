using System.CommandLine;
using Musubi.Cli.Hosting;
using Musubi.Cli.Output;
using Musubi.Infrastructure.Setup;

namespace Musubi.Cli.Commands;

/// <summary>`musubi demo-data`: the fictional demo constituency (<see cref="DemoData"/>).</summary>
internal static class DemoDataCommands
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("demo-data",
            $"Seed a fictional constituency with users (password '{DemoData.Password}') into the database, migrating it first; running it again adds nothing");
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "demo-data", async () =>
        {
            await using var session = await CliSession.OpenAsync(env, global, parse, ct);
            env.Output.WriteLine($"Database: {session.Database}");
            var result = await ProgressBars.RunAsync(env, progress => DemoData.SeedAsync(session.Services, session.Actor, progress, ct));
            var c = result.Constituency;
            if (!c.ChangesAnything && result.UsersCreated == 0)
            {
                env.Output.WriteLine("The demo data is already in the database: nothing to add.");
                return ExitCodes.Ok;
            }

            env.Output.WriteLine($"Demo data: {ConstituencyCommands.N(c.OrganisationsCreated)} organisations created ({ConstituencyCommands.N(c.OrganisationsUpdated)} updated), " +
                $"{ConstituencyCommands.N(c.NetworksAdded)} networks, {ConstituencyCommands.N(c.ContactsAdded)} contacts, " +
                $"{ConstituencyCommands.N(c.CommunitiesCreated)} communities, {ConstituencyCommands.N(c.MembershipsAdded)} memberships, " +
                $"{ConstituencyCommands.N(result.UsersCreated)} users.");
            env.Output.WriteLine($"Demo users (e.g. ncc.analyst, hikari.admin, police.viewer) sign in with the password '{DemoData.Password}'.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
