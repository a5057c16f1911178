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

/// <summary>
/// A trusted Ed25519 note key, written as a verifier key ("vkey"): <c>&lt;name&gt;+&lt;key ID as 8 hex
/// digits&gt;+&lt;base64(0x01 ‖ 32-byte public key)&gt;</c>. The key ID must be the one c2sp.org/signed-note derives
/// from the name and key.
/// </summary>
public sealed class NoteVerifier
{
    private readonly PublicKey publicKey;

    private NoteVerifier(string keyName, uint keyId, byte[] publicKeyBytes, PublicKey publicKey)
    {
        KeyName = keyName;
        KeyId = keyId;
        PublicKeyBytes = publicKeyBytes;
        this.publicKey = publicKey;
    }

    public string KeyName { get; }

    public uint KeyId { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public byte[] PublicKeyBytes { get; }

    public static NoteVerifier Create(string keyName, ReadOnlySpan<byte> publicKey)
    {
        if (!SignedNote.IsValidKeyName(keyName))
        {
            throw new ArgumentException("A key name is non-empty and has no spaces or '+'.", nameof(keyName));
        }

        var key = PublicKey.Import(NoteKeys.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
        return new NoteVerifier(keyName, NoteKeys.KeyId(keyName, publicKey), publicKey.ToArray(), key);
    }

    /// <summary>Parses a verifier key; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? vkey, out NoteVerifier? verifier, out string error)
    {
        verifier = null;
        if (!NoteKeys.TrySplit(vkey ?? string.Empty, out var name, out var keyId, out var blob, out error))
        {
            error = $"not a verifier key: {error}";
            return false;
        }

        var raw = blob[1..];
        if (!PublicKey.TryImport(NoteKeys.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            error = "not a verifier key: the Ed25519 public key is invalid";
            return false;
        }

        if (NoteKeys.KeyId(name, raw) != keyId)
        {
            error = $"not a verifier key: the key ID {keyId:x8} does not belong to this name and key (expected {NoteKeys.KeyId(name, raw):x8})";
            return false;
        }

        verifier = new NoteVerifier(name, keyId, raw, key);
        return true;
    }

    /// <summary>True when <paramref name="signature"/> is this key's Ed25519 signature of the note text.</summary>
    public bool Verify(string text, ReadOnlySpan<byte> signature) =>
        signature.Length == NoteKeys.Ed25519.SignatureSize
        && NoteKeys.Ed25519.Verify(publicKey, SignedNote.StrictUtf8.GetBytes(text), signature);

    /// <summary>The verifier key text.</summary>
    public override string ToString() => NoteKeys.Join(KeyName, KeyId, PublicKeyBytes);
}

/// <summary>
/// An Ed25519 note signing key. Its text form follows the verifier key's:
/// <c>PRIVATE+KEY+&lt;name&gt;+&lt;key ID&gt;+&lt;base64(0x01 ‖ 32-byte seed)&gt;</c>; keep it secret.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    private const string PrivatePrefix = "PRIVATE+KEY+";
    private readonly Key key;

    private NoteSigner(string keyName, Key key)
    {
        KeyName = keyName;
        this.key = key;
        Verifier = NoteVerifier.Create(keyName, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string KeyName { get; }

    public uint KeyId => Verifier.KeyId;

    /// <summary>The matching verifier (publish its <see cref="NoteVerifier.ToString"/>).</summary>
    public NoteVerifier Verifier { get; }

    /// <summary>A new random key.</summary>
    public static NoteSigner Generate(string keyName)
    {
        if (!SignedNote.IsValidKeyName(keyName))
        {
            throw new ArgumentException("A key name is non-empty and has no spaces or '+'.", nameof(keyName));
        }

        return new NoteSigner(keyName, Key.Create(NoteKeys.Ed25519, Exportable));
    }

    /// <summary>Parses a signing key's text form; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? skey, out NoteSigner? signer, out string error)
    {
        signer = null;
        var text = (skey ?? string.Empty).Trim();
        if (!text.StartsWith(PrivatePrefix, StringComparison.Ordinal)
            || !NoteKeys.TrySplit(text[PrivatePrefix.Length..], out var name, out var keyId, out var blob, out error))
        {
            error = "not a signing key: expected PRIVATE+KEY+<name>+<key ID>+<base64 seed>";
            return false;
        }

        if (!Key.TryImport(NoteKeys.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPrivateKey, out var key, Exportable) || key is null)
        {
            error = "not a signing key: the Ed25519 seed is invalid";
            return false;
        }

        var candidate = new NoteSigner(name, key);
        if (candidate.KeyId != keyId)
        {
            candidate.Dispose();
            error = "not a signing key: the key ID does not belong to this name and key";
            return false;
        }

        signer = candidate;
        return true;
    }

    /// <summary>Signs a note text (which must end with a newline).</summary>
    public NoteSignature Sign(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new ArgumentException("A note's text ends with a newline.", nameof(text));
        }

        return new NoteSignature(KeyName, KeyId, NoteKeys.Ed25519.Sign(key, SignedNote.StrictUtf8.GetBytes(text)));
    }

    /// <summary>The secret text form of this key.</summary>
    public string ToSecretString() => PrivatePrefix + NoteKeys.Join(KeyName, KeyId, key.Export(KeyBlobFormat.RawPrivateKey));

    public void Dispose() => key.Dispose();

    /// <summary>The public key only; the secret form is <see cref="ToSecretString"/>.</summary>
    public override string ToString() => Verifier.ToString();

    private static KeyCreationParameters Exportable => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
