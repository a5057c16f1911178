using System.Text;
using Musubi.Ledger.Bundles;

namespace Musubi.Ledger.Tests;

public sealed class EntryLineTests
{
    [Fact]
    public void The_fast_reader_and_the_json_reader_agree_on_every_line_the_writer_makes()
    {
        var random = new Random(11);
        Span<byte> fastLeaf = stackalloc byte[32];
        Span<byte> jsonLeaf = stackalloc byte[32];
        foreach (var (index, length) in new[] { (0UL, 0), (1UL, 1), (9UL, 2), (10UL, 3), (123_456UL, 256), (ulong.MaxValue, 1000) })
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            var leaf = MerkleHash.Leaf(payload);
            var line = Line(index, leaf, payload);

            var buffer = new byte[16];
            Assert.True(EntryLines.TryParseCanonical(line, fastLeaf, ref buffer, out var fast), Encoding.UTF8.GetString(line));
            Assert.Equal(index, fast.Index);
            Assert.Equal(payload, fast.Payload.ToArray());
            Assert.Equal(leaf, fastLeaf.ToArray());

            // The same line with its keys in another order is not canonical, and the JSON reader gives the same entry.
            var reordered = Encoding.UTF8.GetBytes(
                $"{{ \"payload\" : \"{Convert.ToBase64String(payload).Replace("/", "\\/", StringComparison.Ordinal)}\", \"leafHash\":\"{Convert.ToHexString(leaf)}\", \"index\": {index} }}");
            Assert.False(EntryLines.TryParseCanonical(reordered, jsonLeaf, ref buffer, out _));
            var json = EntryLines.Parse(reordered, jsonLeaf, ref buffer);
            Assert.Null(json.Error);
            Assert.Equal(index, json.Index);
            Assert.Equal(payload, json.Payload.ToArray());
            Assert.Equal(leaf, jsonLeaf.ToArray());
        }
    }

    [Theory]
    [InlineData("{\"index\":007,\"leafHash\":\"" + Zeros + "\",\"payload\":\"AA==\"}", "not valid JSON")]
    [InlineData("{\"index\":7,\"leafHash\":\"" + Zeros + "\",\"payload\":\"A?==\"}", "\"payload\" is not base64")]
    [InlineData("{\"index\":7,\"leafHash\":\"abc\",\"payload\":\"AA==\"}", "\"leafHash\" is not 64 hex digits")]
    [InlineData("{\"index\":-7,\"leafHash\":\"" + Zeros + "\",\"payload\":\"AA==\"}", "\"index\" is not a whole number")]
    [InlineData("{\"index\":7,\"leafHash\":\"" + Zeros + "\"}", "either \"payload\" or \"payloadRemoved\"")]
    [InlineData("[1,2]", "not a JSON object")]
    public void Lines_that_are_not_entries_say_why(string line, string expected)
    {
        Span<byte> leaf = stackalloc byte[32];
        var buffer = new byte[16];
        var entry = EntryLines.Parse(Encoding.UTF8.GetBytes(line), leaf, ref buffer);
        Assert.NotNull(entry.Error);
        Assert.Contains(expected, entry.Error, StringComparison.Ordinal);
    }

    private const string Zeros = "0000000000000000000000000000000000000000000000000000000000000000";

    private static byte[] Line(ulong index, byte[] leaf, byte[] payload)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        EntryLines.Write(writer, index, leaf, payload, null, [], withProof: false);
        return writer.WrittenSpan[..^1].ToArray();
    }
}
