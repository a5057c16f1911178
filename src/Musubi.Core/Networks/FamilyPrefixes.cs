using System.Net.Sockets;
using System.Numerics;

namespace Musubi.Core.Networks;

/// <summary>The distinct prefixes of one address family, sorted by start and then length, each with its owner.</summary>
internal sealed class FamilyPrefixes<T>
    where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>, IMinMaxValue<T>
{
    private FamilyPrefixes(T[] starts, T[] ends, int[] lengths, int[] owners)
    {
        Starts = starts;
        Ends = ends;
        Lengths = lengths;
        Owners = owners;
    }

    public T[] Starts { get; }

    public T[] Ends { get; }

    public int[] Lengths { get; }

    public int[] Owners { get; }

    public int Count => Starts.Length;

    /// <summary>
    /// Keeps the first claim of each exact prefix. A later claim by another owner is recorded once per losing owner
    /// as (input order of the losing claim, conflict); the same owner claiming twice is not a conflict.
    /// </summary>
    public static FamilyPrefixes<T> FromClaims(
        PrefixClaim<T>[] claims, AddressFamily family, List<(int Order, PrefixConflict Conflict)> conflicts)
    {
        Array.Sort(claims);
        int bits = family == AddressFamily.InterNetwork ? 32 : 128;
        var starts = new List<T>(claims.Length);
        var ends = new List<T>(claims.Length);
        var lengths = new List<int>(claims.Length);
        var owners = new List<int>(claims.Length);

        int i = 0;
        while (i < claims.Length)
        {
            PrefixClaim<T> winner = claims[i];
            int groupConflicts = conflicts.Count;
            int j = i + 1;
            for (; j < claims.Length && claims[j].Start == winner.Start && claims[j].Length == winner.Length; j++)
            {
                int loser = claims[j].Owner;
                if (loser != winner.Owner && !AlreadyReported(conflicts, groupConflicts, loser))
                {
                    var prefix = new IpPrefix(family, UInt128.CreateTruncating(winner.Start), winner.Length);
                    conflicts.Add((claims[j].Order, new PrefixConflict(prefix, winner.Owner, loser)));
                }
            }

            starts.Add(winner.Start);
            ends.Add(winner.Start | HostMask(bits, winner.Length));
            lengths.Add(winner.Length);
            owners.Add(winner.Owner);
            i = j;
        }

        return new FamilyPrefixes<T>([.. starts], [.. ends], [.. lengths], [.. owners]);
    }

    public IpPrefix ToPrefix(int index, AddressFamily family) =>
        new(family, UInt128.CreateTruncating(Starts[index]), Lengths[index]);

    private static bool AlreadyReported(List<(int Order, PrefixConflict Conflict)> conflicts, int from, int loser)
    {
        for (int k = from; k < conflicts.Count; k++)
        {
            if (conflicts[k].Conflict.LosingOwner == loser)
            {
                return true;
            }
        }

        return false;
    }

    private static T HostMask(int bits, int length) => length == bits ? T.Zero : T.MaxValue >>> length;
}
