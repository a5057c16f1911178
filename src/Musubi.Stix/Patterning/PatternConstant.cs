using System.Globalization;
using System.Text;
using Musubi.Stix.Model;

namespace Musubi.Stix.Patterning;

/// <summary>Constants of STIX patterning (spec 9.2).</summary>
public abstract record PatternConstant
{
    internal static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}

public sealed record StringConstant(string Value) : PatternConstant
{
    public override string ToString() => Quote(Value);
}

public sealed record IntegerConstant(long Value) : PatternConstant
{
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A float, kept as written (the grammar has no exponent form) and as a decimal for exact comparison.</summary>
public sealed record FloatConstant(decimal Value, string Text) : PatternConstant
{
    public override string ToString() => Text;
}

public sealed record BooleanConstant(bool Value) : PatternConstant
{
    public override string ToString() => Value ? "true" : "false";
}

/// <summary><c>b'base64'</c>.</summary>
public sealed record BinaryConstant(byte[] Bytes, string Text) : PatternConstant
{
    public override string ToString() => $"b'{Text}'";

    public bool Equals(BinaryConstant? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);
}

/// <summary><c>h'hex'</c>.</summary>
public sealed record HexConstant(byte[] Bytes, string Text) : PatternConstant
{
    public override string ToString() => $"h'{Text}'";

    public bool Equals(HexConstant? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);
}

/// <summary><c>t'2016-06-01T00:00:00Z'</c>.</summary>
public sealed record TimestampConstant(StixTimestamp Value) : PatternConstant
{
    public override string ToString() => $"t'{Value.Text}'";
}

/// <summary><c>('a', 'b')</c>: the right side of IN.</summary>
public sealed record SetConstant(IReadOnlyList<PatternConstant> Items) : PatternConstant
{
    public override string ToString()
    {
        var sb = new StringBuilder("(");
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(Items[i]);
        }

        return sb.Append(')').ToString();
    }

    public bool Equals(SetConstant? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Count;
}
