using System.Buffers;
using System.Globalization;
using System.Text;

namespace Musubi.Core.Networks;

public static partial class NetworkParsing
{
    private const int MaxDomainLength = 253;
    private const int MaxLabelLength = 63;

    private static readonly SearchValues<char> DomainLabelChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>
    /// Normalises a domain name to lower-case ASCII (internationalised names become punycode "xn--" labels),
    /// without a trailing dot. A claim on "example.jp" covers its subdomains, so wildcards are refused.
    /// </summary>
    public static bool TryNormaliseDomain(string? text, out string domain, out string error)
    {
        domain = string.Empty;
        string input = (text ?? string.Empty).Trim();
        if (input.Length == 0)
        {
            error = "enter a domain name such as example.jp";
            return false;
        }

        if (input.StartsWith('*'))
        {
            string parent = input.TrimStart('*', '.');
            error = $"wildcards are not allowed: enter {(parent.Length > 0 ? parent : "the domain itself")} to cover all of its subdomains";
            return false;
        }

        // One trailing dot is the fully-qualified spelling of the same name.
        if (input.EndsWith('.'))
        {
            input = input[..^1];
        }

        if (!TryToAscii(input, out string ascii, out error))
        {
            return false;
        }

        if (!IsValidHostName(ascii, out error))
        {
            return false;
        }

        domain = ascii;
        return true;
    }

    private static bool TryToAscii(string input, out string ascii, out string error)
    {
        error = string.Empty;
        if (Ascii.IsValid(input))
        {
            ascii = input.ToLowerInvariant();
            return true;
        }

        try
        {
            // IdnMapping instances are not documented as thread-safe; this path only runs for non-ASCII input.
            ascii = new IdnMapping().GetAscii(input).ToLowerInvariant();
            return true;
        }
        catch (ArgumentException)
        {
            ascii = string.Empty;
            error = $"'{input}' is not a valid internationalised domain name";
            return false;
        }
    }

    private static bool IsValidHostName(string domain, out string error)
    {
        error = string.Empty;
        if (domain.Length > MaxDomainLength)
        {
            error = $"the domain is {domain.Length} characters long: the limit is {MaxDomainLength}";
            return false;
        }

        int labels = 0;
        foreach (Range range in domain.AsSpan().Split('.'))
        {
            ReadOnlySpan<char> label = domain.AsSpan(range);
            labels++;
            if (!IsValidLabel(label, out error))
            {
                return false;
            }
        }

        if (labels < 2)
        {
            error = $"'{domain}' is a single label: enter a full domain name such as example.jp";
            return false;
        }

        ReadOnlySpan<char> topLevel = domain.AsSpan(domain.LastIndexOf('.') + 1);
        if (!topLevel.ContainsAnyExceptInRange('0', '9'))
        {
            error = $"'{domain}' looks like an IP address: add it as a network instead";
            return false;
        }

        return true;
    }

    private static bool IsValidLabel(ReadOnlySpan<char> label, out string error)
    {
        error = string.Empty;
        if (label.IsEmpty)
        {
            error = "the domain has an empty label (two dots in a row, or a leading dot)";
            return false;
        }

        if (label.Length > MaxLabelLength)
        {
            error = $"the label '{label}' is {label.Length} characters long: the limit is {MaxLabelLength}";
            return false;
        }

        int bad = label.IndexOfAnyExcept(DomainLabelChars);
        if (bad >= 0)
        {
            error = $"'{label[bad]}' is not allowed in a domain name: use letters, digits and hyphens";
            return false;
        }

        if (label[0] == '-' || label[^1] == '-')
        {
            error = $"the label '{label}' must not start or end with a hyphen";
            return false;
        }

        return true;
    }
}
