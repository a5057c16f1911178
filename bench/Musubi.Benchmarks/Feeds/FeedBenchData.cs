using System.Globalization;
using System.Text;
using Musubi.Core.Networks;
using Musubi.Feeds.Pipeline;

namespace Musubi.Benchmarks.Feeds;

/// <summary>
/// Synthetic Shadowserver scan_smb reports (the legacy header, realistic values: 19 columns, about 150 bytes a row)
/// and a constituency: 20,000 owned /24s inside 2,000 ISP /16s, with a pyasn table for the ISPs.
/// </summary>
public static class FeedBenchData
{
    public const string Header = "\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\",\"region\",\"city\",\"naics\",\"sic\",\"smb_implant\",\"arch\",\"key\",\"smbv1_support\",\"smb_major_number\",\"smb_minor_number\",\"smb_revision\",\"smb_version_string\"";

    /// <param name="first">Row numbers run from here, so consecutive files hold different hosts.</param>
    public static byte[] ScanSmb(int rows, long first, DateTimeOffset now)
    {
        byte[] buffer = new byte[MaxBytes(rows)];
        return buffer.AsSpan(0, ScanSmbInto(buffer, rows, first, now)).ToArray();
    }

    /// <summary>Room <see cref="ScanSmbInto"/> needs for <paramref name="rows"/> rows.</summary>
    public static int MaxBytes(int rows) => Header.Length + 1 + (rows * 200);

    /// <summary>
    /// Writes the report's bytes into <paramref name="buffer"/> (reused from report to report, as a collector reuses
    /// a pooled read buffer) without allocating; returns the length.
    /// </summary>
    public static int ScanSmbInto(byte[] buffer, int rows, long first, DateTimeOffset now)
    {
        Span<byte> rest = buffer;
        int length = Encoding.ASCII.GetBytes(Header + "\n", rest);
        for (long i = first; i < first + rows; i++)
        {
            // Hosts alternate between 10.0.0.0/8 and 100.64.0.0/10; one row in ten repeats the previous host (a duplicate).
            long host = i % 10 == 9 ? i - 1 : i;
            // Multiplying by an odd constant is a bijection modulo a power of two, so hosts stay distinct
            // (16.7 million in 10.0.0.0/8, 4.2 million in 100.64.0.0/10).
            uint address = host % 2 == 0
                ? 0x0A000000u + (uint)((host / 2 * 2654435761L) & 0xFFFFFF)
                : 0x64400000u + (uint)((host / 2 * 2654435761L) & 0x3FFFFF);
            DateTimeOffset seen = now.AddMinutes(-(i % 600));
            Span<byte> to = buffer.AsSpan(length);
            bool ok = host % 2 == 0
                ? System.Text.Unicode.Utf8.TryWrite(to, CultureInfo.InvariantCulture,
                    $"\"{seen:yyyy-MM-dd HH:mm:ss}\",{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255},445,host-{address & 0xFFFF}.dyn.example.jp,smb,{64512 + (address >> 16 & 0x3FF)},JP,TOKYO,CHIYODA,517311,0,N,,,Y,3,1,1,\"SMB 3.1.1\"\n", out int written)
                : System.Text.Unicode.Utf8.TryWrite(to, CultureInfo.InvariantCulture,
                    $"\"{seen:yyyy-MM-dd HH:mm:ss}\",{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255},445,,smb,{64512 + (address >> 16 & 0x3FF)},JP,TOKYO,CHIYODA,517311,0,N,,,Y,3,1,1,\"SMB 3.1.1\"\n", out written);
            if (!ok)
            {
                throw new ArgumentException("the buffer is too small", nameof(buffer));
            }

            length += written;
        }

        return length;
    }

    public static NetworkOwnershipIndex Ownership()
    {
        var claims = new List<(IpPrefix, int)>();
        for (int i = 0; i < 20_000; i++)
        {
            claims.Add((IpPrefix.V4(0x0A000000u + ((uint)i << 8), 24), i));
        }

        return NetworkOwnershipIndex.Build(claims);
    }

    public static RoutingTable Routing()
    {
        var pyasn = new StringBuilder();
        for (int i = 0; i < 2_000; i++)
        {
            uint net = (i % 2 == 0 ? 0x0A000000u : 0x64400000u) + ((uint)(i / 2) << 16);
            pyasn.Append(CultureInfo.InvariantCulture, $"{net >> 24}.{(net >> 16) & 255}.0.0/16\t{64512 + i}\n");
        }

        return new RoutingTableBuilder().AddPyAsn(Encoding.ASCII.GetBytes(pyasn.ToString())).Build();
    }

    /// <summary>Each owner reports to its own recipient (daily); ISPs get the rest (daily).</summary>
    public static RoutingOptions Recipients()
    {
        var recipients = new List<Recipient>();
        var owners = new Dictionary<int, string>();
        var isps = new Dictionary<uint, string>();
        for (int i = 0; i < 20_000; i++)
        {
            recipients.Add(new Recipient($"org-{i}", TimeSpan.FromDays(1)));
            owners[i] = $"org-{i}";
        }

        for (int i = 0; i < 2_000; i++)
        {
            recipients.Add(new Recipient($"isp-{i}", TimeSpan.FromDays(1)));
            isps[(uint)(64512 + i)] = $"isp-{i}";
        }

        return new RoutingOptions { Recipients = recipients, OwnerRecipients = owners, AsnRecipients = isps };
    }
}
