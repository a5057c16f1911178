using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Constituency.Exchange;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;

namespace Musubi.Infrastructure.Setup;

public sealed record DemoDataResult(ImportSummary Constituency, int UsersCreated, int UsersAlreadyPresent);

/// <summary>
/// A fictional constituency to try Musubi with: operators of the ten sectors, ministries and agencies, ISPs whose large
/// blocks hold more specific customer blocks of other organisations, CSIRTs at home and abroad, police, defence,
/// research institutes and vendors, with contacts, community memberships and a few users per kind of organisation
/// (password <see cref="Password"/>). Only documentation and shared address space (192.0.2.0/24, 198.51.100.0/24,
/// 203.0.113.0/24, 2001:db8::/32, 100.64.0.0/10, RFC 1918), private AS numbers and reserved domains (.example, .test).
/// Deterministic, and idempotent: it goes through the constituency importer, which matches by name and adds only
/// what is missing, and users are matched by user name. See docs/CONSTITUENCY-FORMATS.md.
/// </summary>
public static class DemoData
{
    public const string Password = "musubi-demo-2026";
    public const string SourceName = "demo-data";
    private const int Seed = 20260401;

    /// <summary>MUSUBI_DEMO_DATA=1 (or true), or Musubi:Setup:DemoData=true.</summary>
    public static bool IsRequested(IConfiguration config) =>
        config["MUSUBI_DEMO_DATA"] is "1" || string.Equals(config["MUSUBI_DEMO_DATA"], "true", StringComparison.OrdinalIgnoreCase)
        || config.GetValue<bool>(InitialiseOptions.Section + ":DemoData");

    /// <summary>Seeds into an initialised database (run <see cref="DatabaseInitialiser"/> first), in a scope of its own.</summary>
    public static async Task<DemoDataResult> SeedAsync(
        IServiceProvider services, Actor? actor = null, IProgress<ExchangeProgress>? progress = null, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<MusubiDbContext>();
        var audit = sp.GetRequiredService<AuditTrail>();
        var time = sp.GetRequiredService<TimeProvider>();
        var centre = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Kind == OrganisationKind.NationalCentre, ct)
            ?? throw new InvalidOperationException("the database has no national centre: initialise it before seeding demo data");
        actor ??= new Actor(Guid.Empty, SourceName, centre.Id, Role.PlatformAdmin);

        var importer = new ConstituencyImporter(db, audit, time, new ExchangeLimits(), sp.GetService<OwnershipDirectory>());
        var result = await importer.ImportAsync(actor, Build(centre), SourceName, dryRun: false, progress, ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("the demo data does not pass the import checks: " + string.Join("; ", result.Issues));
        }

        var (created, present) = await SeedUsersAsync(db, audit, time, sp.GetRequiredService<PasswordHasher>(), actor, ct);
        return new DemoDataResult(result.Summary!, created, present);
    }

    /// <summary>The demo constituency as an import document. <paramref name="centre"/> is kept as it is and gains contacts and blocks.</summary>
    public static ConstituencyDocument Build(OrganisationEntity centre)
    {
        var random = new Random(Seed);
        var allocator = new BlockAllocator(random);
        var organisations = new List<OrganisationInput>
        {
            new(centre.Name, centre.NameJa, centre.ShortName, centre.Kind, centre.SectorId, centre.Country, centre.Description,
                Contacts(Orgs.Centre, "+81 3 5555 0100"), Networks(Orgs.Centre, allocator), Orgs.Centre.Communities),
        };
        var phone = 101;
        foreach (var org in Orgs.All)
        {
            organisations.Add(new OrganisationInput(org.Name, org.NameJa, org.Short, org.Kind, org.Sector, org.Country, org.Description,
                Contacts(org, Phone(org.Country, phone++)), Networks(org, allocator), org.Communities));
        }

        return ConstituencyDocument.Create([], Orgs.Communities, organisations);
    }

    private static List<ContactInput> Contacts(DemoOrg org, string phone)
    {
        var list = new List<ContactInput> { new($"{org.Short} incident response", ContactRole.Incident, $"csirt@{org.Domain}", phone, null) };
        foreach (var role in org.Roles)
        {
            var (name, mailbox) = role switch
            {
                ContactRole.Abuse => ("Abuse desk", "abuse"),
                ContactRole.Technical => ("Network operations", "noc"),
                ContactRole.Management => ("CISO office", "ciso"),
                ContactRole.Legal => ("Legal affairs", "legal"),
                ContactRole.Media => ("Press office", "press"),
                _ => ("General contact", "info"),
            };
            list.Add(new ContactInput($"{org.Short} {name.ToLowerInvariant()}", role, $"{mailbox}@{org.Domain}", null, null));
        }

        return list;
    }

    private static List<NetworkInput> Networks(DemoOrg org, BlockAllocator allocator)
    {
        var list = new List<NetworkInput> { new(NetworkKind.Domain, org.Domain, "main domain") };
        if (org.Asn is { } asn)
        {
            list.Add(new NetworkInput(NetworkKind.Asn, "AS" + asn.ToString(CultureInfo.InvariantCulture), null));
        }

        list.AddRange(org.Blocks.Select(b => new NetworkInput(NetworkKind.Cidr, b, org.Kind == OrganisationKind.Isp ? "allocation" : "assigned")));
        if (org.Country == "JP" && org.Kind is not (OrganisationKind.Isp or OrganisationKind.NationalCentre))
        {
            // A customer of one of the ISPs: blocks inside the ISP's allocation, so the more specific owner wins at lookup.
            var (isp, v4, v6) = allocator.Assign();
            list.Add(new NetworkInput(NetworkKind.Cidr, v4, $"assigned by {isp}"));
            list.Add(new NetworkInput(NetworkKind.Cidr, v6, $"assigned by {isp}"));
        }

        return list;
    }

    private static string Phone(string country, int n) => country switch
    {
        "JP" => $"+81 3 5555 0{n:000}",
        "DE" => $"+49 30 5555 0{n:000}",
        "US" => $"+1 202 555 0{n:000}",
        "SG" => $"+65 5555 0{n:000}",
        _ => $"+61 2 5555 0{n:000}",
    };

    private static async Task<(int Created, int Present)> SeedUsersAsync(
        MusubiDbContext db, AuditTrail audit, TimeProvider time, PasswordHasher hasher, Actor actor, CancellationToken ct)
    {
        var names = Orgs.Users.Select(u => u.Organisation).Distinct().ToList();
        var orgs = await db.Organisations.AsNoTracking().Where(o => names.Contains(o.Name) || o.Kind == OrganisationKind.NationalCentre)
            .ToListAsync(ct);
        var existing = (await db.Users.AsNoTracking().Select(u => u.NormalisedUserName).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        int created = 0, present = 0;
        var now = time.GetUtcNow();
        // The password is published, so one hash (one salt) serves every demo user: seeding stays fast.
        string? hash = null;
        foreach (var (organisation, prefix, domain) in Orgs.Users)
        {
            var org = organisation is null ? orgs.First(o => o.Kind == OrganisationKind.NationalCentre) : orgs.First(o => o.Name == organisation);
            foreach (var (suffix, role) in new[] { ("analyst", Role.Analyst), ("admin", Role.OrgAdmin), ("viewer", Role.ReadOnly) })
            {
                var userName = $"{prefix}.{suffix}";
                if (!existing.Add(UserService.Normalise(userName)))
                {
                    present++;
                    continue;
                }

                var user = new UserEntity
                {
                    Id = Guid.NewGuid(), UserName = userName, NormalisedUserName = UserService.Normalise(userName),
                    DisplayName = $"Demo {suffix} ({org.ShortName ?? org.Name})", Email = $"{userName}@{domain}",
                    OrganisationId = org.Id, Role = role, PasswordHash = hash ??= hasher.Hash(Password), CreatedAt = now,
                    SecurityStamp = UserService.NewStamp(),
                };
                db.Users.Add(user);
                audit.Record(actor, "user.create", "user", user.Id.ToString(), org.Id, null,
                    new { user.UserName, user.Role, PasswordSource = "demo-data" });
                created++;
            }
        }

        await db.SaveChangesAsync(ct);
        return (created, present);
    }

    /// <summary>An organisation of the demo constituency.</summary>
    private sealed record DemoOrg(
        string Name, string NameJa, string Short, OrganisationKind Kind, string? Sector, string Domain, string[] Communities,
        string[] Blocks, uint? Asn = null, ContactRole[]? ExtraRoles = null, string Country = "JP", string? Description = null)
    {
        public ContactRole[] Roles => ExtraRoles ?? [];
    }

    private static class Orgs
    {
        private const string Technical = "layer-technical";
        private const string LawEnforcement = "layer-law-enforcement";
        private const string Policy = "layer-policy";
        private const string Diplomatic = "layer-diplomatic";
        private const string IcsTrust = "trust-ics-operators";
        private const string FinanceTrust = "trust-finance-isac";
        private const string Partners = "partners-international-csirts";
        private static readonly ContactRole[] Operator = [ContactRole.Technical, ContactRole.Management];
        private static readonly ContactRole[] IspRoles = [ContactRole.Abuse, ContactRole.Technical, ContactRole.Legal];
        private static readonly ContactRole[] Government = [ContactRole.Management, ContactRole.Media];

        public static readonly IReadOnlyList<CommunityInput> Communities =
        [
            new("trust-ics-operators", CommunityKind.TrustGroup, "ICS operators trust group", "制御システム事業者トラストグループ", null,
                "Operators of industrial control systems (power, gas, water, railways) sharing under TLP:AMBER."),
            new("trust-finance-isac", CommunityKind.TrustGroup, "Finance ISAC", "金融ISAC", null,
                "Banks, securities and insurers sharing fraud and intrusion indicators."),
            new("partners-international-csirts", CommunityKind.PartnerGroup, "International CSIRT partners", "海外CSIRTパートナー", null,
                "National CSIRTs abroad that exchange intelligence with the national centre."),
        ];

        public static readonly DemoOrg Centre = new("", "", "NCC", OrganisationKind.NationalCentre, null, "ncc.go.example",
            [Technical, LawEnforcement, Policy, Diplomatic, Partners], ["192.0.2.0/28", "2001:db8:ff00::/48"], 64496,
            [ContactRole.Primary, ContactRole.Management, ContactRole.Media]);

        /// <summary>The four ISPs, whose allocations hold the customer blocks of the others.</summary>
        public static readonly IReadOnlyList<DemoOrg> Isps =
        [
            new("Hikari Wave Networks", "ひかりウェーブネットワークス", "HWN", OrganisationKind.Isp, "information-communications", "hikari-wave.ne.example",
                [Technical], ["100.64.0.0/12", "2001:db8:1000::/36", "192.0.2.0/24"], 64500, IspRoles),
            new("Kumo Broadband", "くもブロードバンド", "KBB", OrganisationKind.Isp, "information-communications", "kumo-bb.ne.example",
                [Technical], ["100.80.0.0/12", "2001:db8:2000::/36", "198.51.100.0/24"], 64501, IspRoles),
            new("Tsubame Telecom", "つばめテレコム", "TTC", OrganisationKind.Isp, "information-communications", "tsubame-tel.ne.example",
                [Technical], ["100.96.0.0/12", "2001:db8:3000::/36", "203.0.113.0/24"], 64502, IspRoles),
            new("Mirai Mobile", "みらいモバイル", "MRM", OrganisationKind.Isp, "information-communications", "mirai-mobile.ne.example",
                [Technical], ["100.112.0.0/12", "2001:db8:4000::/36"], 64503, IspRoles),
        ];

        private static readonly DemoOrg[] Others =
        [
            // Ministries, agencies and independent administrative bodies. Their documentation blocks sit inside the ISPs' /24s.
            new("Ministry of Digital Administration", "デジタル行政省", "MDA", OrganisationKind.MinistryAgency, null, "mda.go.example",
                [Policy, Technical], ["192.0.2.64/26"], 64600, Government),
            new("Ministry of Economy and Infrastructure", "経済基盤省", "MEI", OrganisationKind.MinistryAgency, null, "mei.go.example",
                [Policy], ["192.0.2.128/27"], null, Government),
            new("Ministry of Health and Welfare", "厚生福祉省", "MHW", OrganisationKind.MinistryAgency, null, "mhw.go.example",
                [Policy], ["198.51.100.0/26"], null, Government),
            new("Ministry of External Relations", "対外関係省", "MER", OrganisationKind.MinistryAgency, null, "mer.go.example",
                [Policy, Diplomatic], ["198.51.100.64/27"], null, Government),
            new("Revenue Agency", "歳入庁", "RVA", OrganisationKind.MinistryAgency, null, "revenue.go.example",
                [Policy], ["203.0.113.0/27"], null, [ContactRole.Management]),
            new("Meteorological Service Agency", "気象サービス庁", "MSA", OrganisationKind.MinistryAgency, null, "weather.go.example",
                [Policy], ["203.0.113.32/28"], null, [ContactRole.Technical]),
            new("Pension Service Organisation", "年金サービス機構", "PSO", OrganisationKind.IndependentAdministrativeBody, null, "pension.go.example",
                [Policy], ["198.51.100.96/27"], null, [ContactRole.Management]),
            new("Local Government Information Systems Organisation", "地方行政情報システム機構", "LGIS",
                OrganisationKind.CriticalInfrastructureOperator, "government-administrative-services", "lgis.lg.example",
                [Technical], ["10.20.0.0/16"], 64610, Operator),
            new("Prefectural Shared Cloud Cooperative", "都道府県共同クラウド組合", "PSCC",
                OrganisationKind.CriticalInfrastructureOperator, "government-administrative-services", "pref-cloud.lg.example",
                [Technical], [], null, Operator),

            // Critical-infrastructure operators, two to four per sector.
            new("Nihon Data Exchange", "日本データエクスチェンジ", "NDX", OrganisationKind.CriticalInfrastructureOperator, "information-communications",
                "ndx.co.example", [Technical], [], 64620, Operator),
            new("Sakura Broadcasting Corporation", "桜放送", "SBC", OrganisationKind.CriticalInfrastructureOperator, "information-communications",
                "sakura-bc.co.example", [Technical], [], null, [ContactRole.Technical, ContactRole.Media]),
            new("Hoshizora Bank", "星空銀行", "HZB", OrganisationKind.CriticalInfrastructureOperator, "finance", "hoshizora-bank.co.example",
                [Technical, FinanceTrust], ["172.16.0.0/16"], 64630, Operator),
            new("Shirasagi Securities", "白鷺証券", "SGS", OrganisationKind.CriticalInfrastructureOperator, "finance", "shirasagi-sec.co.example",
                [Technical, FinanceTrust], [], null, Operator),
            new("Kitakaze Mutual Insurance", "北風相互保険", "KMI", OrganisationKind.CriticalInfrastructureOperator, "finance", "kitakaze-ins.co.example",
                [Technical, FinanceTrust], [], null, Operator),
            new("Tsubasa Airways", "翼航空", "TSA", OrganisationKind.CriticalInfrastructureOperator, "aviation", "tsubasa-air.co.example",
                [Technical], [], 64640, Operator),
            new("Aozora Airport Corporation", "青空空港", "AAC", OrganisationKind.CriticalInfrastructureOperator, "aviation", "aozora-airport.co.example",
                [Technical], [], null, Operator),
            new("Higashi Kaido Railway", "東街道鉄道", "HKR", OrganisationKind.CriticalInfrastructureOperator, "railways", "higashi-kaido.co.example",
                [Technical, IcsTrust], [], null, Operator),
            new("Minato Metro", "港メトロ", "MMT", OrganisationKind.CriticalInfrastructureOperator, "railways", "minato-metro.co.example",
                [Technical, IcsTrust], [], null, Operator),
            new("Kazahana Electric Power", "風花電力", "KEP", OrganisationKind.CriticalInfrastructureOperator, "electric-power", "kazahana-ep.co.example",
                [Technical, IcsTrust], ["172.20.0.0/14"], 64650, Operator),
            new("Seiryu Power Grid", "清流送配電", "SPG", OrganisationKind.CriticalInfrastructureOperator, "electric-power", "seiryu-grid.co.example",
                [Technical, IcsTrust], [], 64651, Operator),
            new("Yamabuki Nuclear Generation", "山吹原子力発電", "YNG", OrganisationKind.CriticalInfrastructureOperator, "electric-power",
                "yamabuki-ng.co.example", [Technical, IcsTrust], [], null, [ContactRole.Technical, ContactRole.Management, ContactRole.Legal]),
            new("Akatsuki Gas", "暁ガス", "AKG", OrganisationKind.CriticalInfrastructureOperator, "gas", "akatsuki-gas.co.example",
                [Technical, IcsTrust], [], null, Operator),
            new("Kaigan LNG Terminal", "海岸LNGターミナル", "KLT", OrganisationKind.CriticalInfrastructureOperator, "gas", "kaigan-lng.co.example",
                [Technical, IcsTrust], [], null, Operator),
            new("Sakuragaoka University Hospital", "桜ヶ丘大学病院", "SUH", OrganisationKind.CriticalInfrastructureOperator, "medical-services",
                "hospital.sakuragaoka-u.ac.example", [Technical], [], null, Operator),
            new("Midori Medical Network", "みどり医療ネットワーク", "MMN", OrganisationKind.CriticalInfrastructureOperator, "medical-services",
                "midori-med.or.example", [Technical], [], null, Operator),
            new("Asagiri Waterworks Authority", "朝霧水道事業団", "AWA", OrganisationKind.CriticalInfrastructureOperator, "water", "asagiri-water.lg.example",
                [Technical, IcsTrust], [], null, Operator),
            new("Minamigawa Water Supply", "南川上水道", "MWS", OrganisationKind.CriticalInfrastructureOperator, "water", "minamigawa-water.lg.example",
                [Technical, IcsTrust], [], null, Operator),
            new("Hayate Logistics", "疾風運輸", "HYL", OrganisationKind.CriticalInfrastructureOperator, "logistics", "hayate-logi.co.example",
                [Technical], [], null, Operator),
            new("Shiosai Port Authority", "潮騒港湾公社", "SPA", OrganisationKind.CriticalInfrastructureOperator, "logistics", "shiosai-port.or.example",
                [Technical], [], null, Operator),

            // Domestic CSIRTs.
            new("Nihon Incident Coordination Center", "日本インシデント調整センター", "NICC", OrganisationKind.Csirt, null, "nicc.or.example",
                [Technical, Partners], [], 64660, [ContactRole.Primary, ContactRole.Technical]),
            new("Telecom ISAC CSIRT", "通信ISAC CSIRT", "T-ISAC", OrganisationKind.Csirt, "information-communications", "telecom-isac.or.example",
                [Technical], [], null, [ContactRole.Technical]),
            new("Academic Network CSIRT", "学術ネットワークCSIRT", "ANC", OrganisationKind.Csirt, null, "csirt.acnet.ac.example",
                [Technical], ["10.128.0.0/12"], 64670, [ContactRole.Technical]),

            // Police and defence.
            new("National Police Cyber Investigation Bureau", "国家警察サイバー捜査局", "NPCIB", OrganisationKind.Police, null, "cyber.police.go.example",
                [LawEnforcement, Policy], [], null, [ContactRole.Legal, ContactRole.Management]),
            new("Metropolitan Police Cybercrime Division", "首都警察サイバー犯罪対策課", "MPCD", OrganisationKind.Police, null, "cybercrime.mpd.go.example",
                [LawEnforcement], [], null, [ContactRole.Legal]),
            new("Cyber Defence Command", "サイバー防衛司令部", "CDC", OrganisationKind.Defence, null, "cdc.mod.go.example",
                [Policy, LawEnforcement], ["10.100.0.0/16"], 64680, [ContactRole.Management]),
            new("Defence Communications Agency", "防衛通信庁", "DCA", OrganisationKind.Defence, null, "dca.mod.go.example",
                [Policy], [], null, [ContactRole.Technical]),

            // Research institutes.
            new("National Institute of Cyber Research", "国立サイバー研究所", "NICR", OrganisationKind.ResearchInstitute, null, "nicr.go.example",
                [Technical], ["2001:db8:fe00::/40"], 64690, [ContactRole.Technical]),
            new("Sakuragaoka University", "桜ヶ丘大学", "SKU", OrganisationKind.ResearchInstitute, null, "sakuragaoka-u.ac.example",
                [Technical], [], null, [ContactRole.Technical]),
            new("Kitanomori Institute of Technology", "北の森工科大学", "KIT", OrganisationKind.ResearchInstitute, null, "kitanomori-tech.ac.example",
                [Technical], [], null, [ContactRole.Technical]),

            // Vendors, an enterprise and an SME.
            new("Kagami Software", "鏡ソフトウェア", "KGS", OrganisationKind.ProductVendor, null, "kagami-soft.co.example",
                [Technical], [], null, [ContactRole.Technical, ContactRole.Media]),
            new("Raijin Security Products", "雷神セキュリティ", "RSP", OrganisationKind.ProductVendor, null, "raijin-sec.co.example",
                [Technical], [], null, [ContactRole.Technical]),
            new("Fuyu Systems", "冬システムズ", "FYS", OrganisationKind.ProductVendor, null, "fuyu-sys.co.example",
                [Technical], [], null, [ContactRole.Technical]),
            new("Kotobuki Manufacturing", "寿製作所", "KTM", OrganisationKind.Enterprise, null, "kotobuki-mfg.co.example",
                [Technical], [], null, null),
            new("Komorebi Design Studio", "木漏れ日デザイン工房", "KDS", OrganisationKind.Sme, null, "komorebi-design.co.example",
                [], [], null, null),

            // CSIRTs abroad: international partners.
            new("Nordwind CERT", "ノルトヴィントCERT", "NW-CERT", OrganisationKind.InternationalPartner, null, "cert.nordwind.test",
                [Partners, Diplomatic], [], null, [ContactRole.Primary], "DE", "National CSIRT (fictional), Germany"),
            new("Lakeside National CSIRT", "レイクサイド国家CSIRT", "LN-CSIRT", OrganisationKind.InternationalPartner, null, "csirt.lakeside.test",
                [Partners, Diplomatic], [], null, [ContactRole.Primary], "US", "National CSIRT (fictional), United States"),
            new("Merlion Cyber Response Team", "マーライオン・サイバー対応チーム", "MCRT", OrganisationKind.InternationalPartner, null, "mcrt.merlion.test",
                [Partners, Diplomatic], [], null, [ContactRole.Primary], "SG", "National CSIRT (fictional), Singapore"),
            new("Southern Cross CERT", "サザンクロスCERT", "SX-CERT", OrganisationKind.InternationalPartner, null, "cert.southerncross.test",
                [Partners], [], null, [ContactRole.Primary], "AU", "National CSIRT (fictional), Australia"),
        ];

        public static IEnumerable<DemoOrg> All => Isps.Concat(Others);

        /// <summary>One organisation of each kind gets an analyst, an organisation administrator and a read-only user (null: the national centre).</summary>
        public static readonly IReadOnlyList<(string? Organisation, string Prefix, string Domain)> Users =
        [
            (null, "ncc", "ncc.go.example"),
            ("Ministry of Digital Administration", "mda", "mda.go.example"),
            ("Pension Service Organisation", "pso", "pension.go.example"),
            ("Hoshizora Bank", "hoshizora", "hoshizora-bank.co.example"),
            ("Kazahana Electric Power", "kazahana", "kazahana-ep.co.example"),
            ("Hikari Wave Networks", "hikari", "hikari-wave.ne.example"),
            ("Nihon Incident Coordination Center", "nicc", "nicc.or.example"),
            ("National Police Cyber Investigation Bureau", "police", "cyber.police.go.example"),
            ("Cyber Defence Command", "defence", "cdc.mod.go.example"),
            ("National Institute of Cyber Research", "nicr", "nicr.go.example"),
            ("Kagami Software", "kagami", "kagami-soft.co.example"),
            ("Nordwind CERT", "nordwind", "cert.nordwind.test"),
        ];
    }

    /// <summary>
    /// Hands out customer blocks inside the ISPs' allocations (a /24 of 100.64.0.0/10 and a /48 of 2001:db8::/32),
    /// from a fixed seed: the same organisations get the same blocks on every run.
    /// </summary>
    private sealed class BlockAllocator(Random random)
    {
        private readonly HashSet<int> _used = [];

        public (string Isp, string V4, string V6) Assign()
        {
            var index = random.Next(Orgs.Isps.Count);
            var isp = Orgs.Isps[index];
            int slot;
            do
            {
                slot = random.Next(1, 4096);
            }
            while (!_used.Add((index << 12) | slot));

            // Each ISP has a /12 (4096 /24s) of 100.64.0.0/10 and a /36 (4096 /48s) of 2001:db8::/32.
            var second = 64 + (index * 16) + (slot >> 8);
            var v4 = $"100.{second}.{slot & 0xFF}.0/24";
            var v6 = $"2001:db8:{((index + 1) << 12) | slot:x}::/48";
            return (isp.Name, v4, v6);
        }
    }
}
