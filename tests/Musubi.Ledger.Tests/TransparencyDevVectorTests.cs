namespace Musubi.Ledger.Tests;

/// <summary>Every vector of transparency-dev/merkle: a verifier must return an error exactly when <c>wantErr</c> is true.</summary>
public sealed class TransparencyDevVectorTests
{
    public static TheoryData<string> InclusionVectors => MerkleVector.Files("inclusion");

    public static TheoryData<string> ConsistencyVectors => MerkleVector.Files("consistency");

    public static TheoryData<string> SubtreeInclusionVectors => MerkleVector.Files("subtreeinclusion");

    public static TheoryData<string> SubtreeConsistencyVectors => MerkleVector.Files("subtreeconsistency");

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void Inclusion_vector_is_rejected_exactly_when_it_expects_an_error(string file)
    {
        var vector = MerkleVector.Load(file);
        var proof = ProofFormat.Flatten(vector.Proof());
        var result = proof is null
            ? VerificationResult.Invalid(VerificationFailure.MalformedHash, "a proof hash is not 32 bytes")
            : MerkleVerifier.VerifyInclusion(vector.Number("leafIdx"), vector.Number("treeSize"), vector.Bytes("leafHash"), proof, vector.Bytes("root"));

        Check(vector, result);
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void Consistency_vector_is_rejected_exactly_when_it_expects_an_error(string file)
    {
        var vector = MerkleVector.Load(file);
        var proof = ProofFormat.Flatten(vector.Proof());
        var result = proof is null
            ? VerificationResult.Invalid(VerificationFailure.MalformedHash, "a proof hash is not 32 bytes")
            : MerkleVerifier.VerifyConsistency(vector.Number("size1"), vector.Number("size2"), vector.Bytes("root1"), vector.Bytes("root2"), proof);

        Check(vector, result);
    }

    [Theory]
    [MemberData(nameof(SubtreeInclusionVectors))]
    public void Subtree_inclusion_vector_is_rejected_exactly_when_it_expects_an_error(string file)
    {
        var vector = MerkleVector.Load(file);
        var proof = ProofFormat.Flatten(vector.Proof());
        var result = proof is null
            ? VerificationResult.Invalid(VerificationFailure.MalformedHash, "a proof hash is not 32 bytes")
            : MerkleVerifier.VerifySubtreeInclusion(
                vector.Number("leafIdx"), vector.Number("start"), vector.Number("end"), vector.Bytes("leafHash"), proof, vector.Bytes("root"));

        Check(vector, result);
    }

    [Theory]
    [MemberData(nameof(SubtreeConsistencyVectors))]
    public void Subtree_consistency_vector_is_rejected_exactly_when_it_expects_an_error(string file)
    {
        var vector = MerkleVector.Load(file);
        var proof = ProofFormat.Flatten(vector.Proof());
        var result = proof is null
            ? VerificationResult.Invalid(VerificationFailure.MalformedHash, "a proof hash is not 32 bytes")
            : MerkleVerifier.VerifySubtreeConsistency(
                vector.Number("start"), vector.Number("end"), vector.Number("size"), vector.Bytes("root1"), vector.Bytes("root2"), proof);

        Check(vector, result);
    }

    private static void Check(MerkleVector vector, VerificationResult result)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"{vector}: {result}");
        Assert.True(
            vector.WantError != result.IsValid,
            $"{vector}: wantErr={vector.WantError} but the verifier said {result}");
    }
}
