namespace Musubi.Core.Networks;

/// <summary>Two owners claimed exactly the same block; the claim that came first in the input won.</summary>
public sealed record PrefixConflict(IpPrefix Prefix, int WinningOwner, int LosingOwner);
