using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;

namespace Musubi.Cli.Tests;

/// <summary>Small import files the tests write into their folder.</summary>
internal static class Samples
{
    /// <summary>A valid CSV import: a new sector and trust group, three organisations, nested blocks, two contacts.</summary>
    public static string ValidCsv(this TestDatabase db, string folder = "valid")
    {
        db.WriteFile($"{folder}/sectors.csv", """
            id,nameEn,nameJa
            space,Space,宇宙
            """);
        db.WriteFile($"{folder}/communities.csv", """
            slug,kind,nameEn,nameJa,sectorId,description
            tg-satellite,trust-group,Satellite operators,衛星事業者,,Operators of ground stations
            """);
        db.WriteFile($"{folder}/organisations.csv", """
            name,nameJa,shortName,kind,sectorId,country,description,communities
            Example ISP,エグザンプルISP,EISP,isp,information-communications,JP,"An ISP, with a comma",layer-technical
            Example Agency,例示庁,EXA,ministry-agency,,JP,,layer-policy;layer-technical
            Orbital Ground Stations,軌道地上局,OGS,critical-infrastructure-operator,space,JP,,tg-satellite
            """);
        db.WriteFile($"{folder}/networks.csv", """
            organisation,kind,value,description
            Example ISP,cidr,198.18.0.0/15,allocation
            Example ISP,asn,AS64510,
            Example Agency,cidr,198.18.4.0/24,customer block inside the ISP's
            Example Agency,domain,agency.example,
            Orbital Ground Stations,cidr,2001:db8:100::/48,
            """);
        db.WriteFile($"{folder}/contacts.csv", """
            organisation,name,role,email,phone,pgpKey
            Example ISP,Abuse desk,abuse,abuse@isp.example,+81 3 5555 0001,
            Example Agency,CSIRT,incident,csirt@agency.example,,
            """);
        return Path.Combine(db.Folder, folder);
    }

    /// <summary>Bad rows in every file; the expected problems are in <see cref="BadCsvProblems"/>.</summary>
    public static string BadCsv(this TestDatabase db, string folder = "bad")
    {
        db.WriteFile($"{folder}/organisations.csv", """
            name,nameJa,shortName,kind,sectorId,country,description,communities
            Good Org,,,enterprise,,JP,"a description
            on two lines",
            Bad Country,,,enterprise,,Japan,,
            Bad Sector,,,critical-infrastructure-operator,spaceships,JP,,
            Good Org,,,enterprise,,JP,,
            Bad Kind,,,bakery,,JP,,no-such-community
            """);
        db.WriteFile($"{folder}/networks.csv", """
            organisation,kind,value,description
            Good Org,cidr,192.0.2.1/24,
            Good Org,cidr,192.0.2.0/25,
            Good Org,cidr,192.0.2.0/25,
            Nobody Ltd,cidr,192.0.2.128/25,
            Good Org,asn,ASX,
            Good Org,ipv4,192.0.2.0/26,
            """);
        db.WriteFile($"{folder}/contacts.csv", """
            organisation,name,role,email,phone,pgpKey
            Good Org,CSIRT,incident,not-an-email,,
            Good Org,,abuse,abuse@good.example,,
            """);
        return Path.Combine(db.Folder, folder);
    }

    /// <summary>(file, line, field, words the reason contains) for <see cref="BadCsv"/>.</summary>
    public static readonly (string File, int Line, string Field, string Reason)[] BadCsvProblems =
    [
        ("organisations.csv", 4, "country", "ISO 3166-1"),
        ("organisations.csv", 5, "sectorId", "unknown sector 'spaceships'"),
        ("organisations.csv", 6, "name", "defined twice (first at"),
        ("organisations.csv", 7, "kind", "unknown kind 'bakery'"),
        ("organisations.csv", 7, "communities", "unknown community 'no-such-community'"),
        ("networks.csv", 2, "value", "host bits are set: did you mean 192.0.2.0/24?"),
        ("networks.csv", 4, "value", "192.0.2.0/25 is listed twice"),
        ("networks.csv", 5, "organisation", "unknown organisation 'Nobody Ltd'"),
        ("networks.csv", 6, "value", "not an AS number"),
        ("networks.csv", 7, "kind", "unknown kind 'ipv4'"),
        ("contacts.csv", 2, "email", "must contain '@'"),
        ("contacts.csv", 3, "name", "is required"),
    ];
}
