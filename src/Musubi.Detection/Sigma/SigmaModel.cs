namespace Musubi.Detection.Sigma;

/// <summary>Criticality of a rule match (<c>level</c>); <see cref="None"/> when the rule gives none.</summary>
public enum SigmaLevel
{
    None,
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>The <c>logsource</c> of a rule or filter. Values are compared case-insensitively.</summary>
public sealed record SigmaLogSource(string? Category, string? Product, string? Service)
{
    public static SigmaLogSource Empty { get; } = new(null, null, null);

    public override string ToString() =>
        string.Join('/', new[] { Product, Category, Service }.Where(s => s is not null));
}

/// <summary>The YAML type of a value in a detection: strings keep their escapes and wildcards unparsed.</summary>
public enum SigmaValueKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>One value of a field predicate or keyword list, as written in the rule.</summary>
public readonly record struct SigmaValue(SigmaValueKind Kind, string Text)
{
    public static SigmaValue Null { get; } = new(SigmaValueKind.Null, "");

    public override string ToString() => Kind == SigmaValueKind.Null ? "null" : Text;
}

/// <summary>
/// <c>Field|mod1|mod2: values</c>, or a keyword search when <see cref="Field"/> is null (a list of plain strings, or a
/// key such as <c>'|all'</c>). Values are OR-linked unless <see cref="SigmaModifier.All"/> is present.
/// </summary>
public sealed record SigmaFieldPredicate(string? Field, IReadOnlyList<SigmaModifier> Modifiers, IReadOnlyList<SigmaValue> Values)
{
    public bool Has(SigmaModifier modifier) => Modifiers.Contains(modifier);

    public string Key => Field + string.Concat(Modifiers.Select(m => "|" + SigmaModifiers.Name(m)));
}

/// <summary>
/// A search identifier: a disjunction of conjunctions. A map is one conjunction; a list of maps is one conjunction per
/// map; a list of plain values is a single keyword predicate.
/// </summary>
public sealed record SigmaSearch(string Name, IReadOnlyList<IReadOnlyList<SigmaFieldPredicate>> Alternatives);

/// <summary>The <c>detection</c> section: named searches and the parsed condition(s), OR-linked when several.</summary>
public sealed record SigmaDetection(
    IReadOnlyDictionary<string, SigmaSearch> Searches,
    IReadOnlyList<string> ConditionText,
    Conditions.ConditionNode Condition);

/// <summary>What every kind of Sigma document shares.</summary>
public abstract class SigmaDocument
{
    public required string Title { get; init; }

    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Status { get; init; }

    public string? Description { get; init; }

    public SigmaLevel Level { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyList<string> FalsePositives { get; init; } = [];

    public string? Author { get; init; }

    /// <summary>As written (YAML dates are kept as strings).</summary>
    public string? Date { get; init; }

    public string? Modified { get; init; }

    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>File the document came from (or the name given to the loader) and its 0-based position in it.</summary>
    public required string Source { get; init; }

    public int DocumentIndex { get; init; }

    /// <summary>The id, else the name, else the title: what a match reports as <c>rule_id</c>.</summary>
    public string Key => Id ?? Name ?? Title;

    public override string ToString() => $"{Title} ({Key})";
}

/// <summary>A detection rule.</summary>
public sealed class SigmaRule : SigmaDocument
{
    public required SigmaLogSource LogSource { get; init; }

    public required SigmaDetection Detection { get; init; }

    public IReadOnlyList<string> Fields { get; init; } = [];

    public string? Taxonomy { get; init; }
}

/// <summary>A Sigma filter (meta-filter): <c>rule and not filter</c> for each referenced rule.</summary>
public sealed class SigmaFilter : SigmaDocument
{
    public required SigmaLogSource LogSource { get; init; }

    /// <summary>Ids or names of the rules the filter applies to.</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    public required SigmaDetection Detection { get; init; }
}
