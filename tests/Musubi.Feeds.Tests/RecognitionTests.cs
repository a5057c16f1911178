using Musubi.Feeds.Parsers;

namespace Musubi.Feeds.Tests;

public sealed class RecognitionTests
{
    [Theory]
    [InlineData("spamhaus/drop.txt", "spamhaus-drop")]
    [InlineData("spamhaus/asndrop.txt", "spamhaus-asndrop")]
    [InlineData("spamhaus/cert.txt", "spamhaus-cert")]
    [InlineData("cymru/infected_20171031.txt", "cymru-cap")]
    [InlineData("cymru/certname_20190327.txt", "cymru-cap")]
    [InlineData("microsoft/ctip.txt", "microsoft-ctip")]
    [InlineData("blocklistde/imap.txt", "blocklistde")]
    [InlineData("dshield/block.txt", "dshield-block")]
    [InlineData("dataplane/proto41.txt", "dataplane")]
    [InlineData("dataplane/vncrfb.txt", "dataplane")]
    [InlineData("html_table/feodotracker.html", "feodotracker-html")]
    [InlineData("shadowserver-legacy/scan_smb.csv", "shadowserver")]
    [InlineData("shadowserver-legacy/event4_sinkhole.csv", "shadowserver")]
    public void The_format_is_recognised_from_the_first_lines(string file, string type)
    {
        string path = FeedCorpus.File(file.Split('/'));
        Assert.Equal(type, FeedFormats.Recognise(File.ReadAllBytes(path), Path.GetFileName(path))?.Type);
    }

    [Fact]
    public void Every_legacy_shadowserver_report_is_recognised()
    {
        foreach (string path in Directory.GetFiles(FeedCorpus.File("shadowserver-legacy"), "*.csv"))
        {
            Assert.Equal("shadowserver", FeedFormats.Recognise(File.ReadAllBytes(path), Path.GetFileName(path))?.Type);
        }
    }

    [Fact]
    public void Unknown_text_is_not_recognised()
    {
        Assert.Null(FeedFormats.Recognise("hello,world\n1,2\n"u8, "x.csv"));
        Assert.Null(FeedFormats.Recognise(""u8, "empty.txt"));
        Assert.Null(FeedFormats.Recognise("\"timestamp\",\"ip\"\n"u8, "not_a_report.csv"));
    }
}
