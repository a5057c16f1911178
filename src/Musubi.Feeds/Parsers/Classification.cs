using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>A fixed (taxonomy, type, identifier) triple of the IntelMQ classification, interned once.</summary>
public sealed class Classification(string taxonomy, string type, string identifier)
{
    private readonly int _taxonomy = FeedSymbols.Intern(taxonomy);
    private readonly int _type = FeedSymbols.Intern(type);
    private readonly int _identifier = FeedSymbols.Intern(identifier);

    public string Taxonomy => taxonomy;

    public string Type => type;

    public string Identifier => identifier;

    public void ApplyTo(FeedParseContext context)
    {
        context.SetSymbol(FeedField.Taxonomy, _taxonomy);
        context.SetSymbol(FeedField.Type, _type);
        context.SetSymbol(FeedField.Identifier, _identifier);
    }
}
