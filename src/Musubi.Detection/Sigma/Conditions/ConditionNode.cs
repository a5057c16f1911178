namespace Musubi.Detection.Sigma.Conditions;

/// <summary>The parsed condition of a detection; identifiers and patterns are already resolved.</summary>
public abstract record ConditionNode;

public sealed record IdentifierCondition(string Name) : ConditionNode
{
    public override string ToString() => Name;
}

public sealed record AndCondition(IReadOnlyList<ConditionNode> Operands) : ConditionNode
{
    public override string ToString() => "(" + string.Join(" and ", Operands) + ")";
}

public sealed record OrCondition(IReadOnlyList<ConditionNode> Operands) : ConditionNode
{
    public override string ToString() => "(" + string.Join(" or ", Operands) + ")";
}

public sealed record NotCondition(ConditionNode Operand) : ConditionNode
{
    public override string ToString() => "not " + Operand;
}

/// <summary><c>1 of X</c> / <c>all of X</c>: <see cref="Names"/> are the search identifiers the pattern selected.</summary>
public sealed record QuantifierCondition(bool All, string Pattern, IReadOnlyList<string> Names) : ConditionNode
{
    public override string ToString() => (All ? "all of " : "1 of ") + Pattern;
}
