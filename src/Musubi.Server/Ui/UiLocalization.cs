using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Musubi.Server.Ui;

/// <summary>
/// The UI speaks English and Japanese. The choice comes from the culture cookie (set by the language switch), else the
/// browser's Accept-Language, else English.
/// </summary>
public static class UiLocalization
{
    public static readonly CultureInfo[] Cultures = [new("en"), new("ja")];

    public static RequestLocalizationOptions RequestLocalizationOptions()
    {
        var o = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("en"),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
        };
        o.RequestCultureProviders =
        [
            new CookieRequestCultureProvider(),
            new AcceptLanguageHeaderRequestCultureProvider(),
        ];
        return o;
    }

    public static bool IsJapanese => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "ja";
}
