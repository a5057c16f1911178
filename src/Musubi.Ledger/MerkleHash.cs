namespace Musubi.Ledger;

/// <summary>
/// The two hashes of an RFC 9162 (Certificate Transparency 2.0, §2.1.1) Merkle tree with SHA-256: a leaf is
/// <c>SHA-256(0x00 ‖ data)</c>, an interior node <c>SHA-256(0x01 ‖ left ‖ right)</c>. The different prefixes keep a
/// leaf from ever being taken for a node (second-preimage resistance).
/// </summary>
/// <remarks>
/// The span overloads allocate nothing. The destination may overlap the inputs (<c>Node(p, r, r)</c> is fine): the
/// inputs are read in full before the destination is written. Hashing goes through <see cref="Sha256"/>, which calls
/// OpenSSL's SHA-256 directly where it can (see there why).
/// </remarks>
public static class MerkleHash
{
    /// <summary>Bytes in every hash of the tree.</summary>
    public const int Size = 32;

    /// <summary>The domain-separation byte before a leaf's data.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>The domain-separation byte before two child hashes.</summary>
    public const byte NodePrefix = 0x01;

    /// <summary>The root of the empty tree, <c>MTH({}) = SHA-256()</c> (RFC 9162 §2.1.1).</summary>
    public static ReadOnlySpan<byte> EmptyTreeRoot =>
    [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    ];

    /// <summary>Writes the leaf hash <c>SHA-256(0x00 ‖ data)</c> of one entry to <paramref name="destination"/>.</summary>
    public static void Leaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        CheckDestination(destination);
        Sha256.Hash(LeafPrefix, data, [], destination);
    }

    /// <summary>The leaf hash <c>SHA-256(0x00 ‖ data)</c> of one entry.</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        var hash = new byte[Size];
        Leaf(data, hash);
        return hash;
    }

    /// <summary>Writes the node hash <c>SHA-256(0x01 ‖ left ‖ right)</c> to <paramref name="destination"/>.</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        CheckHash(left, nameof(left));
        CheckHash(right, nameof(right));
        CheckDestination(destination);
        Sha256.Hash(NodePrefix, left, right, destination);
    }

    /// <summary>The node hash <c>SHA-256(0x01 ‖ left ‖ right)</c>.</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    internal static void CheckHash(ReadOnlySpan<byte> hash, string name)
    {
        if (hash.Length != Size)
        {
            throw new ArgumentException($"A Merkle hash is {Size} bytes, not {hash.Length}.", name);
        }
    }

    private static void CheckDestination(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination needs {Size} bytes, not {destination.Length}.", nameof(destination));
        }
    }
}
