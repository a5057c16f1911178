using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Musubi.Ledger;

/// <summary>
/// SHA-256 of a one-byte prefix followed by up to two spans, the shape of every Merkle hash, without copying the
/// inputs together.
/// </summary>
/// <remarks>
/// <para>Why not only <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>: on Linux it goes to OpenSSL 3
/// through the EVP interface, which sets up and frees a digest context on every call. For the 65-byte input of a
/// node hash that costs several times the hashing itself (measured here: about 400 ns against 60–100 ns), and a
/// ledger hashes two small inputs per entry. OpenSSL's plain <c>SHA256_Init/Update/Final</c> work on a context on
/// our stack and use the same SHA-NI code, so this class calls them when they are there.</para>
/// <para>Safety: the functions are looked up in the libcrypto that .NET itself uses (<c>libcrypto.so.3</c>, else
/// <c>.so.1.1</c>); the context is larger than OpenSSL's <c>SHA256_CTX</c> (112 bytes); a known-answer test runs
/// before first use; anything missing or wrong, any platform other than Linux, or
/// <c>MUSUBI_LEDGER_MANAGED_SHA256=1</c> falls back to <see cref="SHA256"/>. The tests compare both paths.</para>
/// </remarks>
internal static unsafe class Sha256
{
    private const int ContextSize = 256; // OpenSSL's SHA256_CTX is 112 bytes; leave room.

    // Inputs up to this size are framed in one stack buffer and hashed with calls that skip the GC transition (they
    // take well under a microsecond, the limit for SuppressGCTransition); larger ones use ordinary calls.
    private const int SmallInput = 1024;

    private static readonly delegate* unmanaged<byte*, int> Init;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged<byte*, byte*, int> Final;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> QuickInit;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> QuickUpdate;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> QuickFinal;

    static Sha256()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MUSUBI_LEDGER_MANAGED_SHA256") == "1")
        {
            return;
        }

        foreach (var name in (string[])["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (NativeLibrary.TryLoad(name, out var library)
                && NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
                && NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
                && NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
            {
                Init = (delegate* unmanaged<byte*, int>)init;
                Update = (delegate* unmanaged<byte*, byte*, nuint, int>)update;
                Final = (delegate* unmanaged<byte*, byte*, int>)final;
                QuickInit = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
                QuickUpdate = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
                QuickFinal = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
                if (KnownAnswerHolds())
                {
                    IsNative = true;
                    return;
                }
            }
        }
    }

    /// <summary>True when hashing goes straight to OpenSSL's SHA-256 functions.</summary>
    public static bool IsNative { get; }

    /// <summary>Writes <c>SHA-256(prefix ‖ first ‖ second)</c> to <paramref name="destination"/> (32 bytes).</summary>
    public static void Hash(byte prefix, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (IsNative)
        {
            HashNative(prefix, first, second, destination);
        }
        else
        {
            HashManaged(prefix, first, second, destination);
        }
    }

    /// <summary>The portable path (also used by the tests to check the native one).</summary>
    internal static void HashManaged(byte prefix, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        var length = 1 + first.Length + second.Length;
        if (length <= 1024)
        {
            Span<byte> framed = stackalloc byte[length];
            framed[0] = prefix;
            first.CopyTo(framed[1..]);
            second.CopyTo(framed[(1 + first.Length)..]);
            SHA256.HashData(framed, destination);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([prefix]);
        hash.AppendData(first);
        hash.AppendData(second);
        hash.GetHashAndReset(destination);
    }

    private static void HashNative(byte prefix, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        var context = stackalloc byte[ContextSize];
        var digest = stackalloc byte[32];
        var length = 1 + first.Length + second.Length;
        if (length <= SmallInput)
        {
            var framed = stackalloc byte[SmallInput];
            framed[0] = prefix;
            first.CopyTo(new Span<byte>(framed + 1, first.Length));
            second.CopyTo(new Span<byte>(framed + 1 + first.Length, second.Length));
            QuickInit(context);
            QuickUpdate(context, framed, (nuint)length);
            QuickFinal(digest, context);
            new ReadOnlySpan<byte>(digest, 32).CopyTo(destination);
            return;
        }

        Init(context);
        Update(context, &prefix, 1);
        fixed (byte* a = first)
        {
            if (first.Length > 0)
            {
                Update(context, a, (nuint)first.Length);
            }
        }

        fixed (byte* b = second)
        {
            if (second.Length > 0)
            {
                Update(context, b, (nuint)second.Length);
            }
        }

        Final(digest, context);
        new ReadOnlySpan<byte>(digest, 32).CopyTo(destination);
    }

    private static bool KnownAnswerHolds()
    {
        try
        {
            Span<byte> expected = stackalloc byte[32];
            Span<byte> actual = stackalloc byte[32];
            // Small inputs (one framed call) and large ones (three calls) take different paths: test both.
            Span<byte> data = stackalloc byte[3 * SmallInput];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (byte)(i * 31);
            }

            foreach (var (length, split) in (ReadOnlySpan<(int, int)>)[(55, 0), (55, 7), (64, 32), (2 * SmallInput, 0), (3 * SmallInput, SmallInput + 3)])
            {
                var input = data[..length];
                HashManaged(0x01, input[..split], input[split..], expected);
                HashNative(0x01, input[..split], input[split..], actual);
                if (!expected.SequenceEqual(actual))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or AccessViolationException)
        {
            return false;
        }
    }
}
