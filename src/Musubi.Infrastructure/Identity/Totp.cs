using Microsoft.AspNetCore.DataProtection;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Identity;

/// <summary>RFC 6238 codes (SHA-1, 6 digits, 30 s) with one step of clock drift either way; a step is never accepted twice.</summary>
internal static class Totp
{
    public static bool Verify(UserEntity user, string? code, IDataProtectionProvider protection, TimeProvider time)
    {
        if (user.TotpSecretProtected is null || string.IsNullOrWhiteSpace(code))
        {
            return false;
        }

        var digits = new string(code.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length != 6)
        {
            return false;
        }

        var key = Convert.FromBase64String(protection.CreateProtector(UserService.TotpPurpose).Unprotect(user.TotpSecretProtected));
        var totp = new OtpNet.Totp(key);
        if (!totp.VerifyTotp(time.GetUtcNow().UtcDateTime, digits, out var step, new OtpNet.VerificationWindow(1, 1)))
        {
            return false;
        }

        if (step <= user.TotpLastStep)
        {
            return false;
        }

        user.TotpLastStep = step;
        return true;
    }
}
