namespace Musubi.Ledger.Bundles;

/// <summary>One entry to export: its index and payload, or the reason its payload is no longer kept.</summary>
/// <param name="Index">The entry's leaf index in the log.</param>
/// <param name="Payload">The entry's bytes (the leaf's data), or null when they were deleted.</param>
/// <param name="RemovedReason">Why the payload is missing (e.g. "retention: 2026-01-01"); only its leaf hash remains.</param>
public sealed record BundleEntry(ulong Index, ReadOnlyMemory<byte>? Payload, string? RemovedReason = null);
