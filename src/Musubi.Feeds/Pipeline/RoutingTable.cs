using System.Globalization;
using System.Numerics;
using Musubi.Core.Networks;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Pipeline;

/// <summary>
/// Internet routing facts for enrichment: prefix → origin ASN (from a pyasn ipasn.dat, longest prefix wins) and
/// prefix → country and ASN → country (from RIR delegated-stats files). Lookups do not allocate. Build with
/// <see cref="RoutingTableBuilder"/>.
/// </summary>
public sealed class RoutingTable
{
    private readonly NetworkOwnershipIndex _asnIndex;
    private readonly uint[] _asns;
    private readonly NetworkOwnershipIndex _countryIndex;
    private readonly Dictionary<uint, ushort> _asnCountries;

    internal RoutingTable(NetworkOwnershipIndex asnIndex, uint[] asns, NetworkOwnershipIndex countryIndex, Dictionary<uint, ushort> asnCountries)
    {
        _asnIndex = asnIndex;
        _asns = asns;
        _countryIndex = countryIndex;
        _asnCountries = asnCountries;
    }

    public static RoutingTable Empty { get; } = new RoutingTableBuilder().Build();

    public int AsnPrefixCount => _asnIndex.PrefixCount;

    public int CountryPrefixCount => _countryIndex.PrefixCount;

    /// <returns>The origin ASN of the longest matching prefix, or 0.</returns>
    public uint AsnOf(FeedAddress address)
    {
        int handle = Lookup(_asnIndex, address);
        return handle < 0 ? 0 : _asns[handle];
    }

    /// <returns>The country code packed as in <see cref="FeedEvent.SourceCountry"/>, or 0.</returns>
    public ushort CountryOf(FeedAddress address)
    {
        int handle = Lookup(_countryIndex, address);
        return handle < 0 ? (ushort)0 : (ushort)handle;
    }

    public ushort CountryOfAsn(uint asn) => _asnCountries.GetValueOrDefault(asn);

    private static int Lookup(NetworkOwnershipIndex index, FeedAddress address) =>
        address.IsEmpty ? -1 : address.IsV4 ? index.LookupV4((uint)address.Value) : index.LookupV6(address.Value);
}

/// <summary>Collects prefixes from pyasn and RIR files; each bad line is reported with its number and reason.</summary>
public sealed class RoutingTableBuilder
{
    public const int MaxLines = 5_000_000;

    private static readonly System.Buffers.SearchValues<byte> VersionChars = System.Buffers.SearchValues.Create("0123456789."u8);

    private readonly List<(IpPrefix Prefix, int Handle)> _asnPrefixes = [];
    private readonly List<uint> _asns = [];
    private readonly Dictionary<uint, int> _asnHandles = [];
    private readonly List<(IpPrefix Prefix, int Country)> _countryPrefixes = [];
    private readonly Dictionary<uint, ushort> _asnCountries = [];

    public List<FeedError> Errors { get; } = [];

    /// <summary>pyasn's IPASN data file: "prefix&lt;TAB&gt;asn" lines, ';' comments.</summary>
    public RoutingTableBuilder AddPyAsn(ReadOnlySpan<byte> data)
    {
        var lines = new LineReader(data);
        while (lines.Next(out ReadOnlySpan<byte> line, out int number, out _))
        {
            ReadOnlySpan<byte> t = line.Trim(" \t"u8);
            if (t.IsEmpty || t[0] == ';' || t[0] == '#')
            {
                continue;
            }

            if (number > MaxLines)
            {
                Errors.Add(new FeedError(number, $"more than {MaxLines} lines"));
                return this;
            }

            int tab = t.IndexOfAny((byte)'\t', (byte)' ');
            if (tab < 0 || !FeedAddress.TryParseCidr(t[..tab], out FeedAddress network))
            {
                Errors.Add(new FeedError(number, "expected 'prefix<TAB>asn'"));
                continue;
            }

            if (!FeedParseContext.TryAsn(t[(tab + 1)..].Trim(" \t"u8), out uint asn) || asn == 0)
            {
                Errors.Add(new FeedError(number, "the ASN is not a number above 0"));
                continue;
            }

            if (!_asnHandles.TryGetValue(asn, out int handle))
            {
                handle = _asns.Count;
                _asns.Add(asn);
                _asnHandles[asn] = handle;
            }

            _asnPrefixes.Add((ToPrefix(network), handle));
        }

        return this;
    }

    /// <summary>
    /// An RIR delegated-stats file (registry|cc|type|start|value|date|status): ipv4 ranges (start, count of addresses,
    /// split into prefixes), ipv6 prefixes (start, length) and ASN ranges (start, count) with their country. The
    /// version line, summary lines and records without a country are skipped.
    /// </summary>
    public RoutingTableBuilder AddRirDelegated(ReadOnlySpan<byte> data)
    {
        var lines = new LineReader(data);
        Span<Range> f = stackalloc Range[10];
        while (lines.Next(out ReadOnlySpan<byte> line, out int number, out _))
        {
            ReadOnlySpan<byte> t = line.Trim(" \t"u8);
            if (t.IsEmpty || t[0] == '#')
            {
                continue;
            }

            int n = PlainFields.Split(t, (byte)'|', f);
            if (number == 1 && n > 0 && t[f[0]].IndexOfAnyExcept(VersionChars) < 0)
            {
                continue; // the version line: 2|apnic|20261126|...
            }

            if (n < 7)
            {
                if (n == 6 && t[f[5]].SequenceEqual("summary"u8))
                {
                    continue;
                }

                Errors.Add(new FeedError(number, "expected registry|cc|type|start|value|date|status"));
                continue;
            }

            ReadOnlySpan<byte> cc = t[f[1]];
            ReadOnlySpan<byte> type = t[f[2]];
            ReadOnlySpan<byte> start = t[f[3]];
            if (cc.SequenceEqual("*"u8) || cc.IsEmpty)
            {
                continue;
            }

            if (cc.Length != 2 || !char.IsAsciiLetter((char)cc[0]) || !char.IsAsciiLetter((char)cc[1]))
            {
                Errors.Add(new FeedError(number, "the country is not two letters"));
                continue;
            }

            ushort country = FeedEvent.PackCountry((char)cc[0], (char)cc[1]);
            if (!ulong.TryParse(t[f[4]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) || value == 0)
            {
                Errors.Add(new FeedError(number, "the value (count or prefix length) is not a positive number"));
                continue;
            }

            if (type.SequenceEqual("asn"u8))
            {
                if (!FeedParseContext.TryAsn(start, out uint first) || value > uint.MaxValue - (ulong)first)
                {
                    Errors.Add(new FeedError(number, "the ASN range is not valid"));
                    continue;
                }

                for (ulong a = first; a < first + Math.Min(value, 65536); a++)
                {
                    _asnCountries[(uint)a] = country;
                }
            }
            else if (type.SequenceEqual("ipv4"u8))
            {
                if (!FeedAddress.TryParseV4(start, out uint address) || address + value - 1 > uint.MaxValue)
                {
                    Errors.Add(new FeedError(number, "the IPv4 range is not valid"));
                    continue;
                }

                AddV4Range(address, (uint)(address + value - 1), country);
            }
            else if (type.SequenceEqual("ipv6"u8))
            {
                if (!FeedAddress.TryParse(start, out FeedAddress address) || address.IsV4 || value > 128
                    || (value < 128 && (address.Value & ((UInt128.One << (128 - (int)value)) - 1)) != 0))
                {
                    Errors.Add(new FeedError(number, "the IPv6 prefix is not valid"));
                    continue;
                }

                _countryPrefixes.Add((IpPrefix.V6(address.Value, (int)value), country));
            }
        }

        return this;
    }

    public RoutingTable Build() =>
        new(NetworkOwnershipIndex.Build(_asnPrefixes), [.. _asns], NetworkOwnershipIndex.Build(_countryPrefixes), new Dictionary<uint, ushort>(_asnCountries));

    /// <summary>Covers [first, last] with the fewest aligned prefixes.</summary>
    private void AddV4Range(uint first, uint last, ushort country)
    {
        ulong at = first;
        while (at <= last)
        {
            int alignment = at == 0 ? 32 : BitOperations.TrailingZeroCount((uint)at);
            int span = 63 - BitOperations.LeadingZeroCount(last - at + 1);
            int bits = Math.Min(alignment, span);
            _countryPrefixes.Add((IpPrefix.V4((uint)at, 32 - bits), country));
            at += 1UL << bits;
        }
    }

    private static IpPrefix ToPrefix(FeedAddress network) =>
        network.IsV4 ? IpPrefix.V4((uint)network.Value, network.PrefixLength) : IpPrefix.V6(network.Value, network.PrefixLength);
}
