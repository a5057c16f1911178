namespace Musubi.Core.Constituency;

/// <summary>The three kinds of network an organisation can own.</summary>
public enum NetworkKind
{
    Cidr,
    Asn,
    Domain,
}
