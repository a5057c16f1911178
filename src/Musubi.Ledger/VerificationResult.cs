namespace Musubi.Ledger;

/// <summary>Why a proof did not verify.</summary>
public enum VerificationFailure
{
    /// <summary>The proof verified.</summary>
    None,

    /// <summary>A hash is not 32 bytes, or the proof's length is not a multiple of 32.</summary>
    MalformedHash,

    /// <summary>The leaf index is not below the tree size (or outside the subtree).</summary>
    IndexOutOfRange,

    /// <summary>The old size is greater than the new one, or the subtree is not a valid subtree of the tree.</summary>
    InvalidSizes,

    /// <summary>The proof has more hashes than the sizes call for.</summary>
    ProofTooLong,

    /// <summary>The proof has fewer hashes than the sizes call for.</summary>
    ProofTooShort,

    /// <summary>The sizes call for no proof (equal sizes, or an empty old tree), yet it has hashes.</summary>
    ProofNotEmpty,

    /// <summary>The root (or new root) computed from the proof differs from the one given.</summary>
    RootMismatch,

    /// <summary>The old root (or subtree hash) computed from the proof differs from the one given.</summary>
    OldRootMismatch,
}

/// <summary>
/// The outcome of checking a proof. A proof that does not verify is an expected answer, not an error, so the
/// verifiers return this instead of throwing; <see cref="Reason"/> says in a sentence what did not hold.
/// </summary>
public readonly record struct VerificationResult(VerificationFailure Failure, string Reason)
{
    /// <summary>The result of a proof that verified.</summary>
    public static VerificationResult Valid { get; } = new(VerificationFailure.None, "valid");

    /// <summary>True when the proof verified.</summary>
    public bool IsValid => Failure == VerificationFailure.None;

    internal static VerificationResult Invalid(VerificationFailure failure, string reason) => new(failure, reason);

    public override string ToString() => IsValid ? "valid" : $"invalid ({Failure}): {Reason}";
}
