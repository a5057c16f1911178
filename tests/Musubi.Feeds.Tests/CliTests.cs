using System.Text.Json;
using Musubi.Cli;
using Spectre.Console;

namespace Musubi.Feeds.Tests;

/// <summary>`musubi feed parse` and `musubi feed types` through the real command line, in-process.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("musubi-feed-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(output) });
        int exit = await MusubiCli.RunAsync(args, new CliEnvironment(console, output, error, new Dictionary<string, string?>()), CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Parse_with_a_type_prints_one_json_line_per_event_with_documented_names_and_exits_0()
    {
        var (exit, output, error) = await Run("feed", "parse", "--type", "spamhaus-cert", FeedCorpus.File("spamhaus", "cert.txt"));
        Assert.True(exit == 0, error);
        Assert.Equal("", error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(19, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal("109.126.64.2", root.GetProperty("source.ip").GetString());
        Assert.Equal(12635, root.GetProperty("source.asn").GetInt32());
        Assert.Equal("2015-08-31T08:16:10+00:00", root.GetProperty("time.source").GetString());
        Assert.Equal("malicious-code", root.GetProperty("classification.taxonomy").GetString());
        Assert.Equal("infected-system", root.GetProperty("classification.type").GetString());
        Assert.Equal("asprox", root.GetProperty("malware.name").GetString());
        Assert.Equal("Spamhaus CERT", root.GetProperty("feed.name").GetString());
        Assert.Equal("109.126.64.2,AS12635,AT,1441008970,asprox,,,25,,tcp", System.Text.Encoding.UTF8.GetString(root.GetProperty("raw").GetBytesFromBase64()));
    }

    [Fact]
    public async Task Parse_without_a_type_recognises_the_format()
    {
        var (exit, output, _) = await Run("feed", "parse", FeedCorpus.File("dataplane", "vncrfb.txt"));
        Assert.Equal(0, exit);
        Assert.Contains("\"classification.identifier\":\"dataplane-vncrfb\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejected_rows_go_to_stderr_with_line_numbers_and_exit_1()
    {
        string file = Path.Combine(folder, "ssh.txt");
        await File.WriteAllTextAsync(file, "192.0.2.1\n192.0.2.300\n192.0.2.2\n");
        var (exit, output, error) = await Run("feed", "parse", "--type", "blocklistde", file);
        Assert.Equal(1, exit);
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal($"{file}:2: column 'ip' (source.ip): '192.0.2.300' is not an IP address\n", error.Replace("\r", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unrecognised_file_exits_2_and_lists_the_types()
    {
        string file = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(file, "hello\n");
        var (exit, output, error) = await Run("feed", "parse", file);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("cannot recognise the format", error, StringComparison.Ordinal);
        Assert.Contains("shadowserver, spamhaus-asndrop, spamhaus-drop", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_type_missing_file_and_csv_without_mapping_exit_2()
    {
        Assert.Equal(2, (await Run("feed", "parse", "--type", "nope", FeedCorpus.File("spamhaus", "drop.txt"))).Exit);
        var missing = await Run("feed", "parse", "--type", "spamhaus-drop", Path.Combine(folder, "absent.txt"));
        Assert.Equal(2, missing.Exit);
        Assert.Contains("no such file", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await Run("feed", "parse", "--type", "csv", FeedCorpus.File("spamhaus", "drop.txt"))).Exit);
        Assert.Equal(2, (await Run("feed", "parse")).Exit);
    }

    [Fact]
    public async Task A_shadowserver_schema_can_be_given()
    {
        var (exit, output, error) = await Run("feed", "parse", "--schema", FeedCorpus.File("shadowserver", "schema.json.test"), FeedCorpus.File("shadowserver", "test_smb.csv"));
        Assert.True(exit == 0, error);
        Assert.Equal(3, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("\"feed.name\":\"Test-Accessible-SMB\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_darknet_pcap_prints_one_event_per_source_protocol_port_and_day()
    {
        string file = Musubi.Testing.Corpora.Require("pcap", "curated-pcaps", "attacks", "scanners", "nmap", "nmap_80_vanilla.pcap");
        var (exit, output, error) = await Run("feed", "parse", "--type", "darknet-pcap", file);
        Assert.True(exit == 0, error);
        var events = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var scans = events.Where(e => e.GetProperty("source.ip").GetString() == "10.87.1.10").ToList();
        Assert.Equal([80, 443], scans.Select(e => e.GetProperty("destination.port").GetInt32()).Order());
        Assert.All(scans, e => Assert.Equal("scanner", e.GetProperty("classification.type").GetString()));
        Assert.All(scans, e => Assert.Equal("darknet", e.GetProperty("feed.name").GetString()));
        Assert.Contains(scans, e => e.GetProperty("extra.packets").GetString() == "3");

        // Recognised without --type from the magic number.
        var (again, recognised, _) = await Run("feed", "parse", file);
        Assert.Equal(0, again);
        Assert.Equal(output, recognised);
    }

    [Fact]
    public async Task Types_lists_every_type()
    {
        var (exit, output, _) = await Run("feed", "types");
        Assert.Equal(0, exit);
        foreach (string type in new[] { "shadowserver", "spamhaus-drop", "spamhaus-asndrop", "spamhaus-cert", "cymru-cap", "microsoft-ctip", "blocklistde", "dshield-block", "dataplane", "feodotracker-html", "csv", "darknet-pcap" })
        {
            Assert.Contains(type, output, StringComparison.Ordinal);
        }
    }
}
