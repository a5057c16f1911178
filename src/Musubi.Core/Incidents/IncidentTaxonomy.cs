namespace Musubi.Core.Incidents;

/// <summary>One class of the taxonomy: <c>Category/Type</c>, e.g. <c>intrusions/system-compromise</c>.</summary>
public sealed record IncidentClass(string Category, string Type, string NameEn, string NameJa)
{
    public string Code => Category + "/" + Type;
}

/// <summary>
/// The Reference Security Incident Taxonomy (RSIT) of the ENISA/TF-CSIRT working group, in its machine-tag form
/// (<c>category/type</c>), which is also what IntelMQ writes as classification.taxonomy/classification.type. Incidents,
/// feed events and exercises all classify with it, so figures line up across the platform.
/// </summary>
public static class IncidentTaxonomy
{
    public const string Name = "Reference Security Incident Taxonomy (ENISA / TF-CSIRT RSIT)";

    public static readonly IReadOnlyList<(string Category, string NameEn, string NameJa)> Categories =
    [
        ("abusive-content", "Abusive content", "不正コンテンツ"),
        ("malicious-code", "Malicious code", "マルウェア"),
        ("information-gathering", "Information gathering", "情報収集"),
        ("intrusion-attempts", "Intrusion attempts", "侵入の試み"),
        ("intrusions", "Intrusions", "侵入"),
        ("availability", "Availability", "可用性"),
        ("information-content-security", "Information content security", "情報の安全性"),
        ("fraud", "Fraud", "詐欺"),
        ("vulnerable", "Vulnerable", "脆弱性"),
        ("other", "Other", "その他"),
        ("test", "Test", "テスト"),
    ];

    public static readonly IReadOnlyList<IncidentClass> All =
    [
        new("abusive-content", "spam", "Spam", "スパム"),
        new("abusive-content", "harmful-speech", "Harmful speech", "有害な言論"),
        new("abusive-content", "violence", "Child sexual abuse, sexual or violent content", "児童虐待・性的・暴力的コンテンツ"),
        new("malicious-code", "infected-system", "Infected system", "感染端末"),
        new("malicious-code", "c2-server", "C2 server", "C2サーバ"),
        new("malicious-code", "malware-distribution", "Malware distribution", "マルウェア配布"),
        new("malicious-code", "malware-configuration", "Malware configuration", "マルウェア設定"),
        new("information-gathering", "scanner", "Scanning", "スキャン"),
        new("information-gathering", "sniffing", "Sniffing", "盗聴"),
        new("information-gathering", "social-engineering", "Social engineering", "ソーシャルエンジニアリング"),
        new("intrusion-attempts", "ids-alert", "Exploitation of known vulnerabilities", "既知の脆弱性の悪用"),
        new("intrusion-attempts", "brute-force", "Login attempts", "ログイン試行"),
        new("intrusion-attempts", "exploit", "New attack signature", "未知の攻撃"),
        new("intrusions", "privileged-account-compromise", "Privileged account compromise", "特権アカウントの侵害"),
        new("intrusions", "unprivileged-account-compromise", "Unprivileged account compromise", "一般アカウントの侵害"),
        new("intrusions", "application-compromise", "Application compromise", "アプリケーションの侵害"),
        new("intrusions", "system-compromise", "System compromise", "システムの侵害"),
        new("intrusions", "burglary", "Burglary", "物理的侵入"),
        new("availability", "dos", "Denial of service", "サービス妨害 (DoS)"),
        new("availability", "ddos", "Distributed denial of service", "分散型サービス妨害 (DDoS)"),
        new("availability", "misconfiguration", "Misconfiguration", "設定不備"),
        new("availability", "sabotage", "Sabotage", "破壊工作"),
        new("availability", "outage", "Outage", "障害"),
        new("information-content-security", "unauthorised-information-access", "Unauthorised access to information", "情報への不正アクセス"),
        new("information-content-security", "unauthorised-information-modification", "Unauthorised modification of information", "情報の不正改ざん"),
        new("information-content-security", "data-loss", "Data loss", "データ消失"),
        new("information-content-security", "data-leak", "Leak of confidential information", "機密情報の漏えい"),
        new("fraud", "unauthorised-use-of-resources", "Unauthorised use of resources", "資源の不正利用"),
        new("fraud", "copyright", "Copyright", "著作権侵害"),
        new("fraud", "masquerade", "Masquerade", "なりすまし"),
        new("fraud", "phishing", "Phishing", "フィッシング"),
        new("vulnerable", "weak-crypto", "Weak cryptography", "脆弱な暗号"),
        new("vulnerable", "ddos-amplifier", "DDoS amplifier", "DDoS増幅器"),
        new("vulnerable", "potentially-unwanted-accessible", "Potentially unwanted accessible service", "不要な公開サービス"),
        new("vulnerable", "information-disclosure", "Information disclosure", "情報露出"),
        new("vulnerable", "vulnerable-system", "Vulnerable system", "脆弱なシステム"),
        new("other", "other", "Other", "その他"),
        new("other", "undetermined", "Undetermined", "未分類"),
        new("test", "test", "Test", "テスト"),
    ];

    private static readonly Dictionary<string, IncidentClass> ByCode =
        All.ToDictionary(c => c.Code, StringComparer.Ordinal);

    /// <summary>Finds a class by its code (<c>category/type</c>, case-insensitive, surrounding spaces ignored).</summary>
    public static IncidentClass? Find(string? code) =>
        code is not null && ByCode.TryGetValue(code.Trim().ToLowerInvariant(), out var found) ? found : null;

    /// <summary>The class, or a <see cref="ValidationFailedException"/> on <paramref name="field"/> listing the categories.</summary>
    public static IncidentClass Require(string? code, string field = "category") =>
        Find(code) ?? throw new ValidationFailedException(field,
            $"'{code}' is not a class of the {Name}; use category/type, e.g. intrusions/system-compromise " +
            $"(categories: {string.Join(", ", Categories.Select(c => c.Category))})");
}
