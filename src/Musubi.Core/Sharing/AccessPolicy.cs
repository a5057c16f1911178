namespace Musubi.Core.Sharing;

/// <summary>
/// THE access policy: the only place where sight of shared content under TLP 2.0 and sharing scope is decided. Every
/// read path (REST, TAXII, UI, search, exports, feeds, federation, notifications) calls <see cref="MaySee"/>; every
/// publish or forward calls <see cref="MayReshare"/>. Pure: the same inputs always give the same decision.
/// The rules are those of docs/ACCESS-POLICY.md (and ../shared/DESIGN.md, "The access policy, precisely").
/// </summary>
public static class AccessPolicy
{
    /// <summary>
    /// May <paramref name="principal"/> see an object marked <paramref name="marking"/>? When the principal's
    /// organisation is a federation partner, its agreement (<see cref="Principal.Partner"/>) is checked first and
    /// cannot be widened by anything else: not by the object's scope, not by being the creator.
    /// </summary>
    public static AccessDecision MaySee(Principal principal, ObjectMarking marking)
    {
        if (principal.Partner is { } partner)
        {
            if (marking.Tlp > partner.Ceiling)
            {
                return AccessDecision.Deny(AccessReason.AbovePartnerCeiling);
            }

            if (marking.Tlp != Tlp.Clear && !Intersects(marking.Scope.Communities, partner.Communities))
            {
                return AccessDecision.Deny(AccessReason.PartnerCommunityNotAllowed);
            }
        }

        if (principal.OrganisationId is not { } org)
        {
            return marking.Tlp == Tlp.Clear && marking.PublishedToPublicFeed
                ? AccessDecision.Allow(AccessReason.ClearPublished)
                : AccessDecision.Deny(AccessReason.AnonymousNotPublished);
        }

        if (org == marking.CreatorOrganisation)
        {
            return AccessDecision.Allow(AccessReason.CreatorOrganisation);
        }

        switch (marking.Tlp)
        {
            case Tlp.Clear:
                return AccessDecision.Allow(AccessReason.ClearForSignedIn);
            case Tlp.Green:
            case Tlp.Amber:
            case Tlp.AmberStrict:
                if (marking.Scope.Organisations.Contains(org))
                {
                    return AccessDecision.Allow(AccessReason.OrganisationInScope);
                }

                return Intersects(marking.Scope.Communities, principal.Communities)
                    ? AccessDecision.Allow(AccessReason.CommunityInScope)
                    : AccessDecision.Deny(AccessReason.NotInScope);
            case Tlp.Red:
                return principal.UserId is { } user && marking.Scope.Users.Contains(user)
                    ? AccessDecision.Allow(AccessReason.UserNamedForRed)
                    : AccessDecision.Deny(AccessReason.RedNeedsNamedUser);
            default:
                return AccessDecision.Deny(AccessReason.NotInScope);
        }
    }

    /// <summary>
    /// May <paramref name="recipient"/> pass the object on to <paramref name="target"/>? CLEAR anywhere; GREEN within
    /// communities the object is already scoped to or that the recipient shares with the source organisation; AMBER
    /// within the recipient's organisation, and to the clients it serves only by notification; AMBER+STRICT within the
    /// recipient's organisation; RED never. A recipient must first be able to see the object.
    /// </summary>
    /// <param name="sourceCommunities">The communities the object's creator organisation belongs to.</param>
    public static AccessDecision MayReshare(Principal recipient, ObjectMarking marking, ShareTarget target, IReadOnlySet<Guid> sourceCommunities)
    {
        if (!MaySee(recipient, marking).Allowed || recipient.OrganisationId is not { } org)
        {
            return AccessDecision.Deny(AccessReason.ReshareByOutsider);
        }

        switch (marking.Tlp)
        {
            case Tlp.Clear:
                return AccessDecision.Allow(AccessReason.ReshareClearAnywhere);
            case Tlp.Green:
                foreach (var c in target.Communities)
                {
                    var allowed = marking.Scope.Communities.Contains(c)
                        || (recipient.Communities.Contains(c) && sourceCommunities.Contains(c));
                    if (!allowed)
                    {
                        return AccessDecision.Deny(AccessReason.ReshareWidensBeyondTlp);
                    }
                }

                foreach (var o in target.Organisations)
                {
                    if (o != org && !marking.Scope.Organisations.Contains(o))
                    {
                        return AccessDecision.Deny(AccessReason.ReshareWidensBeyondTlp);
                    }
                }

                return target.Users.Count == 0 && !target.PublicFeed
                    ? AccessDecision.Allow(AccessReason.ReshareWithinAllowedCommunities)
                    : AccessDecision.Deny(AccessReason.ReshareWidensBeyondTlp);
            case Tlp.Amber:
            case Tlp.AmberStrict:
                if (target.Communities.Count > 0 || target.PublicFeed || target.Users.Count > 0
                    || target.Organisations.Any(o => o != org))
                {
                    return AccessDecision.Deny(AccessReason.ReshareWidensBeyondTlp);
                }

                if (target.ClientsByNotification)
                {
                    return marking.Tlp == Tlp.Amber
                        ? AccessDecision.Allow(AccessReason.ReshareToClientsByNotification)
                        : AccessDecision.Deny(AccessReason.ReshareWidensBeyondTlp);
                }

                return AccessDecision.Allow(AccessReason.ReshareWithinOwnOrganisation);
            default:
                return AccessDecision.Deny(AccessReason.ReshareRedNever);
        }
    }

    /// <summary>
    /// A derived object (a sanitised copy, a per-layer summary) carrying content verbatim from its source must not be
    /// marked lower than the source. Content rewritten from scratch may carry any marking.
    /// </summary>
    public static AccessDecision MayDerive(Tlp source, Tlp derived, bool carriesVerbatimContent) =>
        !carriesVerbatimContent || derived >= source
            ? AccessDecision.Allow(AccessReason.DerivedKeepsMarking)
            : AccessDecision.Deny(AccessReason.DerivedLowersMarking);

    /// <summary>
    /// May a finding that rests on an object marked <paramref name="marking"/> (an alert raised by an indicator) be
    /// turned into an infected-host notification? Notifications go to third parties chosen by routing (the ISP or
    /// owner of the host, a rule's recipient), not to a principal the object was shared with, so only what may be
    /// passed on beyond the organisations in scope qualifies: CLEAR, and GREEN (shareable within the community a
    /// constituency's network operators form), and only when the platform itself may see it
    /// (<paramref name="platform"/>: the national centre's principal). AMBER, AMBER+STRICT and RED are withheld: AMBER
    /// may reach "the clients it serves by notification" only through the organisation that received it, never
    /// through the platform's notification to whoever routing picks.
    /// </summary>
    public static AccessDecision MayNotify(Principal platform, ObjectMarking marking)
    {
        if (!MaySee(platform, marking).Allowed)
        {
            return AccessDecision.Deny(AccessReason.NotInScope);
        }

        return marking.Tlp is Tlp.Clear or Tlp.Green
            ? AccessDecision.Allow(AccessReason.NotifyClearOrGreen)
            : AccessDecision.Deny(AccessReason.NotifyAboveGreenWithheld);
    }

    private static bool Intersects(IReadOnlySet<Guid> a, IReadOnlySet<Guid> b)
    {
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        if (small.Count == 0)
        {
            return false;
        }

        if (small is HashSet<Guid> hash)
        {
            // The struct enumerator: no allocation on the hot path.
            foreach (var x in hash)
            {
                if (large.Contains(x))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (var x in small)
        {
            if (large.Contains(x))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Where a publish or forward would send an object.</summary>
public sealed record ShareTarget(
    IReadOnlySet<Guid> Communities, IReadOnlySet<Guid> Organisations, IReadOnlySet<Guid> Users,
    bool PublicFeed = false, bool ClientsByNotification = false)
{
    public static ShareTarget To(IEnumerable<Guid>? communities = null, IEnumerable<Guid>? organisations = null,
        IEnumerable<Guid>? users = null, bool publicFeed = false, bool clientsByNotification = false) =>
        new((communities ?? []).ToHashSet(), (organisations ?? []).ToHashSet(), (users ?? []).ToHashSet(), publicFeed, clientsByNotification);
}
