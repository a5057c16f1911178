namespace Musubi.Core.Networks;

public static partial class NetworkParsing
{
    /// <summary>Accepts "AS64500", "as64500" or "64500"; AS0 is reserved (RFC 7607) and refused.</summary>
    public static bool TryParseAsn(string? text, out uint asn, out string error)
    {
        asn = 0;
        ReadOnlySpan<char> input = text.AsSpan().Trim();
        if (input.IsEmpty)
        {
            error = "enter an AS number such as AS64500";
            return false;
        }

        ReadOnlySpan<char> digits = input.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? input[2..] : input;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            error = $"'{input}' is not an AS number: write it as AS64500 or 64500";
            return false;
        }

        if (!ulong.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong value)
            || value > uint.MaxValue)
        {
            error = $"'{input}' is out of range: AS numbers go from 1 to 4294967295";
            return false;
        }

        if (value == 0)
        {
            error = "AS0 is reserved and cannot be owned";
            return false;
        }

        asn = (uint)value;
        error = string.Empty;
        return true;
    }

    /// <summary>The canonical text of an AS number, e.g. "AS64500".</summary>
    public static string FormatAsn(uint asn) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"AS{asn}");
}
