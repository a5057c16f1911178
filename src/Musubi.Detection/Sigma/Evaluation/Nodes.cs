using Musubi.Detection.Events;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>A compiled boolean expression over one event.</summary>
internal abstract class Node
{
    public abstract bool Evaluate(EventFrame frame);

    /// <summary>
    /// Necessary conditions for this node to be true, in conjunctive form: each clause is a set of (field,
    /// lower-case literal) of which at least one must occur as a substring of that field's lower-cased value. Null
    /// when none is known. Used by the prefilter.
    /// </summary>
    public virtual List<List<Anchor>>? Anchors() => null;

    /// <summary>How selective a clause is: longer literals are rarer; many alternatives are less selective.</summary>
    public static double Score(List<Anchor> clause) =>
        Math.Min(clause.Min(a => a.Literal.Length), 10) - (clause.Count / 100.0);
}

/// <summary>A literal that must occur (lower-cased) in a field for a rule to be able to match.</summary>
/// <remarks><see cref="Field"/> is <see cref="AnyField"/> for keyword searches: any value of the event.</remarks>
internal readonly record struct Anchor(int Field, string Literal)
{
    public const int AnyField = -1;
}

internal sealed class ConstantNode(bool value) : Node
{
    public override bool Evaluate(EventFrame frame) => value;
}

internal sealed class AndNode(Node[] operands) : Node
{
    public Node[] Operands { get; } = operands;

    public override bool Evaluate(EventFrame frame)
    {
        foreach (var operand in Operands)
        {
            if (!operand.Evaluate(frame))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every operand's clauses must hold: their union.</summary>
    public override List<List<Anchor>>? Anchors()
    {
        List<List<Anchor>>? clauses = null;
        foreach (var operand in Operands)
        {
            if (operand.Anchors() is { } more)
            {
                (clauses ??= []).AddRange(more);
            }
        }

        return clauses;
    }
}

internal sealed class OrNode(Node[] operands) : Node
{
    public Node[] Operands { get; } = operands;

    public override bool Evaluate(EventFrame frame)
    {
        foreach (var operand in Operands)
        {
            if (operand.Evaluate(frame))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One operand must hold: one clause made of each operand's most selective clause.</summary>
    public override List<List<Anchor>>? Anchors()
    {
        var clause = new List<Anchor>();
        foreach (var operand in Operands)
        {
            var clauses = operand.Anchors();
            if (clauses is null || clauses.Count == 0)
            {
                return null;
            }

            clause.AddRange(clauses.MaxBy(Score)!);
        }

        return [clause];
    }
}

internal sealed class NotNode(Node operand) : Node
{
    public Node Operand { get; } = operand;

    public override bool Evaluate(EventFrame frame) => !Operand.Evaluate(frame);
}

/// <summary>True when any value of the field satisfies the matcher (a field may hold several, from a JSON array).</summary>
internal sealed class FieldNode(int field, ValueMatcher matcher) : Node
{
    public int Field { get; } = field;

    public ValueMatcher Matcher { get; } = matcher;

    public override bool Evaluate(EventFrame frame)
    {
        for (var entry = frame.First(Field); entry >= 0; entry = frame.Next(entry))
        {
            if (Matcher.Matches(frame, entry))
            {
                return true;
            }
        }

        return false;
    }

    public override List<List<Anchor>>? Anchors() =>
        Matcher.Literals() is { } literals ? [literals.Select(l => new Anchor(Field, l)).ToList()] : null;
}

/// <summary><c>neq</c>: the field is present and no value of it satisfies the matcher.</summary>
internal sealed class NotEqualNode(int field, ValueMatcher matcher) : Node
{
    public override bool Evaluate(EventFrame frame)
    {
        var entry = frame.First(field);
        if (entry < 0)
        {
            return false;
        }

        for (; entry >= 0; entry = frame.Next(entry))
        {
            if (matcher.Matches(frame, entry))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>Field: null</c>: the field is absent or null.</summary>
internal sealed class NullNode(int field) : Node
{
    public override bool Evaluate(EventFrame frame)
    {
        var entry = frame.First(field);
        if (entry < 0)
        {
            return true;
        }

        for (; entry >= 0; entry = frame.Next(entry))
        {
            if (frame.Kind(entry) == EventValueKind.Null)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>Field|exists: true/false</c>: presence only, whatever the value (even empty or null).</summary>
internal sealed class ExistsNode(int field, bool expected) : Node
{
    public override bool Evaluate(EventFrame frame) => (frame.First(field) >= 0) == expected;
}

/// <summary>A keyword search: any value of any field satisfies the matcher.</summary>
internal sealed class KeywordNode(ValueMatcher matcher) : Node
{
    public override List<List<Anchor>>? Anchors() =>
        matcher.Literals() is { } literals ? [literals.Select(l => new Anchor(Anchor.AnyField, l)).ToList()] : null;

    public override bool Evaluate(EventFrame frame)
    {
        if (matcher is StringMatcher strings && strings.MatchesAnyValue(frame) is { } found)
        {
            return found;
        }

        for (var entry = 0; entry < frame.Count; entry++)
        {
            if (frame.Kind(entry) != EventValueKind.Null && matcher.Matches(frame, entry))
            {
                return true;
            }
        }

        return false;
    }
}
