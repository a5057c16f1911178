using Musubi.Core.Incidents;

namespace Musubi.Core.Tests.Incidents;

public sealed class IncidentTaxonomyTests
{
    [Fact]
    public void Codes_are_unique_and_every_class_belongs_to_a_listed_category()
    {
        Assert.Equal(IncidentTaxonomy.All.Count, IncidentTaxonomy.All.Select(c => c.Code).Distinct().Count());
        var categories = IncidentTaxonomy.Categories.Select(c => c.Category).ToHashSet();
        Assert.All(IncidentTaxonomy.All, c => Assert.Contains(c.Category, categories));
        Assert.All(IncidentTaxonomy.Categories, c => Assert.Contains(IncidentTaxonomy.All, k => k.Category == c.Category));
        Assert.All(IncidentTaxonomy.All, c => Assert.False(string.IsNullOrWhiteSpace(c.NameJa)));
    }

    [Theory]
    [InlineData("intrusions/system-compromise", "intrusions", "system-compromise")]
    [InlineData("  Malicious-Code/Infected-System ", "malicious-code", "infected-system")]
    [InlineData("availability/ddos", "availability", "ddos")]
    public void Classes_are_found_by_code_ignoring_case_and_spaces(string code, string category, string type)
    {
        var found = IncidentTaxonomy.Find(code);
        Assert.NotNull(found);
        Assert.Equal((category, type), (found.Category, found.Type));
    }

    [Theory]
    [InlineData("intrusions")]
    [InlineData("intrusions/")]
    [InlineData("ransomware/encryption")]
    [InlineData("")]
    public void An_unknown_class_is_refused_on_the_named_field(string code)
    {
        Assert.Null(IncidentTaxonomy.Find(code));
        var error = Assert.Throws<ValidationFailedException>(() => IncidentTaxonomy.Require(code, "classification"));
        Assert.Contains("classification", error.Errors.Keys);
        Assert.Contains("intrusions/system-compromise", error.Errors["classification"][0]);
    }
}
