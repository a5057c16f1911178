namespace Musubi.Detection.Sigma;

/// <summary>The value modifiers of the Sigma 2.1 modifiers appendix; <c>re</c>'s flags are their own members.</summary>
public enum SigmaModifier
{
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    ReIgnoreCase,
    ReMultiline,
    ReSingleline,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Wide,
    Lt,
    Lte,
    Gt,
    Gte,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Cidr,
    Expand,
    FieldRef,
}

public static class SigmaModifiers
{
    private static readonly Dictionary<string, SigmaModifier> ByName = new(StringComparer.Ordinal)
    {
        ["contains"] = SigmaModifier.Contains,
        ["startswith"] = SigmaModifier.StartsWith,
        ["endswith"] = SigmaModifier.EndsWith,
        ["all"] = SigmaModifier.All,
        ["exists"] = SigmaModifier.Exists,
        ["cased"] = SigmaModifier.Cased,
        ["neq"] = SigmaModifier.Neq,
        ["windash"] = SigmaModifier.Windash,
        ["re"] = SigmaModifier.Re,
        ["base64"] = SigmaModifier.Base64,
        ["base64offset"] = SigmaModifier.Base64Offset,
        ["utf16le"] = SigmaModifier.Utf16Le,
        ["utf16be"] = SigmaModifier.Utf16Be,
        ["utf16"] = SigmaModifier.Utf16,
        ["wide"] = SigmaModifier.Wide,
        ["lt"] = SigmaModifier.Lt,
        ["lte"] = SigmaModifier.Lte,
        ["gt"] = SigmaModifier.Gt,
        ["gte"] = SigmaModifier.Gte,
        ["minute"] = SigmaModifier.Minute,
        ["hour"] = SigmaModifier.Hour,
        ["day"] = SigmaModifier.Day,
        ["week"] = SigmaModifier.Week,
        ["month"] = SigmaModifier.Month,
        ["year"] = SigmaModifier.Year,
        ["cidr"] = SigmaModifier.Cidr,
        ["expand"] = SigmaModifier.Expand,
        ["fieldref"] = SigmaModifier.FieldRef,
    };

    /// <summary>The sub-modifiers that may follow <c>re</c> (and only <c>re</c>).</summary>
    private static readonly Dictionary<string, SigmaModifier> RegexFlags = new(StringComparer.Ordinal)
    {
        ["i"] = SigmaModifier.ReIgnoreCase,
        ["m"] = SigmaModifier.ReMultiline,
        ["s"] = SigmaModifier.ReSingleline,
    };

    public static string Name(SigmaModifier modifier) => modifier switch
    {
        SigmaModifier.ReIgnoreCase => "i",
        SigmaModifier.ReMultiline => "m",
        SigmaModifier.ReSingleline => "s",
        _ => ByName.First(p => p.Value == modifier).Key,
    };

    /// <summary>
    /// Splits <c>Field|mod1|mod2</c>. Throws <see cref="SigmaRuleException"/> naming the key for an unknown modifier,
    /// a regex flag outside <c>re</c>, or a repeated modifier.
    /// </summary>
    public static (string? Field, IReadOnlyList<SigmaModifier> Modifiers) ParseKey(string key)
    {
        var parts = key.Split('|');
        var field = parts[0].Length == 0 ? null : parts[0];
        var modifiers = new List<SigmaModifier>(parts.Length - 1);
        for (var i = 1; i < parts.Length; i++)
        {
            var name = parts[i];
            if (name.Length == 0)
            {
                throw new SigmaRuleException($"empty modifier in '{key}'");
            }

            SigmaModifier modifier;
            if (RegexFlags.TryGetValue(name, out var flag))
            {
                if (!modifiers.Contains(SigmaModifier.Re))
                {
                    throw new SigmaRuleException($"modifier '{name}' in '{key}' is a flag of 're' and must follow it");
                }

                modifier = flag;
            }
            else if (!ByName.TryGetValue(name, out modifier))
            {
                throw new SigmaRuleException($"unknown modifier '{name}' in '{key}'");
            }

            if (modifiers.Contains(modifier))
            {
                throw new SigmaRuleException($"modifier '{name}' repeated in '{key}'");
            }

            modifiers.Add(modifier);
        }

        return (field, modifiers);
    }
}
