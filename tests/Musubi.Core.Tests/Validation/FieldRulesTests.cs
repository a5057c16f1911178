using Musubi.Core.Identity;
using Musubi.Core.Validation;

namespace Musubi.Core.Tests.Validation;

public sealed class FieldRulesTests
{
    [Theory]
    [InlineData("soc@agency.example.jp", null)]
    [InlineData("abuse.example.jp", "must contain '@'")]
    [InlineData("@example.jp", "must be one local part, one '@' and one domain")]
    [InlineData("a@b@example.jp", "must be one local part, one '@' and one domain")]
    [InlineData("soc@localhost", "the domain after '@' must be a full domain name such as example.jp")]
    [InlineData("", "is required")]
    [InlineData("so c@example.jp", "is not a valid e-mail address")]
    public void Email_addresses_are_checked_with_a_reason(string value, string? reason) =>
        Assert.Equal(reason, FieldRules.Email(value));

    [Theory]
    [InlineData("JP", null)]
    [InlineData("DE", null)]
    [InlineData("jp", "must be an ISO 3166-1 alpha-2 code in upper case, such as JP")]
    [InlineData("JPN", "must be an ISO 3166-1 alpha-2 code in upper case, such as JP")]
    [InlineData("XZ", "'XZ' is not an ISO 3166-1 country code")]
    public void Countries_are_iso_alpha_2(string value, string? reason) => Assert.Equal(reason, FieldRules.Country(value));

    [Theory]
    [InlineData("+81 3-1234-5678", null)]
    [InlineData(null, null)]
    [InlineData("call me", "may contain only digits, spaces, '-', '(', ')' and a leading '+' (found 'c')")]
    [InlineData("12", "must have between 5 and 20 digits")]
    public void Phone_numbers_are_checked(string? value, string? reason) => Assert.Equal(reason, FieldRules.Phone(value));

    [Theory]
    [InlineData("sector-water", null)]
    [InlineData("Water", "may contain only a-z, 0-9 and '-' (not at either end)")]
    [InlineData("-x", "may contain only a-z, 0-9 and '-' (not at either end)")]
    [InlineData("x", "must be 2 to 64 characters")]
    public void Slugs_are_lower_case_words(string value, string? reason) => Assert.Equal(reason, FieldRules.Slug(value));

    [Theory]
    [InlineData("short", "admin", "must be at least 12 characters")]
    [InlineData("aaaaaaaaaaaaaaaa", "admin", "must use at least 5 different characters")]
    [InlineData("my-admin-password-1", "admin", "must not contain the user name")]
    [InlineData("correct horse battery staple", "admin", null)]
    public void Passwords_are_long_rather_than_complex(string password, string user, string? reason) =>
        Assert.Equal(reason, PasswordRules.Check(password, user));

    [Fact]
    public void A_pgp_key_must_be_ascii_armoured()
    {
        Assert.Null(FieldRules.PgpKey("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----"));
        Assert.NotNull(FieldRules.PgpKey("not a key"));
    }

    [Fact]
    public void Field_errors_collect_several_reasons_and_throw_them_together()
    {
        var errors = new FieldErrors();
        errors.Add("name", "is required");
        errors.Add("networks[1].value", "bad");
        errors.Add("name", "too long");
        var ex = Assert.Throws<ValidationFailedException>(errors.ThrowIfAny);
        Assert.Equal(["is required", "too long"], ex.Errors["name"]);
        Assert.Equal(2, ex.Errors.Count);
    }
}
