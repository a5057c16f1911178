using System.Globalization;
using Musubi.Stix.Model;

namespace Musubi.Stix.Patterning;

/// <summary>
/// Recursive descent over the STIX 2.1 pattern grammar (spec 9.3–9.7; the OASIS STIXPattern.g4 grammar):
/// <code>
/// pattern      := obsFollowed EOF
/// obsFollowed  := obsOr ('FOLLOWEDBY' obsOr)*
/// obsOr        := obsAnd ('OR' obsAnd)*
/// obsAnd       := obsQualified ('AND' obsQualified)*
/// obsQualified := ( '[' compOr ']' | '(' obsFollowed ')' ) qualifier*
/// qualifier    := 'WITHIN' number 'SECONDS' | 'REPEATS' int 'TIMES' | 'START' t'..' 'STOP' t'..'
/// compOr       := compAnd ('OR' compAnd)*
/// compAnd      := test ('AND' test)*
/// test         := '(' compOr ')' | 'EXISTS' path | path 'NOT'? op constant
/// path         := type ':' (ident | 'str') ( '.' (ident | 'str') | '[' (int | '*') ']' )*
/// </code>
/// Keywords are upper case, <c>true</c>/<c>false</c> lower case, as in the reference grammar. Qualifiers bind to the
/// expression just before them; an expression takes at most one qualifier of each kind (9.5.1). Operands of AND inside
/// an observation expression must start from the same object type (9.5).
/// </summary>
internal sealed class PatternParser
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "IN", "START", "STOP",
        "SECONDS", "WITHIN", "REPEATS", "TIMES",
    };

    private readonly List<Token> _tokens;
    private readonly PatternLimits _limits;
    private int _at;
    private int _depth;

    private PatternParser(List<Token> tokens, PatternLimits limits)
    {
        _tokens = tokens;
        _limits = limits;
    }

    public static StixPattern Parse(string text, PatternLimits limits)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > limits.MaxLength)
        {
            throw new PatternSyntaxException($"the pattern is longer than the limit of {limits.MaxLength} characters", limits.MaxLength);
        }

        var parser = new PatternParser(PatternLexer.Tokenise(text), limits);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new PatternSyntaxException("the pattern is empty", 0, "'[' or '('");
        }

        var root = parser.ParseFollowedBy();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern");
        }

        return new StixPattern(root, text);
    }

    private Token Peek => _tokens[_at];

    private Token Next() => _tokens[_at++];

    private PatternSyntaxException Unexpected(string expected) =>
        new($"found {Peek.Describe()}", Peek.Position, expected);

    private void Enter()
    {
        if (++_depth > _limits.MaxDepth)
        {
            throw new PatternSyntaxException($"nesting deeper than the limit of {_limits.MaxDepth}", Peek.Position);
        }
    }

    private PatternExpression ParseFollowedBy()
    {
        var left = ParseObsOr();
        while (Peek.IsKeyword("FOLLOWEDBY"))
        {
            Next();
            left = new ObservationBinary(ObservationOperator.FollowedBy, left, ParseObsOr());
        }

        return left;
    }

    private PatternExpression ParseObsOr()
    {
        var left = ParseObsAnd();
        while (Peek.IsKeyword("OR"))
        {
            Next();
            left = new ObservationBinary(ObservationOperator.Or, left, ParseObsAnd());
        }

        return left;
    }

    private PatternExpression ParseObsAnd()
    {
        var left = ParseQualified();
        while (Peek.IsKeyword("AND"))
        {
            Next();
            left = new ObservationBinary(ObservationOperator.And, left, ParseQualified());
        }

        return left;
    }

    private PatternExpression ParseQualified()
    {
        Enter();
        PatternExpression expression;
        if (Peek.Kind == TokenKind.LBracket)
        {
            Next();
            var comparison = ParseCompOr();
            Expect(TokenKind.RBracket, "']' (or AND, OR)");
            expression = new ObservationExpression(comparison);
        }
        else if (Peek.Kind == TokenKind.LParen)
        {
            Next();
            expression = ParseFollowedBy();
            Expect(TokenKind.RParen, "')' (or AND, OR, FOLLOWEDBY, a qualifier)");
        }
        else
        {
            throw Unexpected("'[' or '(' to start an observation expression");
        }

        var seen = new HashSet<Type>();
        while (true)
        {
            var at = Peek.Position;
            Qualifier? qualifier = null;
            if (Peek.IsKeyword("WITHIN"))
            {
                Next();
                var n = Next();
                if (n.Kind is not (TokenKind.Integer or TokenKind.Float) || !PatternLexer.TryParseDecimal(n.Text, out var seconds) || seconds <= 0 || n.Text.StartsWith('+'))
                {
                    throw new PatternSyntaxException($"WITHIN needs a positive number of seconds, found {n.Describe()}", n.Position, "a positive integer or float");
                }

                ExpectKeyword("SECONDS");
                qualifier = new WithinQualifier(seconds, n.Text);
            }
            else if (Peek.IsKeyword("REPEATS"))
            {
                Next();
                var n = Next();
                if (n.Kind != TokenKind.Integer || !int.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var times) || times <= 0)
                {
                    throw new PatternSyntaxException($"REPEATS needs a positive integer, found {n.Describe()}", n.Position, "a positive integer");
                }

                ExpectKeyword("TIMES");
                qualifier = new RepeatsQualifier(times);
            }
            else if (Peek.IsKeyword("START"))
            {
                Next();
                var start = ExpectTimestamp();
                ExpectKeyword("STOP");
                var stop = ExpectTimestamp();
                qualifier = new StartStopQualifier(start, stop);
            }

            if (qualifier is null)
            {
                break;
            }

            if (!seen.Add(qualifier.GetType()))
            {
                throw new PatternSyntaxException("an observation expression may have only one qualifier of each kind", at);
            }

            expression = new QualifiedExpression(expression, qualifier);
        }

        _depth--;
        return expression;
    }

    private StixTimestamp ExpectTimestamp()
    {
        var t = Next();
        if (t.Kind != TokenKind.Timestamp)
        {
            throw new PatternSyntaxException($"found {t.Describe()}", t.Position, "a timestamp t'YYYY-MM-DDTHH:mm:ss[.s+]Z'");
        }

        return StixTimestamp.TryParse(t.Text, out var ts)
            ? ts
            : throw new PatternSyntaxException($"'{t.Text}' is not a STIX timestamp", t.Position, "YYYY-MM-DDTHH:mm:ss[.s+]Z");
    }

    private ComparisonExpression ParseCompOr()
    {
        var left = ParseCompAnd();
        while (Peek.IsKeyword("OR"))
        {
            Next();
            left = new ComparisonBinary(BooleanOperator.Or, left, ParseCompAnd());
        }

        return left;
    }

    private ComparisonExpression ParseCompAnd()
    {
        var start = Peek.Position;
        var left = ParseTest();
        while (Peek.IsKeyword("AND"))
        {
            Next();
            left = new ComparisonBinary(BooleanOperator.And, left, ParseTest());
            var types = new HashSet<string>(StringComparer.Ordinal);
            CollectTypes(left, types);
            if (types.Count > 1)
            {
                throw new PatternSyntaxException(
                    $"AND joins comparisons on different object types ({string.Join(", ", types.Order(StringComparer.Ordinal))}); they must be joined by OR (spec 9.5)", start);
            }
        }

        return left;
    }

    private static void CollectTypes(ComparisonExpression e, HashSet<string> into)
    {
        switch (e)
        {
            case Comparison c:
                into.Add(c.Path.ObjectType);
                break;
            case ComparisonBinary b:
                CollectTypes(b.Left, into);
                CollectTypes(b.Right, into);
                break;
        }
    }

    private ComparisonExpression ParseTest()
    {
        Enter();
        try
        {
            if (Peek.Kind == TokenKind.LParen)
            {
                Next();
                var inner = ParseCompOr();
                Expect(TokenKind.RParen, "')' (or AND, OR)");
                return inner;
            }

            if (Peek.IsKeyword("EXISTS"))
            {
                Next();
                return new Comparison(ParsePath(), ComparisonOperator.Exists, false, null);
            }

            var path = ParsePath();
            var negated = false;
            if (Peek.IsKeyword("NOT"))
            {
                Next();
                negated = true;
            }

            var op = Peek;
            ComparisonOperator @operator;
            switch (op.Kind)
            {
                case TokenKind.Equal: @operator = ComparisonOperator.Equal; break;
                case TokenKind.NotEqual: @operator = ComparisonOperator.NotEqual; break;
                case TokenKind.Greater: @operator = ComparisonOperator.Greater; break;
                case TokenKind.Less: @operator = ComparisonOperator.Less; break;
                case TokenKind.GreaterOrEqual: @operator = ComparisonOperator.GreaterOrEqual; break;
                case TokenKind.LessOrEqual: @operator = ComparisonOperator.LessOrEqual; break;
                case TokenKind.Identifier when op.Text == "IN": @operator = ComparisonOperator.In; break;
                case TokenKind.Identifier when op.Text == "LIKE": @operator = ComparisonOperator.Like; break;
                case TokenKind.Identifier when op.Text == "MATCHES": @operator = ComparisonOperator.Matches; break;
                case TokenKind.Identifier when op.Text == "ISSUBSET": @operator = ComparisonOperator.IsSubset; break;
                case TokenKind.Identifier when op.Text == "ISSUPERSET": @operator = ComparisonOperator.IsSuperset; break;
                default:
                    throw Unexpected(negated
                        ? "a comparison operator after NOT"
                        : "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) or NOT");
            }

            Next();
            PatternConstant value;
            switch (@operator)
            {
                case ComparisonOperator.In:
                    value = ParseSet();
                    break;
                case ComparisonOperator.Like or ComparisonOperator.Matches or ComparisonOperator.IsSubset or ComparisonOperator.IsSuperset:
                    if (Peek.Kind != TokenKind.String)
                    {
                        throw Unexpected($"a string constant after {op.Text}");
                    }

                    value = ParseConstant();
                    if (@operator is ComparisonOperator.IsSubset or ComparisonOperator.IsSuperset && !Cidr.TryParse(((StringConstant)value).Value, out _))
                    {
                        throw new PatternSyntaxException($"{op.Text} needs an IP address or CIDR block, found {value}", op.Position, "an IPv4 or IPv6 address or CIDR");
                    }

                    if (@operator == ComparisonOperator.Matches && !PatternRegex.IsValid(((StringConstant)value).Value, out var why))
                    {
                        throw new PatternSyntaxException($"MATCHES needs a valid regular expression: {why}", op.Position);
                    }

                    break;
                case ComparisonOperator.Greater or ComparisonOperator.Less or ComparisonOperator.GreaterOrEqual or ComparisonOperator.LessOrEqual:
                    var at = Peek;
                    value = ParseConstant();
                    if (value is BooleanConstant)
                    {
                        throw new PatternSyntaxException("a boolean has no order", at.Position, "a number, string, timestamp, binary or hex constant");
                    }

                    break;
                default:
                    value = ParseConstant();
                    break;
            }

            return new Comparison(path, @operator, negated, value);
        }
        finally
        {
            _depth--;
        }
    }

    private SetConstant ParseSet()
    {
        Expect(TokenKind.LParen, "'(' to start the set of IN");
        var items = new List<PatternConstant>();
        var first = Peek;
        items.Add(ParseConstant());
        while (Peek.Kind == TokenKind.Comma)
        {
            Next();
            var at = Peek;
            var item = ParseConstant();
            if (item.GetType() != items[0].GetType())
            {
                throw new PatternSyntaxException($"the values of IN must all be of one type: {item} differs from {items[0]}", at.Position, $"a constant like {first.Text}");
            }

            items.Add(item);
        }

        Expect(TokenKind.RParen, "',' or ')' to close the set of IN");
        return new SetConstant(items);
    }

    private PatternConstant ParseConstant()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.String:
                return new StringConstant(t.Text);
            case TokenKind.Integer:
                return long.TryParse(t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) && !t.Text.StartsWith('+')
                    ? new IntegerConstant(l)
                    : throw new PatternSyntaxException($"the integer {t.Text} is out of range or has a plus sign", t.Position);
            case TokenKind.Float:
                return PatternLexer.TryParseDecimal(t.Text, out var d) && !t.Text.StartsWith('+')
                    ? new FloatConstant(d, t.Text)
                    : throw new PatternSyntaxException($"the float {t.Text} is out of range or has a plus sign", t.Position);
            case TokenKind.Binary:
                var b64 = t.Text.Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
                try
                {
                    return new BinaryConstant(Convert.FromBase64String(b64), b64);
                }
                catch (FormatException)
                {
                    throw new PatternSyntaxException($"b'{t.Text}' is not base64", t.Position, "base64 (RFC 4648)");
                }

            case TokenKind.Hex:
                if (t.Text.Length % 2 != 0 || !t.Text.All(char.IsAsciiHexDigit))
                {
                    throw new PatternSyntaxException($"h'{t.Text}' is not an even number of hex digits", t.Position, "pairs of hex digits");
                }

                return new HexConstant(Convert.FromHexString(t.Text), t.Text);
            case TokenKind.Timestamp:
                return StixTimestamp.TryParse(t.Text, out var ts)
                    ? new TimestampConstant(ts)
                    : throw new PatternSyntaxException($"'{t.Text}' is not a STIX timestamp", t.Position, "YYYY-MM-DDTHH:mm:ss[.s+]Z");
            case TokenKind.Identifier when t.Text is "true" or "false":
                return new BooleanConstant(t.Text == "true");
            default:
                _at--;
                throw Unexpected("a constant: 'string', integer, float, true, false, b'base64', h'hex' or t'timestamp'");
        }
    }

    private ObjectPath ParsePath()
    {
        var type = Peek;
        if (type.Kind != TokenKind.Identifier || Keywords.Contains(type.Text))
        {
            throw Unexpected("an object path (object-type:property)");
        }

        Next();
        if (!StixId.IsTypeName(type.Text) || type.Text.Length < 3)
        {
            throw new PatternSyntaxException($"'{type.Text}' is not an object type (3–250 of a-z, 0-9, single hyphens)", type.Position);
        }

        Expect(TokenKind.Colon, $"':' after the object type {type.Text}");
        var steps = new List<PathStep> { new PropertyStep(ExpectPropertyName()) };
        while (true)
        {
            if (Peek.Kind == TokenKind.Dot)
            {
                Next();
                steps.Add(new PropertyStep(ExpectPropertyName()));
            }
            else if (Peek.Kind == TokenKind.LBracket && _tokens[_at + 1].Kind is TokenKind.Asterisk or TokenKind.Integer)
            {
                Next();
                var index = Next();
                if (index.Kind == TokenKind.Asterisk)
                {
                    steps.Add(new IndexStep(null));
                }
                else if (int.TryParse(index.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    steps.Add(new IndexStep(n));
                }
                else
                {
                    throw new PatternSyntaxException($"the list index {index.Text} is out of range", index.Position);
                }

                Expect(TokenKind.RBracket, "']' after the list index");
            }
            else
            {
                return new ObjectPath(type.Text, steps);
            }
        }
    }

    private string ExpectPropertyName()
    {
        var t = Next();
        if (t.Kind == TokenKind.String)
        {
            return t.Text;
        }

        if (t.Kind == TokenKind.Identifier)
        {
            return t.Text.Contains('-', StringComparison.Ordinal)
                ? throw new PatternSyntaxException($"the property name {t.Text} contains '-' and must be quoted: '{t.Text}'", t.Position)
                : t.Text;
        }

        _at--;
        throw Unexpected("a property name or a quoted 'key'");
    }

    private void Expect(TokenKind kind, string expected)
    {
        if (Peek.Kind != kind)
        {
            throw Unexpected(expected);
        }

        Next();
    }

    private void ExpectKeyword(string keyword)
    {
        if (!Peek.IsKeyword(keyword))
        {
            throw Unexpected(keyword);
        }

        Next();
    }
}
