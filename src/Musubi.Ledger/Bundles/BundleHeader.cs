using System.Text.Json;
using System.Text.Json.Serialization;

namespace Musubi.Ledger.Bundles;

/// <summary>The first line of a bundle (docs/LEDGER-FORMAT.md).</summary>
internal sealed class BundleHeader
{
    public const string FormatName = "musubi-ledger-bundle";
    public const int CurrentVersion = 1;
    public const string RangeMode = "range";
    public const string SparseMode = "sparse";

    [JsonPropertyName("format")]
    public string? Format { get; set; }

    [JsonPropertyName("version")]
    public int Version { get; set; }

    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("origin")]
    public string? Origin { get; set; }

    [JsonPropertyName("treeSize")]
    public ulong TreeSize { get; set; }

    [JsonPropertyName("first")]
    public ulong First { get; set; }

    [JsonPropertyName("count")]
    public ulong Count { get; set; }

    [JsonPropertyName("verifierKey")]
    public string? VerifierKey { get; set; }

    [JsonPropertyName("checkpoint")]
    public string? Checkpoint { get; set; }

    [JsonPropertyName("rangeProof")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? RangeProof { get; set; }

    [JsonPropertyName("indices")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ulong>? Indices { get; set; }

    [JsonPropertyName("history")]
    public List<BundleHistoryEntry> History { get; set; } = [];

    [JsonPropertyName("createdAt")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CreatedAt { get; set; }

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; set; }

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
}

/// <summary>An older signed checkpoint and the consistency proof from it to the bundle's checkpoint.</summary>
internal sealed class BundleHistoryEntry
{
    [JsonPropertyName("checkpoint")]
    public string? Checkpoint { get; set; }

    [JsonPropertyName("consistencyProof")]
    public List<string> ConsistencyProof { get; set; } = [];
}
