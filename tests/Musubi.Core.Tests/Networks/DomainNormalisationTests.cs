using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

public sealed class DomainNormalisationTests
{
    [Theory]
    [InlineData("example.jp", "example.jp")]
    [InlineData("Example.JP", "example.jp")]
    [InlineData("example.jp.", "example.jp")]
    [InlineData("  www.example.co.jp ", "www.example.co.jp")]
    [InlineData("例え.jp", "xn--r8jz45g.jp")]
    [InlineData("ドメイン名例.JP", "xn--eckwd4c7cu47r2wf.jp")]
    [InlineData("xn--r8jz45g.jp", "xn--r8jz45g.jp")]
    [InlineData("a-b.example.jp", "a-b.example.jp")]
    [InlineData("3com.com", "3com.com")]
    public void Valid_domains_are_normalised(string text, string expected)
    {
        Assert.True(NetworkParsing.TryNormaliseDomain(text, out string domain, out string error), error);
        Assert.Equal(expected, domain);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData(null, "enter a domain name such as example.jp")]
    [InlineData(" ", "enter a domain name such as example.jp")]
    [InlineData("*.example.jp", "wildcards are not allowed: enter example.jp to cover all of its subdomains")]
    [InlineData("*", "wildcards are not allowed: enter the domain itself to cover all of its subdomains")]
    [InlineData("www.*.example.jp", "'*' is not allowed in a domain name: use letters, digits and hyphens")]
    [InlineData("exa mple.jp", "' ' is not allowed in a domain name: use letters, digits and hyphens")]
    [InlineData("localhost", "'localhost' is a single label: enter a full domain name such as example.jp")]
    [InlineData("example..jp", "the domain has an empty label (two dots in a row, or a leading dot)")]
    [InlineData(".example.jp", "the domain has an empty label (two dots in a row, or a leading dot)")]
    [InlineData("example.jp..", "the domain has an empty label (two dots in a row, or a leading dot)")]
    [InlineData("-bad.example.jp", "the label '-bad' must not start or end with a hyphen")]
    [InlineData("bad-.example.jp", "the label 'bad-' must not start or end with a hyphen")]
    [InlineData("under_score.example.jp", "'_' is not allowed in a domain name: use letters, digits and hyphens")]
    [InlineData("https://example.jp", "':' is not allowed in a domain name: use letters, digits and hyphens")]
    [InlineData("192.0.2.1", "'192.0.2.1' looks like an IP address: add it as a network instead")]
    public void Invalid_domains_are_rejected_with_a_precise_message(string? text, string expected)
    {
        Assert.False(NetworkParsing.TryNormaliseDomain(text, out string domain, out string error));
        Assert.Equal(expected, error);
        Assert.Equal(string.Empty, domain);
    }

    [Fact]
    public void A_label_longer_than_63_characters_is_rejected()
    {
        string label = new('a', 64);
        Assert.False(NetworkParsing.TryNormaliseDomain($"{label}.jp", out _, out string error));
        Assert.Equal($"the label '{label}' is 64 characters long: the limit is 63", error);
        Assert.True(NetworkParsing.TryNormaliseDomain($"{label[1..]}.jp", out _, out _));
    }

    [Fact]
    public void A_domain_longer_than_253_characters_is_rejected()
    {
        string label = new('a', 63);
        string fits = $"{label}.{label}.{label}.{new string('b', 61)}";
        Assert.Equal(253, fits.Length);
        Assert.True(NetworkParsing.TryNormaliseDomain(fits, out _, out _));

        Assert.False(NetworkParsing.TryNormaliseDomain("c" + fits, out _, out string error));
        Assert.Equal("the domain is 254 characters long: the limit is 253", error);
    }
}
