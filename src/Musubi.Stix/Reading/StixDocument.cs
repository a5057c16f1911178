using Musubi.Stix.Model;

namespace Musubi.Stix.Reading;

/// <summary>
/// What was read: a bundle (with its id) and its objects, or a lone object. <see cref="BundleProblems"/> lists what is
/// wrong with the bundle envelope itself (its type and id), which does not stop its objects from being read.
/// </summary>
public sealed record StixDocument(bool IsBundle, string? BundleId, IReadOnlyList<StixObject> Objects, IReadOnlyList<string> BundleProblems);
