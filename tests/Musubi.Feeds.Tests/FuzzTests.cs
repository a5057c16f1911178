using System.Text;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Tests;

/// <summary>
/// Random mutations of corpus lines (fixed seeds, so a failure reproduces): the parser never throws, and every data
/// row still yields exactly one event or one error. Mutations leave line ends, quotes and a line's first byte alone,
/// so the number of data rows stays known.
/// </summary>
public sealed class FuzzTests
{
    private const int Rounds = 300;

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "shadowserver", "shadowserver-legacy/scan_ssl.csv", "" },
        { "shadowserver", "shadowserver-legacy/event4_sinkhole_http.csv", "" },
        { "spamhaus-drop", "spamhaus/drop.txt", ";#" },
        { "spamhaus-asndrop", "spamhaus/asndrop.txt", ";#" },
        { "spamhaus-cert", "spamhaus/cert.txt", ";#" },
        { "cymru-cap", "cymru/certname_20190327.txt", ";#" },
        { "blocklistde", "blocklistde/imap.txt", ";#" },
        { "dshield-block", "dshield/block.txt", ";#" },
        { "dataplane", "dataplane/sshpwauth.txt", ";#" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mutated_rows_yield_an_event_or_an_error_each(string type, string file, string comments)
    {
        string path = FeedCorpus.File(file.Split('/'));
        string[] lines = File.ReadAllLines(path);
        bool csv = type == "shadowserver";
        int[] dataLines = [.. Enumerable.Range(0, lines.Length).Where(i => lines[i].Trim().Length > 0
            && !comments.Contains(lines[i].TrimStart()[0], StringComparison.Ordinal) && !(csv && i == 0) && !lines[i].StartsWith("Start\t", StringComparison.Ordinal))];
        IFeedParser parser = FeedFormats.ByType(type)!;
        var random = new Random(type.Length * 7919 + file.Length);
        for (int round = 0; round < Rounds; round++)
        {
            string[] copy = (string[])lines.Clone();
            int target = dataLines[random.Next(dataLines.Length)];
            copy[target] = Mutate(copy[target], random);
            byte[] data = Encoding.UTF8.GetBytes(string.Join('\n', copy) + "\n");
            CollectingSink sink;
            try
            {
                sink = FeedCorpus.Parse(parser, data, Path.GetFileName(path));
            }
            catch (Exception e)
            {
                Assert.Fail($"round {round}: {e.GetType().Name} on line {target + 1} '{copy[target]}': {e.Message}");
                throw;
            }

            int expected = dataLines.Length - (copy[target].Trim().Length == 0 || comments.Contains(copy[target].TrimStart()[0], StringComparison.Ordinal) ? 1 : 0);
            Assert.True(expected == sink.Events.Count + sink.Errors.Count(e => e.Line > 0),
                $"round {round}: line {target + 1} '{copy[target]}' gave {sink.Events.Count} events and {sink.Errors.Count} errors for {expected} rows");
            Assert.All(sink.Events, FeedCorpus.AssertSourced);
        }
    }

    [Fact]
    public void Mutated_ctip_json_and_feodo_html_never_throw()
    {
        foreach ((IFeedParser parser, string file) in new (IFeedParser, string)[] { (new MicrosoftCtipParser(), "microsoft/ctip.txt"), (new FeodoTrackerParser(), "html_table/feodotracker.html") })
        {
            byte[] original = File.ReadAllBytes(FeedCorpus.File(file.Split('/')));
            var random = new Random(17);
            for (int round = 0; round < 100; round++)
            {
                byte[] data = (byte[])original.Clone();
                for (int k = 0; k < 1 + random.Next(8); k++)
                {
                    data[random.Next(data.Length)] = (byte)random.Next(256);
                }

                var sink = FeedCorpus.Parse(parser, data, Path.GetFileName(file));
                Assert.True(sink.Events.Count + sink.Errors.Count > 0, $"round {round}: nothing at all");
                Assert.All(sink.Events, FeedCorpus.AssertSourced);
            }
        }
    }

    private static string Mutate(string line, Random random)
    {
        if (line.Length < 2)
        {
            return line;
        }

        const string alphabet = "0123456789abcdefxyzAS.:/;|,\t -_%\\\u00e9\u3042\u0000";
        char RandomChar() => alphabet[random.Next(alphabet.Length)];
        var text = new StringBuilder(line);
        int at = 1 + random.Next(line.Length - 1);
        switch (random.Next(5))
        {
            case 0 when text[at] != '"':
                text[at] = RandomChar();
                break;
            case 1 when text[at] != '"':
                text.Remove(at, 1);
                break;
            case 2:
                text.Insert(at, RandomChar());
                break;
            case 3:
                // Cut at a point that leaves the quotes balanced.
                int cut = at;
                while (cut > 1 && text.ToString(0, cut).Count(c => c == '"') % 2 != 0)
                {
                    cut--;
                }

                if (text.ToString(0, cut).Count(c => c == '"') % 2 == 0)
                {
                    text.Length = cut;
                }

                break;
            default:
                text.Insert(at, new string(RandomChar(), random.Next(1, 2000)));
                break;
        }

        return text.ToString();
    }
}
