using Musubi.Ledger.Checkpoints;

namespace Musubi.Ledger.Tests;

public sealed class CheckpointTests
{
    // The example of golang.org/x/mod/sumdb/note's documentation, an independent implementation of the same
    // format: Ed25519 is deterministic, so signing its text with its key must give its signature exactly.
    private const string GoSigningKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string GoVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string GoText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string GoSignatureLine = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    [Fact]
    public void The_go_note_example_signs_and_verifies_byte_for_byte()
    {
        Assert.True(NoteSigner.TryParse(GoSigningKey, out var signer, out var error), error);
        using (signer)
        {
            Assert.Equal(0xc74f20a3u, signer!.KeyId);
            Assert.Equal(GoVerifierKey, signer.Verifier.ToString());
            Assert.Equal(GoSigningKey, signer.ToSecretString());
            Assert.Equal(GoSignatureLine, signer.Sign(GoText).ToLine());
        }

        Assert.True(NoteVerifier.TryParse(GoVerifierKey, out var verifier, out error), error);
        Assert.True(SignedNote.TryParse(GoText + "\n" + GoSignatureLine, out var note, out error), error);
        Assert.Equal(GoText, note!.Text);
        Assert.True(note.Verify([verifier!]).IsValid);
    }

    [Fact]
    public void A_signed_checkpoint_opens_with_its_key_and_gives_back_the_same_checkpoint()
    {
        using var signer = NoteSigner.Generate("musubi.example/ledger");
        var (naive, _) = MerkleTreeTests.Trees(12);
        var checkpoint = new Checkpoint("musubi.example/ledger", 12, naive.Mth(0, 12));

        var signed = checkpoint.Sign(signer);
        TestContext.Current.TestOutputHelper?.WriteLine(signed);
        Assert.StartsWith($"musubi.example/ledger\n12\n{Convert.ToBase64String(naive.Mth(0, 12))}\n\n\u2014 musubi.example/ledger ", signed, StringComparison.Ordinal);

        var opened = Checkpoint.Open(signed, signer.Verifier);
        Assert.True(opened.IsValid, opened.Reason);
        Assert.Equal(checkpoint, opened.Checkpoint);
    }

    [Fact]
    public void A_checkpoint_signed_by_another_key_is_rejected()
    {
        using var signer = NoteSigner.Generate("musubi.example/ledger");
        using var impostor = NoteSigner.Generate("musubi.example/ledger");
        var signed = new Checkpoint("musubi.example/ledger", 3, MerkleHash.Leaf("x"u8)).Sign(impostor);

        var opened = Checkpoint.Open(signed, signer.Verifier);
        Assert.False(opened.IsValid);
        TestContext.Current.TestOutputHelper?.WriteLine(opened.Reason);
    }

    [Theory]
    [InlineData("musubi.example/ledger\n12\n", "musubi.example/ledger\n13\n")]
    [InlineData("musubi.example/ledger\n", "musubi.example/ledgr\n")]
    [InlineData("\n\n\u2014", "\nextra line\n\n\u2014")]
    public void A_checkpoint_whose_body_was_altered_after_signing_is_rejected(string original, string altered)
    {
        using var signer = NoteSigner.Generate("musubi.example/ledger");
        var signed = new Checkpoint("musubi.example/ledger", 12, MerkleHash.Leaf("x"u8)).Sign(signer);
        var tampered = signed.Replace(original, altered, StringComparison.Ordinal);
        Assert.NotEqual(signed, tampered);

        var opened = Checkpoint.Open(tampered, signer.Verifier);
        Assert.False(opened.IsValid);
        TestContext.Current.TestOutputHelper?.WriteLine(opened.Reason);
    }

    [Fact]
    public void A_checkpoint_whose_root_was_altered_after_signing_is_rejected()
    {
        using var signer = NoteSigner.Generate("musubi.example/ledger");
        var root = MerkleHash.Leaf("x"u8);
        var signed = new Checkpoint("musubi.example/ledger", 12, root).Sign(signer);
        var otherRoot = (byte[])root.Clone();
        otherRoot[0] ^= 1;
        var tampered = signed.Replace(Convert.ToBase64String(root), Convert.ToBase64String(otherRoot), StringComparison.Ordinal);
        Assert.False(Checkpoint.Open(tampered, signer.Verifier).IsValid);
    }

    [Fact]
    public void Signatures_from_unknown_keys_are_ignored_but_a_bad_signature_from_a_known_key_rejects_the_note()
    {
        using var signer = NoteSigner.Generate("musubi.example/ledger");
        using var witness = NoteSigner.Generate("witness.example/w1");
        var checkpoint = new Checkpoint("musubi.example/ledger", 1, MerkleHash.Leaf("x"u8));

        var cosigned = checkpoint.Sign(signer, witness);
        Assert.True(Checkpoint.Open(cosigned, signer.Verifier).IsValid);
        Assert.True(Checkpoint.Open(cosigned, witness.Verifier).IsValid);

        // The log's signature line, with its signature bytes replaced by the witness's.
        Assert.True(SignedNote.TryParse(cosigned, out var note, out _));
        var forged = new SignedNote(note!.Text, [note.Signatures[0] with { Signature = note.Signatures[1].Signature }, note.Signatures[1]]);
        var opened = Checkpoint.Open(forged.ToString(), signer.Verifier, witness.Verifier);
        Assert.False(opened.IsValid);
        Assert.Contains("does not match", opened.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("origin\n012\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "leading zeros")]
    [InlineData("origin\n12\nAAAA\n", "32 bytes")]
    [InlineData("origin\n12\n", "three lines")]
    [InlineData("origin\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal")]
    [InlineData("origin\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "newline")]
    public void Malformed_checkpoint_texts_are_refused_with_a_reason(string text, string expected)
    {
        Assert.False(Checkpoint.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_of_the_empty_tree_has_size_0_and_the_empty_root()
    {
        var text = new Checkpoint("o", 0, MerkleHash.EmptyTreeRoot).ToNoteText();
        Assert.Equal("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", text);
        Assert.True(Checkpoint.TryParse(text, out var parsed, out _));
        Assert.Equal(0UL, parsed!.TreeSize);
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key ID")]
    [InlineData("PeterNeumann+c74f20a3+AhpjZBwccDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "Ed25519")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name")]
    [InlineData("PeterNeumann+c74f20a3", "expected")]
    public void Malformed_verifier_keys_are_refused(string vkey, string expected)
    {
        Assert.False(NoteVerifier.TryParse(vkey, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Notes_without_the_em_dash_or_blank_line_or_with_control_characters_are_refused()
    {
        Assert.False(SignedNote.TryParse(GoText + "\n" + GoSignatureLine.Replace('\u2014', '-'), out _, out var e1));
        Assert.False(SignedNote.TryParse(GoText + GoSignatureLine, out _, out var e2));
        Assert.False(SignedNote.TryParse("a\tb\n\n" + GoSignatureLine, out _, out var e3));
        Assert.False(SignedNote.TryParse(GoText + "\n", out _, out var e4));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(" | ", e1, e2, e3, e4));
    }
}
