using System.Globalization;
using System.Text;
using Musubi.Stix.Model;

namespace Musubi.Stix.Patterning;

/// <summary>
/// A parsed STIX pattern (spec chapter 9). <see cref="ToString"/> prints a canonical form that parses back to the same
/// tree: binary children are always parenthesised, constants are written as they were read.
/// </summary>
public sealed record StixPattern(PatternExpression Root, string Text)
{
    public static StixPattern Parse(string text, PatternLimits? limits = null) => PatternParser.Parse(text, limits ?? PatternLimits.Default);

    public static bool TryParse(string text, out StixPattern? pattern, out PatternSyntaxException? error)
    {
        try
        {
            pattern = Parse(text);
            error = null;
            return true;
        }
        catch (PatternSyntaxException e)
        {
            pattern = null;
            error = e;
            return false;
        }
    }

    public override string ToString() => Root.ToString();
}

/// <summary>Bounds on what the parser accepts: pattern length and nesting depth.</summary>
public sealed record PatternLimits(int MaxLength = 64 * 1024, int MaxDepth = 100)
{
    public static readonly PatternLimits Default = new();
}

/// <summary>A pattern expression: observation expressions, joined by observation operators, with qualifiers.</summary>
public abstract record PatternExpression
{
    internal abstract void Print(StringBuilder sb);

    public sealed override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb);
        return sb.ToString();
    }
}

/// <summary><c>[ comparison ]</c>: matched against one observation.</summary>
public sealed record ObservationExpression(ComparisonExpression Comparison) : PatternExpression
{
    internal override void Print(StringBuilder sb)
    {
        sb.Append('[');
        Comparison.Print(sb);
        sb.Append(']');
    }
}

public enum ObservationOperator
{
    And,
    Or,
    FollowedBy,
}

public sealed record ObservationBinary(ObservationOperator Operator, PatternExpression Left, PatternExpression Right) : PatternExpression
{
    internal override void Print(StringBuilder sb)
    {
        PrintChild(sb, Left);
        sb.Append(Operator switch { ObservationOperator.And => " AND ", ObservationOperator.Or => " OR ", _ => " FOLLOWEDBY " });
        PrintChild(sb, Right);
    }

    internal static void PrintChild(StringBuilder sb, PatternExpression child)
    {
        if (child is ObservationBinary)
        {
            sb.Append('(');
            child.Print(sb);
            sb.Append(')');
        }
        else
        {
            child.Print(sb);
        }
    }
}

/// <summary>An observation expression with a qualifier after it.</summary>
public sealed record QualifiedExpression(PatternExpression Inner, Qualifier Qualifier) : PatternExpression
{
    internal override void Print(StringBuilder sb)
    {
        // A second qualifier of the same kind needs its own parentheses: one expression takes one of each kind.
        if (Inner is QualifiedExpression chain && chain.HasQualifier(Qualifier.GetType()))
        {
            sb.Append('(');
            Inner.Print(sb);
            sb.Append(')');
        }
        else
        {
            ObservationBinary.PrintChild(sb, Inner);
        }

        sb.Append(' ').Append(Qualifier);
    }

    private bool HasQualifier(Type kind) =>
        Qualifier.GetType() == kind || (Inner is QualifiedExpression inner && inner.HasQualifier(kind));
}

public abstract record Qualifier;

/// <summary><c>WITHIN x SECONDS</c>; the number is kept as written (integer or float).</summary>
public sealed record WithinQualifier(decimal Seconds, string Text) : Qualifier
{
    public override string ToString() => $"WITHIN {Text} SECONDS";
}

public sealed record RepeatsQualifier(int Times) : Qualifier
{
    public override string ToString() => $"REPEATS {Times.ToString(CultureInfo.InvariantCulture)} TIMES";
}

public sealed record StartStopQualifier(StixTimestamp Start, StixTimestamp Stop) : Qualifier
{
    public override string ToString() => $"START t'{Start.Text}' STOP t'{Stop.Text}'";
}

/// <summary>Comparison expressions inside <c>[ ]</c>, joined by AND/OR.</summary>
public abstract record ComparisonExpression
{
    internal abstract void Print(StringBuilder sb);

    public sealed override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb);
        return sb.ToString();
    }
}

public enum BooleanOperator
{
    And,
    Or,
}

public sealed record ComparisonBinary(BooleanOperator Operator, ComparisonExpression Left, ComparisonExpression Right) : ComparisonExpression
{
    internal override void Print(StringBuilder sb)
    {
        PrintChild(sb, Left);
        sb.Append(Operator == BooleanOperator.And ? " AND " : " OR ");
        PrintChild(sb, Right);
    }

    private static void PrintChild(StringBuilder sb, ComparisonExpression child)
    {
        if (child is ComparisonBinary)
        {
            sb.Append('(');
            child.Print(sb);
            sb.Append(')');
        }
        else
        {
            child.Print(sb);
        }
    }
}

public enum ComparisonOperator
{
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
    In,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
    Exists,
}

/// <summary><c>path [NOT] op constant</c>, or <c>EXISTS path</c> (no constant).</summary>
public sealed record Comparison(ObjectPath Path, ComparisonOperator Operator, bool Negated, PatternConstant? Value) : ComparisonExpression
{
    internal override void Print(StringBuilder sb)
    {
        if (Operator == ComparisonOperator.Exists)
        {
            sb.Append("EXISTS ").Append(Path);
            return;
        }

        sb.Append(Path).Append(' ');
        if (Negated)
        {
            sb.Append("NOT ");
        }

        sb.Append(Operator switch
        {
            ComparisonOperator.Equal => "=",
            ComparisonOperator.NotEqual => "!=",
            ComparisonOperator.Greater => ">",
            ComparisonOperator.Less => "<",
            ComparisonOperator.GreaterOrEqual => ">=",
            ComparisonOperator.LessOrEqual => "<=",
            ComparisonOperator.In => "IN",
            ComparisonOperator.Like => "LIKE",
            ComparisonOperator.Matches => "MATCHES",
            ComparisonOperator.IsSubset => "ISSUBSET",
            _ => "ISSUPERSET",
        });
        sb.Append(' ').Append(Value);
    }
}

/// <summary><c>object-type:property.child[0].'quoted-key'</c>.</summary>
public sealed record ObjectPath(string ObjectType, IReadOnlyList<PathStep> Steps)
{
    /// <summary>The path without list indexes, e.g. <c>file:hashes.'SHA-256'</c>: used as the search key of a value.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(ObjectType).Append(':');
        for (var i = 0; i < Steps.Count; i++)
        {
            switch (Steps[i])
            {
                case PropertyStep p:
                    if (i > 0)
                    {
                        sb.Append('.');
                    }

                    sb.Append(NeedsQuotes(p.Name) ? PatternConstant.Quote(p.Name) : p.Name);
                    break;
                case IndexStep x:
                    sb.Append('[').Append(x.Index is { } n ? n.ToString(CultureInfo.InvariantCulture) : "*").Append(']');
                    break;
            }
        }

        return sb.ToString();
    }

    public bool Equals(ObjectPath? other) => other is not null && ToString() == other.ToString();

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    internal static bool NeedsQuotes(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return true;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return true;
            }
        }

        return false;
    }
}

public abstract record PathStep;

public sealed record PropertyStep(string Name) : PathStep;

/// <summary>A list index; null is <c>[*]</c>.</summary>
public sealed record IndexStep(int? Index) : PathStep;
