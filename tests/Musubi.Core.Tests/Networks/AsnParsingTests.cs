using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

public sealed class AsnParsingTests
{
    [Theory]
    [InlineData("AS64500", 64500u)]
    [InlineData("as64500", 64500u)]
    [InlineData("As64500", 64500u)]
    [InlineData("64500", 64500u)]
    [InlineData(" AS1 ", 1u)]
    [InlineData("AS4294967295", 4294967295u)]
    public void Valid_as_numbers_are_accepted(string text, uint expected)
    {
        Assert.True(NetworkParsing.TryParseAsn(text, out uint asn, out string error), error);
        Assert.Equal(expected, asn);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData(null, "enter an AS number such as AS64500")]
    [InlineData("", "enter an AS number such as AS64500")]
    [InlineData("AS0", "AS0 is reserved and cannot be owned")]
    [InlineData("0", "AS0 is reserved and cannot be owned")]
    [InlineData("AS4294967296", "'AS4294967296' is out of range: AS numbers go from 1 to 4294967295")]
    [InlineData("99999999999999999999999", "'99999999999999999999999' is out of range: AS numbers go from 1 to 4294967295")]
    [InlineData("AS", "'AS' is not an AS number: write it as AS64500 or 64500")]
    [InlineData("AS-1", "'AS-1' is not an AS number: write it as AS64500 or 64500")]
    [InlineData("+64500", "'+64500' is not an AS number: write it as AS64500 or 64500")]
    [InlineData("AS 64500", "'AS 64500' is not an AS number: write it as AS64500 or 64500")]
    [InlineData("AS1.10", "'AS1.10' is not an AS number: write it as AS64500 or 64500")]
    [InlineData("ASN64500", "'ASN64500' is not an AS number: write it as AS64500 or 64500")]
    public void Invalid_as_numbers_are_rejected_with_a_precise_message(string? text, string expected)
    {
        Assert.False(NetworkParsing.TryParseAsn(text, out uint asn, out string error));
        Assert.Equal(expected, error);
        Assert.Equal(0u, asn);
    }

    [Fact]
    public void Canonical_form_is_upper_case_AS_and_the_number() =>
        Assert.Equal("AS64500", NetworkParsing.FormatAsn(64500));
}
