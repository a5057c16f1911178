namespace Musubi.Core.Sharing;

/// <summary>
/// Who an object is shared with: communities (layers, sectors, trust groups, partner groups), named organisations and,
/// for TLP:RED, named users. Sets are immutable snapshots so decisions are pure.
/// </summary>
public sealed record SharingScope(IReadOnlySet<Guid> Communities, IReadOnlySet<Guid> Organisations, IReadOnlySet<Guid> Users)
{
    public static readonly SharingScope Empty = new(new HashSet<Guid>(), new HashSet<Guid>(), new HashSet<Guid>());

    public static SharingScope Of(IEnumerable<Guid>? communities = null, IEnumerable<Guid>? organisations = null, IEnumerable<Guid>? users = null) =>
        new((communities ?? []).ToHashSet(), (organisations ?? []).ToHashSet(), (users ?? []).ToHashSet());
}

/// <summary>The metadata of a shared object that sight depends on: nothing else about the object matters.</summary>
public sealed record ObjectMarking(Tlp Tlp, Guid CreatorOrganisation, SharingScope Scope, bool PublishedToPublicFeed = false);

/// <summary>
/// Who is asking. Anonymous callers have no user and no organisation. <see cref="Communities"/> are the communities the
/// principal's organisation is a member of, resolved from the constituency at the time of the request.
/// <see cref="Partner"/> is set when the principal's organisation is a federation partner (its own account here, or
/// the partner we push to): its agreement then caps everything the principal may see, whoever asks on its behalf.
/// </summary>
public sealed record Principal(Guid? UserId, Guid? OrganisationId, IReadOnlySet<Guid> Communities, PartnerAgreement? Partner = null)
{
    public static readonly Principal Anonymous = new(null, null, new HashSet<Guid>());

    public bool IsAnonymous => OrganisationId is null;
}

/// <summary>A federation partner's agreement: the highest TLP it may receive and the communities it may receive from.</summary>
public sealed record PartnerAgreement(Tlp Ceiling, IReadOnlySet<Guid> Communities)
{
    /// <summary>
    /// One organisation linked to several partner entries (a TAXII server and a MISP feed of the same CSIRT) is bound
    /// by all of them: the lowest ceiling and only the communities every agreement allows. Null when there are none.
    /// </summary>
    public static PartnerAgreement? Strictest(IEnumerable<PartnerAgreement> agreements)
    {
        PartnerAgreement? result = null;
        foreach (var a in agreements)
        {
            result = result is null
                ? a
                : new PartnerAgreement(a.Ceiling < result.Ceiling ? a.Ceiling : result.Ceiling,
                    result.Communities.Where(a.Communities.Contains).ToHashSet());
        }

        return result;
    }
}

/// <summary>Why a decision came out as it did; stable names for logs, audits and tests.</summary>
public enum AccessReason
{
    CreatorOrganisation,
    ClearForSignedIn,
    ClearPublished,
    OrganisationInScope,
    CommunityInScope,
    UserNamedForRed,
    AnonymousNotPublished,
    NotInScope,
    RedNeedsNamedUser,
    AbovePartnerCeiling,
    PartnerCommunityNotAllowed,
    ReshareClearAnywhere,
    ReshareWithinAllowedCommunities,
    ReshareWithinOwnOrganisation,
    ReshareToClientsByNotification,
    ReshareWidensBeyondTlp,
    ReshareRedNever,
    ReshareByOutsider,
    DerivedKeepsMarking,
    DerivedLowersMarking,
    NotifyClearOrGreen,
    NotifyAboveGreenWithheld,
}

public readonly record struct AccessDecision(bool Allowed, AccessReason Reason)
{
    public static AccessDecision Allow(AccessReason reason) => new(true, reason);

    public static AccessDecision Deny(AccessReason reason) => new(false, reason);
}
