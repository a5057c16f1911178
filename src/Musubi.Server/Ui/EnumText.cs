using Musubi.Core.Constituency;
using Musubi.Core.Identity;

namespace Musubi.Server.Ui;

/// <summary>
/// Display names of the enum values the UI shows, in English and Japanese. A value missing here shows its C# name and
/// an empty Japanese name, which the localisation test catches.
/// </summary>
public static class EnumText
{
    public static string Of(OrganisationKind kind) => Pick(Names(kind));

    public static string Of(Role role) => Pick(Names(role));

    public static string Of(ContactRole role) => Pick(Names(role));

    public static string Of(CommunityKind kind) => Pick(Names(kind));

    public static string Of(NetworkKind kind) => Pick(Names(kind));

    public static (string En, string Ja) Names(OrganisationKind kind) => kind switch
    {
        OrganisationKind.MinistryAgency => ("Ministry or agency", "府省庁"),
        OrganisationKind.IndependentAdministrativeBody => ("Independent administrative body", "独立行政法人"),
        OrganisationKind.CriticalInfrastructureOperator => ("Critical-infrastructure operator", "重要インフラ事業者"),
        OrganisationKind.Enterprise => ("Enterprise", "企業"),
        OrganisationKind.ResearchInstitute => ("Research institute", "研究機関"),
        OrganisationKind.Sme => ("Small or medium-sized enterprise", "中小企業"),
        OrganisationKind.Isp => ("Internet service provider", "インターネットサービスプロバイダ（ISP）"),
        OrganisationKind.ProductVendor => ("Product vendor", "製品ベンダー"),
        OrganisationKind.Csirt => ("CSIRT", "CSIRT"),
        OrganisationKind.Police => ("Police", "警察"),
        OrganisationKind.Defence => ("Defence", "防衛"),
        OrganisationKind.InternationalPartner => ("International partner", "海外パートナー"),
        OrganisationKind.NationalCentre => ("National coordination centre", "国の調整機関（ナショナルセンター）"),
        _ => (kind.ToString(), ""),
    };

    public static (string En, string Ja) Names(Role role) => role switch
    {
        Role.PlatformAdmin => ("Platform administrator", "プラットフォーム管理者"),
        Role.OrgAdmin => ("Organisation administrator", "組織管理者"),
        Role.Analyst => ("Analyst", "アナリスト"),
        Role.ReadOnly => ("Read-only", "閲覧のみ"),
        Role.Service => ("Service account", "サービスアカウント"),
        _ => (role.ToString(), ""),
    };

    public static (string En, string Ja) Names(ContactRole role) => role switch
    {
        ContactRole.Primary => ("Primary contact", "主担当窓口"),
        ContactRole.Incident => ("Incident response", "インシデント対応"),
        ContactRole.Abuse => ("Abuse desk", "不正利用（Abuse）窓口"),
        ContactRole.Technical => ("Technical", "技術担当"),
        ContactRole.Management => ("Management", "管理責任者"),
        ContactRole.Legal => ("Legal", "法務"),
        ContactRole.Media => ("Media relations", "広報"),
        _ => (role.ToString(), ""),
    };

    public static (string En, string Ja) Names(CommunityKind kind) => kind switch
    {
        CommunityKind.Layer => ("Sharing layer", "共有レイヤー"),
        CommunityKind.Sector => ("Sector", "分野"),
        CommunityKind.TrustGroup => ("Trust group", "信頼グループ"),
        CommunityKind.PartnerGroup => ("Partner group", "パートナーグループ"),
        _ => (kind.ToString(), ""),
    };

    public static (string En, string Ja) Names(NetworkKind kind) => kind switch
    {
        NetworkKind.Cidr => ("IP block (CIDR)", "IPアドレスブロック（CIDR）"),
        NetworkKind.Asn => ("AS number", "AS番号"),
        NetworkKind.Domain => ("Domain", "ドメイン"),
        _ => (kind.ToString(), ""),
    };

    private static string Pick((string En, string Ja) names) => UiLocalization.IsJapanese && names.Ja.Length > 0 ? names.Ja : names.En;
}
