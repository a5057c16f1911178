namespace Musubi.Core.Networks;

/// <summary>Two owners claimed exactly the same domain; the claim that came first in the input won.</summary>
public sealed record DomainConflict(string Domain, int WinningOwner, int LosingOwner);
