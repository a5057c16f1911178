namespace Musubi.Server.Ui;

/// <summary>
/// UI texts. The key is the English text; <see cref="Japanese"/> holds the translation. A test checks that every
/// <c>L["..."]</c> used in a component has a Japanese entry.
/// </summary>
public sealed class Loc
{
    public string this[string english] =>
        UiLocalization.IsJapanese && Japanese.TryGetValue(english, out var ja) ? ja : english;

    /// <summary>Formats after translating: L.F("{0} organisations", n).</summary>
    public string F(string english, params object?[] args) =>
        string.Format(System.Globalization.CultureInfo.CurrentCulture, this[english], args);

    public static readonly IReadOnlyDictionary<string, string> Japanese = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Musubi"] = "Musubi（結び）",
        ["Sign in"] = "サインイン",
        ["Sign out"] = "サインアウト",
        ["User name"] = "ユーザー名",
        ["Password"] = "パスワード",
        ["Authentication code"] = "認証コード",
        ["Enter the 6-digit code from your authenticator app."] = "認証アプリに表示される6桁のコードを入力してください。",
        ["Verify"] = "確認",
        ["Wrong user name or password."] = "ユーザー名またはパスワードが正しくありません。",
        ["The code is wrong or was already used."] = "コードが正しくないか、既に使用されています。",
        ["Too many failed attempts. Try again later."] = "失敗が多すぎます。しばらくしてから再度お試しください。",
        ["The sign-in step expired. Start again."] = "サインインの有効期限が切れました。最初からやり直してください。",
        ["Home"] = "ホーム",
        ["Organisations"] = "組織",
        ["Communities"] = "コミュニティ",
        ["Users"] = "ユーザー",
        ["API tokens"] = "APIトークン",
        ["Audit"] = "監査ログ",
        ["API"] = "API",
        ["Language"] = "言語",
        ["Signed in as"] = "サインイン中",
        ["Welcome to Musubi"] = "Musubiへようこそ",
        ["The national cybersecurity coordination platform."] = "国家サイバーセキュリティ連携プラットフォーム",
        ["Access denied"] = "アクセスが拒否されました",
        ["You are not allowed to open this page."] = "このページを開く権限がありません。",
        ["Page not found"] = "ページが見つかりません",
    };
}
