namespace Musubi.Core.Sharing;

/// <summary>
/// Traffic Light Protocol 2.0 levels, in increasing order of restriction. The numeric order is used for ceilings
/// ("nothing above AMBER") and for "never lower the marking" when deriving.
/// </summary>
public enum Tlp
{
    Clear = 0,
    Green = 1,
    Amber = 2,
    AmberStrict = 3,
    Red = 4,
}

/// <summary>The STIX 2.1 marking-definition ids of TLP 2.0 (from the OASIS TLP 2.0 extension) and the display labels.</summary>
public static class TlpMarkings
{
    public const string ClearId = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
    public const string GreenId = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    public const string AmberId = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
    public const string AmberStrictId = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
    public const string RedId = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

    public static string Id(Tlp tlp) => tlp switch
    {
        Tlp.Clear => ClearId,
        Tlp.Green => GreenId,
        Tlp.Amber => AmberId,
        Tlp.AmberStrict => AmberStrictId,
        Tlp.Red => RedId,
        _ => throw new ArgumentOutOfRangeException(nameof(tlp)),
    };

    public static Tlp? FromId(string id) => id switch
    {
        ClearId => Tlp.Clear,
        GreenId => Tlp.Green,
        AmberId => Tlp.Amber,
        AmberStrictId => Tlp.AmberStrict,
        RedId => Tlp.Red,
        _ => null,
    };

    public static string Label(Tlp tlp) => tlp switch
    {
        Tlp.Clear => "TLP:CLEAR",
        Tlp.Green => "TLP:GREEN",
        Tlp.Amber => "TLP:AMBER",
        Tlp.AmberStrict => "TLP:AMBER+STRICT",
        Tlp.Red => "TLP:RED",
        _ => throw new ArgumentOutOfRangeException(nameof(tlp)),
    };
}
