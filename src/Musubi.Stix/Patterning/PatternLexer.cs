using System.Globalization;
using System.Text;

namespace Musubi.Stix.Patterning;

internal enum TokenKind
{
    End,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Asterisk,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Identifier,
    String,
    Integer,
    Float,
    Binary,
    Hex,
    Timestamp,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Position)
{
    public bool IsKeyword(string keyword) => Kind == TokenKind.Identifier && Text == keyword;

    public string Describe() => Kind switch
    {
        TokenKind.End => "the end of the pattern",
        TokenKind.String => $"the string {Text}",
        _ => $"'{Text}'",
    };
}

/// <summary>
/// Splits a pattern into tokens. Whitespace is any Unicode white space (spec 9.4). Keywords are identifiers, told
/// apart by the parser; identifiers may contain hyphens (object types such as <c>ipv4-addr</c>).
/// </summary>
internal static class PatternLexer
{
    public static List<Token> Tokenise(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", text.Length));
                return tokens;
            }

            var start = i;
            var c = text[i];
            switch (c)
            {
                case '[': tokens.Add(new(TokenKind.LBracket, "[", i++)); continue;
                case ']': tokens.Add(new(TokenKind.RBracket, "]", i++)); continue;
                case '(': tokens.Add(new(TokenKind.LParen, "(", i++)); continue;
                case ')': tokens.Add(new(TokenKind.RParen, ")", i++)); continue;
                case ':': tokens.Add(new(TokenKind.Colon, ":", i++)); continue;
                case '.' when i + 1 >= text.Length || !char.IsAsciiDigit(text[i + 1]):
                    tokens.Add(new(TokenKind.Dot, ".", i++));
                    continue;
                case ',': tokens.Add(new(TokenKind.Comma, ",", i++)); continue;
                case '*': tokens.Add(new(TokenKind.Asterisk, "*", i++)); continue;
                case '=':
                    i += i + 1 < text.Length && text[i + 1] == '=' ? 2 : 1;
                    tokens.Add(new(TokenKind.Equal, text[start..i], start));
                    continue;
                case '!':
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        tokens.Add(new(TokenKind.NotEqual, "!=", i));
                        i += 2;
                        continue;
                    }

                    throw new PatternSyntaxException("'!' on its own", i, "'!='");
                case '<':
                    if (i + 1 < text.Length && text[i + 1] == '=') { tokens.Add(new(TokenKind.LessOrEqual, "<=", i)); i += 2; }
                    else if (i + 1 < text.Length && text[i + 1] == '>') { tokens.Add(new(TokenKind.NotEqual, "<>", i)); i += 2; }
                    else { tokens.Add(new(TokenKind.Less, "<", i++)); }
                    continue;
                case '>':
                    if (i + 1 < text.Length && text[i + 1] == '=') { tokens.Add(new(TokenKind.GreaterOrEqual, ">=", i)); i += 2; }
                    else { tokens.Add(new(TokenKind.Greater, ">", i++)); }
                    continue;
                case '\'':
                    tokens.Add(new(TokenKind.String, ReadString(text, ref i), start));
                    continue;
            }

            if ((c is 'b' or 'h' or 't') && i + 1 < text.Length && text[i + 1] == '\'')
            {
                i++;
                var body = ReadString(text, ref i);
                tokens.Add(new(c == 'b' ? TokenKind.Binary : c == 'h' ? TokenKind.Hex : TokenKind.Timestamp, body, start));
                continue;
            }

            if (char.IsAsciiDigit(c) || c == '.' || ((c is '-' or '+') && i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || text[i + 1] == '.')))
            {
                i++;
                var dot = c == '.';
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && !dot)))
                {
                    dot |= text[i] == '.';
                    i++;
                }

                var number = text[start..i];
                if (number.EndsWith('.'))
                {
                    throw new PatternSyntaxException($"the number {number} has no digits after the point", i, "a digit");
                }

                tokens.Add(new(dot ? TokenKind.Float : TokenKind.Integer, number, start));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-'))
                {
                    i++;
                }

                tokens.Add(new(TokenKind.Identifier, text[start..i], start));
                continue;
            }

            throw new PatternSyntaxException($"unexpected character '{c}'", i);
        }
    }

    /// <summary>Reads <c>'...'</c> starting at the quote; only <c>\'</c> and <c>\\</c> are escapes (spec 9.2).</summary>
    private static string ReadString(string text, ref int i)
    {
        var open = i;
        i++;
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 < text.Length && text[i + 1] is '\'' or '\\')
                {
                    sb.Append(text[i + 1]);
                    i += 2;
                    continue;
                }

                throw new PatternSyntaxException("a backslash in a string may only escape ' or \\", i, "\\' or \\\\");
            }

            if (c == '\'')
            {
                i++;
                return sb.ToString();
            }

            sb.Append(c);
            i++;
        }

        throw new PatternSyntaxException("the string is not closed", open, "a closing '");
    }

    internal static bool TryParseDecimal(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
}
