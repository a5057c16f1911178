using System.Text.Json;
using Musubi.Testing;

namespace Musubi.Ledger.Tests;

/// <summary>
/// One test vector of transparency-dev/merkle (shared/corpora/merkle/transparency-dev/testdata): base64 hashes, and
/// <c>wantErr</c> for whether a verifier must reject it.
/// </summary>
internal sealed class MerkleVector
{
    private const string Absent = "(corpora absent)";

    private MerkleVector(string name, JsonElement json)
    {
        Name = name;
        Json = json;
    }

    public string Name { get; }

    private JsonElement Json { get; }

    public bool WantError => Json.GetProperty("wantErr").GetBoolean();

    public string Description => Json.TryGetProperty("desc", out var d) ? d.GetString() ?? string.Empty : string.Empty;

    /// <summary>The vector files of one kind (inclusion, consistency, subtreeinclusion, subtreeconsistency), by relative path.</summary>
    public static TheoryData<string> Files(string kind)
    {
        var data = new TheoryData<string>();
        var corpora = Corpora.Path;
        var folder = corpora is null ? null : Path.Combine(corpora, "merkle", "transparency-dev", "testdata", kind);
        if (folder is null || !Directory.Exists(folder))
        {
            data.Add($"{kind}/{Absent}");
            return data;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Path.GetDirectoryName(folder)!, file).Replace('\\', '/'));
        }

        return data;
    }

    /// <summary>Loads a vector by relative path; skips the test when the corpora are absent.</summary>
    public static MerkleVector Load(string relativePath)
    {
        var root = Corpora.Require("merkle", "transparency-dev", "testdata");
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, relativePath)));
        return new MerkleVector(relativePath, document.RootElement.Clone());
    }

    public ulong Number(string name) => Json.GetProperty(name).GetUInt64();

    public byte[] Bytes(string name) =>
        Json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Convert.FromBase64String(value.GetString()!) : [];

    /// <summary>The proof's hashes, as the file has them (some deliberately not 32 bytes long).</summary>
    public List<byte[]> Proof()
    {
        var hashes = new List<byte[]>();
        if (Json.TryGetProperty("proof", out var proof) && proof.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in proof.EnumerateArray())
            {
                hashes.Add(Convert.FromBase64String(item.GetString() ?? string.Empty));
            }
        }

        return hashes;
    }

    public override string ToString() => $"{Name} ({Description})";
}
