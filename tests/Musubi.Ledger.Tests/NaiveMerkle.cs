using System.Security.Cryptography;

namespace Musubi.Ledger.Tests;

/// <summary>
/// RFC 9162 §2.1 written out as its recursive definitions (MTH, PATH, PROOF/SUBPROOF) over a list of entries, with
/// SHA-256 called directly: the reference the real code is compared with. Slow and obviously right.
/// </summary>
internal sealed class NaiveMerkle(IReadOnlyList<byte[]> entries)
{
    private readonly Dictionary<(int, int), byte[]> memo = [];

    public static byte[] Entry(int i) => System.Text.Encoding.UTF8.GetBytes($"entry {i}");

    public static NaiveMerkle WithEntries(int n) => new([.. Enumerable.Range(0, n).Select(Entry)]);

    public byte[] LeafHash(int i) => SHA256.HashData([0x00, .. entries[i]]);

    /// <summary>MTH(D[lo:hi]).</summary>
    public byte[] Mth(int lo, int hi)
    {
        if (memo.TryGetValue((lo, hi), out var cached))
        {
            return cached;
        }

        byte[] hash;
        if (hi - lo == 0)
        {
            hash = SHA256.HashData([]);
        }
        else if (hi - lo == 1)
        {
            hash = LeafHash(lo);
        }
        else
        {
            var k = LargestPowerOfTwoBelow(hi - lo);
            hash = SHA256.HashData([0x01, .. Mth(lo, lo + k), .. Mth(lo + k, hi)]);
        }

        memo[(lo, hi)] = hash;
        return hash;
    }

    /// <summary>PATH(m, D[0:n]), flat.</summary>
    public byte[] Path(int m, int n) => [.. PathList(m, 0, n).SelectMany(h => h)];

    /// <summary>PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), flat.</summary>
    public byte[] Proof(int m, int n) => [.. Subproof(m, 0, n, true).SelectMany(h => h)];

    private List<byte[]> PathList(int m, int lo, int hi)
    {
        if (hi - lo == 1)
        {
            return [];
        }

        var k = LargestPowerOfTwoBelow(hi - lo);
        return m < k
            ? [.. PathList(m, lo, lo + k), Mth(lo + k, hi)]
            : [.. PathList(m - k, lo + k, hi), Mth(lo, lo + k)];
    }

    private List<byte[]> Subproof(int m, int lo, int hi, bool b)
    {
        var n = hi - lo;
        if (m == n)
        {
            return b ? [] : [Mth(lo, hi)];
        }

        var k = LargestPowerOfTwoBelow(n);
        return m <= k
            ? [.. Subproof(m, lo, lo + k, b), Mth(lo + k, hi)]
            : [.. Subproof(m - k, lo + k, hi, false), Mth(lo, lo + k)];
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
