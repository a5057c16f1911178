using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Musubi.Ledger.Checkpoints;

/// <summary>Key IDs and the text forms of note keys.</summary>
internal static class NoteKeys
{
    /// <summary>The signature type byte of Ed25519 in c2sp.org/signed-note.</summary>
    public const byte Ed25519Type = 0x01;

    public static SignatureAlgorithm Ed25519 => SignatureAlgorithm.Ed25519;

    /// <summary><c>SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]</c>, big-endian.</summary>
    public static uint KeyId(string keyName, ReadOnlySpan<byte> publicKey)
    {
        var name = SignedNote.StrictUtf8.GetBytes(keyName);
        var input = new byte[name.Length + 2 + publicKey.Length];
        name.CopyTo(input, 0);
        input[name.Length] = 0x0A;
        input[name.Length + 1] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(name.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>Splits <c>name+hexid+base64</c>, checking the name and the 8 hex digits.</summary>
    public static bool TrySplit(string text, out string name, out uint keyId, out byte[] blob, out string error)
    {
        name = string.Empty;
        keyId = 0;
        blob = [];
        var parts = text.Trim().Split('+', 3); // the base64 key may itself contain '+'
        if (parts.Length != 3)
        {
            error = "expected <name>+<key ID, 8 hex digits>+<base64 key>";
            return false;
        }

        name = parts[0];
        if (!SignedNote.IsValidKeyName(name))
        {
            error = "the key name is empty or contains a space or '+'";
            return false;
        }

        if (parts[1].Length != 8 || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out keyId))
        {
            error = "the key ID is not 8 hex digits";
            return false;
        }

        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            error = "the key is not base64";
            return false;
        }

        if (blob.Length != 33 || blob[0] != Ed25519Type)
        {
            error = "the key is not an Ed25519 key (0x01 followed by 32 bytes)";
            return false;
        }

        error = string.Empty;
        return true;
    }

    public static string Join(string name, uint keyId, ReadOnlySpan<byte> key) =>
        $"{name}+{keyId:x8}+{Convert.ToBase64String([Ed25519Type, .. key])}";
}
