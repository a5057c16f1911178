using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Musubi.Detection.Ingestion;

/// <summary>An autonomous system: its number and, when the table has one, its name and country.</summary>
public sealed record AutonomousSystem(uint Number, string? Name, string? Country);

/// <summary>A line of an ASN table that could not be read: where and why.</summary>
public sealed class AsnTableFormatException(int line, string reason) : FormatException($"line {line}: {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;
}

/// <summary>
/// Address → origin AS, loaded from a text file. Two line forms, tab-separated, '#' or ';' comments and blank lines
/// ignored, IPv4 and IPv6 mixed:
/// <list type="bullet">
/// <item>iptoasn.com (<c>ip2asn-combined.tsv</c>): <c>range_start  range_end  AS_number  country_code  AS_description</c>;
/// AS 0 ("Not routed") rows are skipped;</item>
/// <item>pyasn / RIR-derived: <c>prefix/len  AS_number</c>.</item>
/// </list>
/// Ranges may not overlap (the later of two overlapping ranges is refused with its line number); lookups are a binary
/// search over sorted ranges, no allocation. At most <see cref="MaxLines"/> lines, each at most 1,024 characters.
/// </summary>
public sealed class AsnTable
{
    public const int MaxLines = 5_000_000;

    private readonly UInt128[] starts;
    private readonly UInt128[] ends;
    private readonly int[] systems;
    private readonly AutonomousSystem[] table;

    private AsnTable(UInt128[] starts, UInt128[] ends, int[] systems, AutonomousSystem[] table)
    {
        this.starts = starts;
        this.ends = ends;
        this.systems = systems;
        this.table = table;
    }

    public static AsnTable Empty { get; } = new([], [], [], []);

    /// <summary>Ranges in the table.</summary>
    public int Count => starts.Length;

    /// <summary>Loads a file (see the class summary); null or empty path: <see cref="Empty"/>.</summary>
    public static AsnTable Load(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return Empty;
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        return Parse(reader);
    }

    /// <summary>Reads a table; throws <see cref="AsnTableFormatException"/> naming the first bad line.</summary>
    public static AsnTable Parse(TextReader reader)
    {
        var ranges = new List<(UInt128 Start, UInt128 End, int System, int Line)>();
        var systems = new List<AutonomousSystem>();
        var byKey = new Dictionary<(uint, string?, string?), int>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (number > MaxLines)
            {
                throw new AsnTableFormatException(number, $"more than {MaxLines:N0} lines");
            }

            if (line.Length > 1024)
            {
                throw new AsnTableFormatException(number, "line longer than 1,024 characters");
            }

            var text = line.Trim();
            if (text.Length == 0 || text[0] is '#' or ';')
            {
                continue;
            }

            var cols = text.Split('\t');
            UInt128 start, end;
            uint asn;
            string? country = null, name = null;
            if (cols.Length == 2 && cols[0].Contains('/', StringComparison.Ordinal))
            {
                if (!TryPrefix(cols[0].Trim(), out start, out end))
                {
                    throw new AsnTableFormatException(number, $"'{cols[0]}' is not an address prefix");
                }

                asn = Asn(cols[1], number);
            }
            else if (cols.Length >= 3)
            {
                if (!TryAddress(cols[0].Trim(), out start, out var v6a) || !TryAddress(cols[1].Trim(), out end, out var v6b) || v6a != v6b)
                {
                    throw new AsnTableFormatException(number, $"'{cols[0]}'–'{cols[1]}' is not a range of addresses of one family");
                }

                if (end < start)
                {
                    throw new AsnTableFormatException(number, "range end before range start");
                }

                asn = Asn(cols[2], number);
                country = cols.Length > 3 && cols[3].Trim() is { Length: > 0 } c && c != "None" ? c : null;
                name = cols.Length > 4 && cols[4].Trim() is { Length: > 0 } d && d != "Not routed" ? d : null;
            }
            else
            {
                throw new AsnTableFormatException(number, "expected 'start<TAB>end<TAB>asn<TAB>country<TAB>name' or 'prefix<TAB>asn'");
            }

            if (asn == 0)
            {
                continue;
            }

            var key = (asn, name, country);
            if (!byKey.TryGetValue(key, out var index))
            {
                byKey[key] = index = systems.Count;
                systems.Add(new AutonomousSystem(asn, name, country));
            }

            ranges.Add((start, end, index, number));
        }

        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Start <= ranges[i - 1].End)
            {
                var later = Math.Max(ranges[i].Line, ranges[i - 1].Line);
                throw new AsnTableFormatException(later, $"range overlaps the range of line {Math.Min(ranges[i].Line, ranges[i - 1].Line)}");
            }
        }

        return new AsnTable([.. ranges.Select(r => r.Start)], [.. ranges.Select(r => r.End)], [.. ranges.Select(r => r.System)], [.. systems]);
    }

    /// <summary>The origin AS of <paramref name="address"/>, or null.</summary>
    public AutonomousSystem? Lookup(IPAddress address)
    {
        if (starts.Length == 0)
        {
            return null;
        }

        var key = Key(address);
        int lo = 0, hi = starts.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (starts[mid] <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 && ends[found] >= key ? table[systems[found]] : null;
    }

    /// <summary>IPv4 addresses live in the IPv4-mapped part of the IPv6 space, so one sorted array holds both.</summary>
    private static UInt128 Key(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes.Clear();
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            address.TryWriteBytes(bytes[12..], out _);
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
        }

        return BinaryPrimitivesBigEndian(bytes);
    }

    private static UInt128 BinaryPrimitivesBigEndian(ReadOnlySpan<byte> b) =>
        new(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b), System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b[8..]));

    private static bool TryAddress(string text, out UInt128 key, out bool v6)
    {
        key = default;
        v6 = false;
        if (!IPAddress.TryParse(text, out var address) || (address.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
        {
            return false;
        }

        v6 = address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6;
        key = Key(address);
        return true;
    }

    private static bool TryPrefix(string text, out UInt128 start, out UInt128 end)
    {
        start = end = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!TryAddress(text[..slash], out var key, out var v6)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > (v6 ? 128 : 32))
        {
            return false;
        }

        var hostBits = (v6 ? 128 : 32) - length;
        var mask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        start = key & ~mask;
        end = start | mask;
        return true;
    }

    private static uint Asn(string text, int line)
    {
        var t = text.Trim();
        if (t.StartsWith("AS", StringComparison.OrdinalIgnoreCase))
        {
            t = t[2..];
        }

        return uint.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var asn)
            ? asn
            : throw new AsnTableFormatException(line, $"'{text}' is not an AS number");
    }
}
