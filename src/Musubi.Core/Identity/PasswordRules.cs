namespace Musubi.Core.Identity;

/// <summary>Password policy: long over complex (NIST SP 800-63B), with an upper bound to keep hashing bounded.</summary>
public static class PasswordRules
{
    public const int MinLength = 12;
    public const int MaxLength = 256;

    public static string? Check(string? password, string? userName)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "is required";
        }

        if (password.Length < MinLength)
        {
            return $"must be at least {MinLength} characters";
        }

        if (password.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }

        if (userName is not null && password.Contains(userName, StringComparison.OrdinalIgnoreCase))
        {
            return "must not contain the user name";
        }

        return password.Distinct().Count() < 5 ? "must use at least 5 different characters" : null;
    }

    public static string? UserName(string? userName)
    {
        if (string.IsNullOrWhiteSpace(userName))
        {
            return "is required";
        }

        if (userName.Length is < 3 or > 64)
        {
            return "must be 3 to 64 characters";
        }

        return userName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@')
            ? null
            : "may contain only letters, digits, '.', '-', '_' and '@'";
    }
}
