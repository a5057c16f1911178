using System.Globalization;
using System.Net.Mail;

namespace Musubi.Core.Validation;

/// <summary>Checks for single fields, each returning null when the value is acceptable or the reason it is not.</summary>
public static class FieldRules
{
    public const int MaxNameLength = 200;
    public const int MaxTextLength = 4000;
    public const int MaxPgpKeyLength = 64 * 1024;

    public static string? RequiredText(string? value, int maxLength = MaxNameLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is required";
        }

        return value.Length > maxLength ? $"must be at most {maxLength} characters" : null;
    }

    public static string? OptionalText(string? value, int maxLength = MaxTextLength) =>
        value is not null && value.Length > maxLength ? $"must be at most {maxLength} characters" : null;

    public static string? Email(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is required";
        }

        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return "must contain '@'";
        }

        if (at == 0 || at == value.Length - 1 || value.IndexOf('@', at + 1) >= 0)
        {
            return "must be one local part, one '@' and one domain";
        }

        if (value.Length > 254 || value.Any(char.IsWhiteSpace))
        {
            return "is not a valid e-mail address";
        }

        var domain = value[(at + 1)..];
        if (!domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.'))
        {
            return "the domain after '@' must be a full domain name such as example.jp";
        }

        return MailAddress.TryCreate(value, out _) ? null : "is not a valid e-mail address";
    }

    /// <summary>ISO 3166-1 alpha-2, upper case ("JP").</summary>
    public static string? Country(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is required";
        }

        if (value.Length != 2 || !value.All(char.IsAsciiLetterUpper))
        {
            return "must be an ISO 3166-1 alpha-2 code in upper case, such as JP";
        }

        try
        {
            var region = new RegionInfo(value);
            return region.TwoLetterISORegionName == value ? null : $"'{value}' is not an ISO 3166-1 country code";
        }
        catch (ArgumentException)
        {
            return $"'{value}' is not an ISO 3166-1 country code";
        }
    }

    /// <summary>E.164-like: an optional '+', digits, spaces, hyphens and parentheses, 5 to 20 digits.</summary>
    public static string? Phone(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var digits = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (!(c is ' ' or '-' or '(' or ')' || (c == '+' && i == 0)))
            {
                return $"may contain only digits, spaces, '-', '(', ')' and a leading '+' (found '{c}')";
            }
        }

        return digits is < 5 or > 20 ? "must have between 5 and 20 digits" : null;
    }

    public static string? PgpKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.Length > MaxPgpKeyLength)
        {
            return $"must be at most {MaxPgpKeyLength} characters";
        }

        return value.Contains("-----BEGIN PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal)
            ? null
            : "must be an ASCII-armoured public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)";
    }

    /// <summary>Lower-case letters, digits and hyphens, 2 to 64 characters: used for sector ids and community slugs.</summary>
    public static string? Slug(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is required";
        }

        if (value.Length is < 2 or > 64)
        {
            return "must be 2 to 64 characters";
        }

        return value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && value[0] != '-' && value[^1] != '-'
            ? null
            : "may contain only a-z, 0-9 and '-' (not at either end)";
    }
}
