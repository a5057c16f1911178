using System.Runtime.InteropServices;
using Musubi.Feeds.Events;

namespace Musubi.Feeds.Pipeline;

/// <summary>Which fields make two events "the same" for de-duplication.</summary>
[Flags]
public enum DedupFields
{
    None = 0,
    SourceAddress = 1,
    SourcePort = 2,
    SourceAsn = 4,
    SourceFqdn = 8,
    SourceUrl = 16,
    DestinationAddress = 32,
    DestinationPort = 64,
    Taxonomy = 128,
    Type = 256,
    Identifier = 512,
    MalwareName = 1024,
    FeedName = 2048,
    TimeSource = 4096,

    /// <summary>The usual key: the same host, the same kind of problem, the same malware, from the same feed.</summary>
    Default = SourceAddress | SourceFqdn | SourceUrl | SourceAsn | Type | Identifier | MalwareName | FeedName,
}

/// <summary>A 64-bit hash of the chosen fields (collisions among 5 million keys: about one in a million runs).</summary>
public static class DeduplicationKey
{
    public static ulong Of(in FeedEvent e, DedupFields fields)
    {
        ulong h = 0xCBF29CE484222325;
        if ((fields & DedupFields.SourceAddress) != 0)
        {
            UInt128 v = e.Source.Value;
            h = Mix(h, (ulong)(v >> 64));
            h = Mix(h, (ulong)v);
            h = Mix(h, ((ulong)(uint)e.Source.PrefixLength << 8) + (e.Source.IsEmpty ? 0UL : e.Source.IsV4 ? 4UL : 6UL));
        }

        if ((fields & DedupFields.SourcePort) != 0)
        {
            h = Mix(h, (ulong)(uint)e.SourcePort);
        }

        if ((fields & DedupFields.SourceAsn) != 0)
        {
            h = Mix(h, e.SourceAsn);
        }

        if ((fields & DedupFields.SourceFqdn) != 0)
        {
            h = Mix(h, Text(e.SourceFqdn));
        }

        if ((fields & DedupFields.SourceUrl) != 0)
        {
            h = Mix(h, Text(e.SourceUrl));
        }

        if ((fields & DedupFields.DestinationAddress) != 0)
        {
            UInt128 v = e.Destination.Value;
            h = Mix(Mix(h, (ulong)(v >> 64)), (ulong)v);
        }

        if ((fields & DedupFields.DestinationPort) != 0)
        {
            h = Mix(h, (ulong)(uint)e.DestinationPort);
        }

        if ((fields & DedupFields.Taxonomy) != 0)
        {
            h = Mix(h, (ulong)e.Taxonomy);
        }

        if ((fields & DedupFields.Type) != 0)
        {
            h = Mix(h, (ulong)e.Type);
        }

        if ((fields & DedupFields.Identifier) != 0)
        {
            h = Mix(h, (ulong)e.Identifier);
        }

        if ((fields & DedupFields.MalwareName) != 0)
        {
            h = Mix(h, (ulong)e.MalwareName);
        }

        if ((fields & DedupFields.FeedName) != 0)
        {
            h = Mix(h, (ulong)e.FeedName);
        }

        if ((fields & DedupFields.TimeSource) != 0)
        {
            h = Mix(h, (ulong)e.TimeSource);
        }

        return Finish(h);
    }

    private static ulong Mix(ulong h, ulong v)
    {
        h ^= v * 0x9E3779B97F4A7C15;
        h = ulong.RotateLeft(h, 27) * 0x94D049BB133111EB;
        return h;
    }

    private static ulong Finish(ulong h)
    {
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9;
        h ^= h >> 29;
        return h;
    }

    private static ulong Text(string? s)
    {
        if (s is null)
        {
            return 0;
        }

        ulong h = 0x100000001B3;
        foreach (ulong chunk in MemoryMarshal.Cast<char, ulong>(s.AsSpan(0, s.Length & ~3)))
        {
            h = Mix(h, chunk);
        }

        for (int i = s.Length & ~3; i < s.Length; i++)
        {
            h = Mix(h, s[i]);
        }

        return Mix(h, (ulong)s.Length);
    }
}
