using Org.BouncyCastle.Bcpg.OpenPgp;

namespace Musubi.Infrastructure.Feeds.Delivery;

/// <summary>Reads the deployment's OpenPGP secret key (armoured or binary) and picks the key that signs reports.</summary>
public static class OpenPgpSigningKey
{
    /// <summary>Largest key file read (a key ring with a few subkeys is a few kilobytes).</summary>
    public const long MaxBytes = 1 << 20;

    /// <summary>
    /// The first secret key of the file that can sign, has not expired and has its private part (a
    /// stub exported with <c>--export-secret-subkeys</c> is skipped): a signing subkey before the primary key.
    /// </summary>
    /// <exception cref="PgpException">No usable signing key in the file.</exception>
    public static PgpSecretKey Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxBytes)
        {
            throw new PgpException($"the key file is larger than {MaxBytes} bytes");
        }

        using var file = File.OpenRead(path);
        using var decoded = PgpUtilities.GetDecoderStream(file);
        var bundle = new PgpSecretKeyRingBundle(decoded);
        PgpSecretKey? primary = null;
        foreach (PgpSecretKeyRing ring in bundle.GetKeyRings())
        {
            foreach (PgpSecretKey key in ring.GetSecretKeys())
            {
                if (!key.IsSigningKey || key.IsPrivateKeyEmpty || Expired(key.PublicKey))
                {
                    continue;
                }

                if (!key.IsMasterKey)
                {
                    return key;
                }

                primary ??= key;
            }
        }

        return primary ?? throw new PgpException("the file holds no secret key that can sign");
    }

    private static bool Expired(PgpPublicKey key)
    {
        long seconds = key.GetValidSeconds();
        return seconds > 0 && key.CreationTime.AddSeconds(seconds) < DateTime.UtcNow;
    }
}
