using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Musubi.Infrastructure.Identity;

/// <summary>Argon2id (RFC 9106) in the PHC string format: $argon2id$v=19$m=...,t=...,p=...$salt$hash.</summary>
public sealed class PasswordHasher(IdentityOptions options)
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Compute(password, salt, options.Argon2MemoryKiB, options.Argon2Iterations, 1);
        return $"$argon2id$v=19$m={options.Argon2MemoryKiB},t={options.Argon2Iterations},p=1${B64(salt)}${B64(hash)}";
    }

    public bool Verify(string password, string phc)
    {
        var parts = phc.Split('$');
        if (parts.Length != 6 || parts[1] != "argon2id")
        {
            return false;
        }

        var settings = parts[3].Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        var salt = FromB64(parts[4]);
        var expected = FromB64(parts[5]);
        var actual = Compute(password, salt, settings["m"], settings["t"], settings["p"]);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Work done for an unknown user, so timing does not reveal which user names exist.</summary>
    public void Waste(string password) => Compute(password, new byte[SaltBytes], options.Argon2MemoryKiB, options.Argon2Iterations, 1);

    private static byte[] Compute(string password, byte[] salt, int memoryKiB, int iterations, int parallelism)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = memoryKiB,
            Iterations = iterations,
            DegreeOfParallelism = parallelism,
        };
        return argon.GetBytes(HashBytes);
    }

    private static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=');

    private static byte[] FromB64(string s) => Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
}
