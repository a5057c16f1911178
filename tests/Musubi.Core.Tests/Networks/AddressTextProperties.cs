using System.Buffers.Binary;
using System.Net;
using CsCheck;
using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

/// <summary>The allocation-free address parsers and the canonical formatter agree with <see cref="IPAddress"/>.</summary>
public sealed class AddressTextProperties
{
    // Groups are zero half of the time so that "::" runs of every length and position come up.
    private static readonly Gen<UInt128> SparseV6 =
        Gen.Select(Gen.UShort, Gen.Bool).Array[8].Select(groups =>
        {
            UInt128 value = 0;
            foreach ((ushort group, bool zero) in groups)
            {
                value = (value << 16) | (zero ? 0u : group);
            }

            return value;
        });

    [Fact]
    public void Canonical_IPv6_text_round_trips_and_matches_the_framework() =>
        SparseV6.Sample(
            value =>
            {
                string text = Ipv6Text.Format(value);
                Assert.True(Ipv6Text.TryParse(text, out UInt128 parsed), text);
                Assert.Equal(value, parsed);
                IPAddress framework = IPAddress.Parse(text);
                Assert.Equal(value, Read(framework));

                // The framework writes some forms (IPv4-mapped, SIIT, ISATAP, ...) with a dotted IPv4 tail; we never do.
                string frameworkText = framework.ToString();
                if (!frameworkText.Contains('.', StringComparison.Ordinal))
                {
                    Assert.Equal(frameworkText, text);
                }
            },
            iter: 5000,
            writeLine: TestContext.Current.TestOutputHelper!.WriteLine);

    [Fact]
    public void Full_and_mixed_IPv6_forms_parse_as_the_framework_parses_them() =>
        Gen.Select(SparseV6, Gen.Bool).Sample(
            (value, upper) =>
            {
                byte[] bytes = Bytes(value);
                string[] groups = new string[8];
                for (int g = 0; g < 8; g++)
                {
                    groups[g] = ((bytes[2 * g] << 8) | bytes[(2 * g) + 1]).ToString(upper ? "X4" : "x");
                }

                string full = string.Join(':', groups);
                string mixed = string.Join(':', groups[..6]) + ":" + new IPAddress(bytes[12..]);
                foreach (string text in new[] { full, mixed })
                {
                    Assert.True(Ipv6Text.TryParse(text, out UInt128 parsed), text);
                    Assert.Equal(Read(IPAddress.Parse(text)), parsed);
                }
            },
            iter: 3000,
            writeLine: TestContext.Current.TestOutputHelper!.WriteLine);

    [Fact]
    public void Dotted_IPv4_text_round_trips() =>
        Gen.UInt.Sample(
            value =>
            {
                string text = Ipv4Text.Format(value);
                Assert.Equal(new IPAddress(Bytes(value)[12..]).ToString(), text);
                Assert.True(Ipv4Text.TryParse(text, out uint parsed), text);
                Assert.Equal(value, parsed);
            },
            iter: 3000,
            writeLine: TestContext.Current.TestOutputHelper!.WriteLine);

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("1::8")]
    [InlineData("1:2:3:4:5:6:7::")]
    [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("::192.0.2.1")]
    [InlineData("1:2:3:4:5:6:192.0.2.1")]
    [InlineData("1::192.0.2.1")]
    [InlineData("ABCD:EF01::")]
    public void Accepted_IPv6_forms_read_as_the_framework_reads_them(string text)
    {
        Assert.True(Ipv6Text.TryParse(text, out UInt128 parsed));
        Assert.Equal(Read(IPAddress.Parse(text)), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":")]
    [InlineData(":::")]
    [InlineData(":1::")]
    [InlineData("1::2:")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1::2::3")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("::1:2:3:4:5:6:7:8")]
    [InlineData("12345::")]
    [InlineData("g::")]
    [InlineData("1:2:3:4:5:6:7:192.0.2.1")]
    [InlineData("::192.0.2")]
    [InlineData("::192.0.2.01")]
    [InlineData("::1 ")]
    [InlineData("[::1]")]
    [InlineData("192.0.2.1")]
    public void Malformed_IPv6_text_is_refused(string text) =>
        Assert.False(Ipv6Text.TryParse(text, out _));

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.")]
    [InlineData(".1.2.3.4")]
    [InlineData("1..2.3")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.3.1000")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("1.2.3.-4")]
    [InlineData(" 1.2.3.4")]
    public void Malformed_IPv4_text_is_refused(string text) =>
        Assert.False(Ipv4Text.TryParse(text, out _));

    private static byte[] Bytes(UInt128 value)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return bytes;
    }

    private static UInt128 Read(IPAddress address) => BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes());
}
