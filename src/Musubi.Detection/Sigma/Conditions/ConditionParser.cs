namespace Musubi.Detection.Sigma.Conditions;

/// <summary>
/// Parses a Sigma condition. Precedence, loosest first: <c>or</c>, <c>and</c>, <c>not</c>, <c>x of</c>, parentheses.
/// Errors say what was expected and the 1-based column.
/// </summary>
public static class ConditionParser
{
    public static ConditionNode Parse(string text, IReadOnlyCollection<string> identifiers)
    {
        var parser = new Parser(text, identifiers);
        return parser.ParseAll();
    }

    private enum TokenKind
    {
        Word,
        LeftParen,
        RightParen,
        Pipe,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);

    private sealed class Parser
    {
        private readonly string text;
        private readonly IReadOnlyCollection<string> identifiers;
        private readonly List<Token> tokens;
        private int index;

        public Parser(string text, IReadOnlyCollection<string> identifiers)
        {
            this.text = text;
            this.identifiers = identifiers;
            tokens = Tokenize(text);
        }

        public ConditionNode ParseAll()
        {
            if (Peek.Kind == TokenKind.End)
            {
                throw Error("empty condition", Peek);
            }

            var node = ParseOr();
            if (Peek.Kind != TokenKind.End)
            {
                throw Peek.Kind == TokenKind.Pipe
                    ? Error("aggregation expressions ('| count() ...') are not part of Sigma 2.x: use a correlation rule", Peek)
                    : Error($"expected 'and', 'or' or the end of the condition, found '{Peek.Text}'", Peek);
            }

            return node;
        }

        private Token Peek => tokens[index];

        private Token Next() => tokens[index++];

        private ConditionNode ParseOr()
        {
            var operands = new List<ConditionNode> { ParseAnd() };
            while (IsKeyword(Peek, "or"))
            {
                Next();
                operands.Add(ParseAnd());
            }

            return operands.Count == 1 ? operands[0] : new OrCondition(operands);
        }

        private ConditionNode ParseAnd()
        {
            var operands = new List<ConditionNode> { ParseNot() };
            while (IsKeyword(Peek, "and"))
            {
                Next();
                operands.Add(ParseNot());
            }

            return operands.Count == 1 ? operands[0] : new AndCondition(operands);
        }

        private ConditionNode ParseNot()
        {
            if (IsKeyword(Peek, "not"))
            {
                Next();
                return new NotCondition(ParseNot());
            }

            return ParsePrimary();
        }

        private ConditionNode ParsePrimary()
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.LeftParen:
                    {
                        if (Peek.Kind == TokenKind.RightParen)
                        {
                            throw Error("empty parentheses", Peek);
                        }

                        var inner = ParseOr();
                        var close = Next();
                        if (close.Kind != TokenKind.RightParen)
                        {
                            throw Error($"expected ')' to close the '(' at column {token.Position + 1}, found {Describe(close)}", close);
                        }

                        return inner;
                    }

                case TokenKind.Word:
                    if (IsKeyword(token, "and") || IsKeyword(token, "or") || IsKeyword(token, "of") || IsKeyword(token, "them"))
                    {
                        throw Error($"expected a search identifier, '1 of', 'all of', 'not' or '(', found '{token.Text}'", token);
                    }

                    if (IsQuantifier(token) && IsKeyword(Peek, "of"))
                    {
                        return ParseQuantifier(token);
                    }

                    if (IsKeyword(Peek, "of"))
                    {
                        throw Error($"only '1 of' and 'all of' are defined, found '{token.Text} of'", token);
                    }

                    if (token.Text.Contains('*', StringComparison.Ordinal))
                    {
                        throw Error($"wildcard identifier '{token.Text}' needs '1 of' or 'all of' before it", token);
                    }

                    if (!identifiers.Contains(token.Text))
                    {
                        throw Error($"unknown search identifier '{token.Text}'", token);
                    }

                    return new IdentifierCondition(token.Text);

                case TokenKind.Pipe:
                    throw Error("aggregation expressions ('| count() ...') are not part of Sigma 2.x: use a correlation rule", token);

                default:
                    throw Error($"expected a search identifier, '1 of', 'all of', 'not' or '(', found {Describe(token)}", token);
            }
        }

        private ConditionNode ParseQuantifier(Token quantifier)
        {
            Next(); // of
            var target = Next();
            if (target.Kind != TokenKind.Word || IsKeyword(target, "and") || IsKeyword(target, "or") || IsKeyword(target, "not"))
            {
                throw Error($"expected 'them' or a search identifier pattern after '{quantifier.Text} of', found {Describe(target)}", target);
            }

            var all = IsKeyword(quantifier, "all");
            List<string> names;
            if (IsKeyword(target, "them"))
            {
                names = identifiers.Where(n => !n.StartsWith('_')).ToList();
                if (names.Count == 0)
                {
                    throw Error("'them' selects no search identifier (all start with '_')", target);
                }
            }
            else
            {
                names = identifiers.Where(n => WildcardMatches(target.Text, n)).ToList();
                if (names.Count == 0)
                {
                    throw Error($"pattern '{target.Text}' matches no search identifier", target);
                }
            }

            return new QuantifierCondition(all, target.Text, names);
        }

        private static bool IsQuantifier(Token token) => token.Text == "1" || IsKeyword(token, "all");

        private static bool IsKeyword(Token token, string keyword) =>
            token.Kind == TokenKind.Word && string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

        private static string Describe(Token token) => token.Kind switch
        {
            TokenKind.End => "the end of the condition",
            _ => $"'{token.Text}'",
        };

        private SigmaRuleException Error(string message, Token at) =>
            new($"condition '{text}': {message} (column {at.Position + 1})");

        private List<Token> Tokenize(string source)
        {
            var list = new List<Token>();
            var i = 0;
            while (i < source.Length)
            {
                var c = source[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (c == '(')
                {
                    list.Add(new Token(TokenKind.LeftParen, "(", i++));
                }
                else if (c == ')')
                {
                    list.Add(new Token(TokenKind.RightParen, ")", i++));
                }
                else if (c == '|')
                {
                    // Sigma 1.x aggregations: what follows is not condition syntax, so stop here and let the parser
                    // name the construct.
                    list.Add(new Token(TokenKind.Pipe, "|", i));
                    break;
                }
                else if (IsWordChar(c))
                {
                    var start = i;
                    while (i < source.Length && IsWordChar(source[i]))
                    {
                        i++;
                    }

                    list.Add(new Token(TokenKind.Word, source[start..i], start));
                }
                else
                {
                    throw new SigmaRuleException($"condition '{text}': unexpected character '{c}' (column {i + 1})");
                }
            }

            list.Add(new Token(TokenKind.End, "", source.Length));
            return list;
        }

        private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '*' or '-' or '.';
    }

    /// <summary>Identifier patterns: <c>*</c> is any run of characters; everything else is literal.</summary>
    internal static bool WildcardMatches(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (p < pattern.Length && pattern[p] == name[n])
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
