using NSec.Cryptography;

namespace Musubi.Ledger.Checkpoints;

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
