using Musubi.Detection.Events;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>A compiled boolean expression over one event.</summary>
internal abstract class Node
{
    public abstract bool Evaluate(EventFrame frame);

    /// <summary>
    /// A set of (field, lower-case literal) of which at least one must occur as a substring of that field's
    /// lower-cased value for this node to be true; null when no such set is known. Used by the prefilter.
    /// </summary>
    public virtual List<Anchor>? Anchors() => null;
}

/// <summary>A literal that must occur (lower-cased) in a field for a rule to be able to match.</summary>
internal readonly record struct Anchor(int Field, string Literal);

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

    /// <summary>Any one operand's anchors will do: take the most selective (longest shortest literal, then fewest).</summary>
    public override List<Anchor>? Anchors()
    {
        List<Anchor>? best = null;
        foreach (var operand in Operands)
        {
            var candidate = operand.Anchors();
            if (candidate is not null && (best is null || Score(candidate) > Score(best)))
            {
                best = candidate;
            }
        }

        return best;
    }

    private static double Score(List<Anchor> anchors) =>
        Math.Min(anchors.Min(a => a.Literal.Length), 8) - (anchors.Count / 1000.0);
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

    public override List<Anchor>? Anchors()
    {
        var all = new List<Anchor>();
        foreach (var operand in Operands)
        {
            var anchors = operand.Anchors();
            if (anchors is null)
            {
                return null;
            }

            all.AddRange(anchors);
        }

        return all;
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

    public override List<Anchor>? Anchors() =>
        Matcher.Literals() is { } literals ? literals.Select(l => new Anchor(Field, l)).ToList() : null;
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
    public override bool Evaluate(EventFrame frame)
    {
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
