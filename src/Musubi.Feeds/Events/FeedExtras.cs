namespace Musubi.Feeds.Events;

/// <summary>
/// The "extra.*" and other fields of an event that have no slot of their own, as interned names and plain values,
/// in the order the feed gave them. Built only when <see cref="Parsing.FeedParseOptions.Extras"/> is on.
/// </summary>
public sealed class FeedExtras
{
    private readonly List<(int Name, string Value)> _fields = [];

    public int Count => _fields.Count;

    public void Add(int name, string value) => _fields.Add((name, value));

    public IEnumerable<(string Name, string Value)> Fields
    {
        get
        {
            foreach ((int name, string value) in _fields)
            {
                yield return (FeedSymbols.Get(name), value);
            }
        }
    }

    public string? this[string name]
    {
        get
        {
            foreach ((int n, string value) in _fields)
            {
                if (FeedSymbols.Get(n) == name)
                {
                    return value;
                }
            }

            return null;
        }
    }
}
