using Musubi.Detection.Sigma.Conditions;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>Compiles a detection (searches + condition) into a node tree for one field mapping.</summary>
internal static class RuleCompiler
{
    public static Node Compile(SigmaDetection detection, CompileContext context)
    {
        var searches = new Dictionary<string, Node>(StringComparer.Ordinal);
        return CompileCondition(detection.Condition, detection, searches, context);
    }

    private static Node CompileCondition(ConditionNode condition, SigmaDetection detection, Dictionary<string, Node> searches, CompileContext context)
    {
        switch (condition)
        {
            case IdentifierCondition id:
                return Search(id.Name);
            case AndCondition both:
                return Flatten<AndNode>(both.Operands.Select(o => CompileCondition(o, detection, searches, context)), ops => new AndNode(ops));
            case OrCondition either:
                return Flatten<OrNode>(either.Operands.Select(o => CompileCondition(o, detection, searches, context)), ops => new OrNode(ops));
            case NotCondition negated:
                return new NotNode(CompileCondition(negated.Operand, detection, searches, context));
            case QuantifierCondition q:
                {
                    var operands = q.Names.Select(Search).ToArray();
                    return operands.Length == 1 ? operands[0] : q.All ? new AndNode(operands) : new OrNode(operands);
                }

            default:
                throw new SigmaRuleException($"unsupported condition node {condition.GetType().Name}");
        }

        Node Search(string name)
        {
            if (!searches.TryGetValue(name, out var node))
            {
                node = CompileSearch(detection.Searches[name], context);
                searches[name] = node;
            }

            return node;
        }
    }

    private static Node CompileSearch(SigmaSearch search, CompileContext context)
    {
        var alternatives = search.Alternatives
            .Select(alt => alt.Count == 1
                ? PredicateCompiler.Compile(alt[0], context)
                : Flatten<AndNode>(alt.Select(p => PredicateCompiler.Compile(p, context)), ops => new AndNode(ops)))
            .ToList();
        return alternatives.Count == 1 ? alternatives[0] : Flatten<OrNode>(alternatives, ops => new OrNode(ops));
    }

    /// <summary>Nested ANDs (or ORs) become one node, so evaluation and the prefilter see one level.</summary>
    private static Node Flatten<T>(IEnumerable<Node> nodes, Func<Node[], T> create)
        where T : Node
    {
        var list = new List<Node>();
        foreach (var node in nodes)
        {
            switch (node)
            {
                case AndNode andNode when typeof(T) == typeof(AndNode):
                    list.AddRange(andNode.Operands);
                    break;
                case OrNode orNode when typeof(T) == typeof(OrNode):
                    list.AddRange(orNode.Operands);
                    break;
                default:
                    list.Add(node);
                    break;
            }
        }

        return list.Count == 1 ? list[0] : create(list.ToArray());
    }
}
