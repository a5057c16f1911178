using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;

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

    public static string Of(IncidentStatus status) => Pick(Names(status));

    public static string Of(Severity severity) => Pick(Names(severity));

    public static string Of(IncidentRole role) => Pick(Names(role));

    public static string Of(IncidentLayer layer) => Pick(Names(layer));

    public static string Of(DataSensitivity sensitivity) => Pick(Names(sensitivity));

    public static string Of(DeadlineState state) => Pick(Names(state));

    public static string Of(IncidentClass c) => UiLocalization.IsJapanese ? c.NameJa : c.NameEn;

    public static string Of(Tlp tlp) => TlpMarkings.Label(tlp);

    public static (string En, string Ja) Names(IncidentStatus status) => status switch
    {
        IncidentStatus.Reported => ("Reported", "報告済み"),
        IncidentStatus.Triaged => ("Triaged", "トリアージ済み"),
        IncidentStatus.Contained => ("Contained", "封じ込め済み"),
        IncidentStatus.Eradicated => ("Eradicated", "根絶済み"),
        IncidentStatus.Recovered => ("Recovered", "復旧済み"),
        IncidentStatus.Closed => ("Closed", "クローズ"),
        IncidentStatus.Rejected => ("Rejected", "却下"),
        IncidentStatus.Merged => ("Merged", "統合済み"),
        _ => (status.ToString(), ""),
    };

    public static (string En, string Ja) Names(Severity severity) => severity switch
    {
        Severity.Low => ("Low", "低"),
        Severity.Medium => ("Medium", "中"),
        Severity.High => ("High", "高"),
        Severity.Critical => ("Critical", "緊急"),
        _ => (severity.ToString(), ""),
    };

    public static (string En, string Ja) Names(IncidentRole role) => role switch
    {
        IncidentRole.NationalSoc => ("National SOC", "政府SOC"),
        IncidentRole.MobileAssistanceTeam => ("Mobile assistance team", "機動的支援チーム"),
        IncidentRole.OrganisationCsirt => ("Organisation CSIRT", "組織内CSIRT"),
        IncidentRole.SectorCoordinator => ("Sector coordinator", "分野別調整役"),
        IncidentRole.Vendor => ("Vendor", "ベンダー"),
        IncidentRole.Police => ("Police", "警察"),
        IncidentRole.Defence => ("Defence", "防衛"),
        _ => (role.ToString(), ""),
    };

    public static (string En, string Ja) Names(IncidentLayer layer) => layer switch
    {
        IncidentLayer.None => ("None", "なし"),
        IncidentLayer.Policy => ("Policy summary", "政策向け概要"),
        IncidentLayer.Technical => ("Technical (sanitised)", "技術（サニタイズ済み）"),
        IncidentLayer.LawEnforcement => ("Law enforcement", "法執行"),
        IncidentLayer.Full => ("Full", "全情報"),
        _ => (layer.ToString(), ""),
    };

    public static (string En, string Ja) Names(DataSensitivity sensitivity) => sensitivity switch
    {
        DataSensitivity.None => ("None", "なし"),
        DataSensitivity.Internal => ("Internal", "内部情報"),
        DataSensitivity.PersonalData => ("Personal data", "個人情報"),
        DataSensitivity.Confidential => ("Confidential", "機密"),
        DataSensitivity.Classified => ("Classified", "特定秘密"),
        _ => (sensitivity.ToString(), ""),
    };

    public static (string En, string Ja) Names(DeadlineState state) => state switch
    {
        DeadlineState.OnTime => ("On time", "期限内"),
        DeadlineState.Near => ("Due soon", "期限間近"),
        DeadlineState.Missed => ("Overdue", "期限超過"),
        _ => (state.ToString(), ""),
    };

    private static string Pick((string En, string Ja) names) => UiLocalization.IsJapanese && names.Ja.Length > 0 ? names.Ja : names.En;
}
