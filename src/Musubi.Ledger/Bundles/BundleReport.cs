using System.Globalization;

namespace Musubi.Ledger.Bundles;

/// <summary>What is wrong with a bundle.</summary>
public enum BundleProblemKind
{
    /// <summary>A line is not what the format says (bad JSON, a missing field, a malformed hash).</summary>
    Malformed,

    /// <summary>The checkpoint is not signed by a trusted key (or its signature does not match it).</summary>
    CheckpointNotTrusted,

    /// <summary>The header and the signed checkpoint disagree (origin or tree size).</summary>
    CheckpointMismatch,

    /// <summary>An older checkpoint in the bundle is not signed or not consistent with the bundle's checkpoint.</summary>
    HistoryInconsistent,

    /// <summary>An entry the bundle should hold is not there.</summary>
    Missing,

    /// <summary>An entry appears more than once.</summary>
    Duplicate,

    /// <summary>An entry appears before an entry with a smaller index.</summary>
    OutOfOrder,

    /// <summary>An entry's index is outside what the header says the bundle holds.</summary>
    OutOfRange,

    /// <summary>The entry's payload differs from what the log signed; its leaf hash is the signed one.</summary>
    PayloadAltered,

    /// <summary>The entry's leaf hash was altered; its payload is the one the log signed.</summary>
    LeafHashAltered,

    /// <summary>The entry's payload and leaf hash disagree, and which of them was altered cannot be told.</summary>
    EntryAltered,

    /// <summary>A sparse entry's inclusion proof does not lead to the signed root.</summary>
    ProofInvalid,

    /// <summary>The entries do not lead to the signed root.</summary>
    RootMismatch,
}

/// <summary>One finding; <see cref="Index"/> is the entry concerned and <see cref="Line"/> its line in the file (1-based).</summary>
public sealed record BundleProblem(BundleProblemKind Kind, ulong? Index, long? Line, string Message)
{
    public override string ToString()
    {
        var where = (Index, Line) switch
        {
            ({ } i, { } l) => $"entry {i} (line {l}): ",
            ({ } i, null) => $"entry {i}: ",
            (null, { } l) => $"line {l}: ",
            _ => string.Empty,
        };
        return $"{where}{Message}";
    }
}

/// <summary>The outcome of <see cref="BundleVerifier.Verify(string, BundleVerifierOptions?)"/>.</summary>
public sealed class BundleReport
{
    internal readonly List<BundleProblem> ListedProblems = [];
    internal readonly List<string> NoteList = [];

    /// <summary>True when the checkpoint is trusted and every entry, proof and root checks out.</summary>
    public bool IsValid => ProblemCount == 0 && CheckpointTrusted;

    /// <summary>True when the checkpoint's signature verified with a trusted key (or, without any, the bundle's own key).</summary>
    public bool CheckpointTrusted { get; internal set; }

    public string? Mode { get; internal set; }

    public string? Origin { get; internal set; }

    public ulong TreeSize { get; internal set; }

    public ulong First { get; internal set; }

    public ulong Count { get; internal set; }

    /// <summary>The checkpoint's root hash, when it could be read.</summary>
    public byte[]? Root { get; internal set; }

    /// <summary>The key that signed the checkpoint, as a verifier key.</summary>
    public string? SignerKey { get; internal set; }

    /// <summary>Entry lines read.</summary>
    public long EntryLines { get; internal set; }

    /// <summary>Payloads hashed and compared with their leaf.</summary>
    public long PayloadsChecked { get; internal set; }

    /// <summary>Entries whose payload was removed (retention); their leaf hash still counts.</summary>
    public long PayloadsRemoved { get; internal set; }

    public long BytesRead { get; internal set; }

    public TimeSpan Elapsed { get; internal set; }

    /// <summary>All problems found (only the first <see cref="BundleVerifierOptions.MaxListedProblems"/> are listed).</summary>
    public long ProblemCount { get; internal set; }

    public IReadOnlyList<BundleProblem> Problems => ListedProblems;

    /// <summary>Things the reader should know that are not problems (which key signed, history checked).</summary>
    public IReadOnlyList<string> Notes => NoteList;

    /// <summary>Writes the report for a person: what the bundle claims, what was checked, and every problem.</summary>
    public void WriteTo(TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(culture, $"Log:      {Origin ?? "(unknown)"}, tree size {TreeSize}, root {(Root is null ? "(unknown)" : Convert.ToHexStringLower(Root))}"));
        output.WriteLine(string.Create(culture, $"Bundle:   {Mode ?? "?"} of {Count} entries{(Mode == BundleHeader.RangeMode && Count > 0 ? $" ({First} to {First + Count - 1})" : string.Empty)}"));
        output.WriteLine(string.Create(culture, $"Checked:  {EntryLines} entry lines, {PayloadsChecked} payloads hashed, {PayloadsRemoved} removed under retention; {BytesRead:N0} bytes in {Elapsed.TotalSeconds:0.000} s"));
        if (SignerKey is not null)
        {
            output.WriteLine($"Key:      {SignerKey}");
        }

        foreach (var note in Notes)
        {
            output.WriteLine($"Note:     {note}");
        }

        if (IsValid)
        {
            output.WriteLine("Result:   VALID: every entry is in the signed log, unaltered, none missing.");
            return;
        }

        output.WriteLine(string.Create(culture, $"Result:   INVALID: {ProblemCount} problem{(ProblemCount == 1 ? string.Empty : "s")}"));
        foreach (var problem in Problems)
        {
            output.WriteLine($"  - {problem}");
        }

        if (ProblemCount > Problems.Count)
        {
            output.WriteLine(string.Create(culture, $"  … and {ProblemCount - Problems.Count} more"));
        }
    }

    public override string ToString()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }
}
