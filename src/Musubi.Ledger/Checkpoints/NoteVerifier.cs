using NSec.Cryptography;

namespace Musubi.Ledger.Checkpoints;

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
