using System.Text.RegularExpressions;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Server.Ui;
using Xunit;

namespace Musubi.Ui.Tests;

/// <summary>Every text the components show has a Japanese entry; every enum value the UI shows has names in both languages.</summary>
public sealed partial class LocalisationCoverageTests
{
    [Fact]
    public void Every_ui_text_in_the_components_has_a_japanese_entry()
    {
        var components = Path.Combine(RepositoryRoot(), "src", "Musubi.Server", "Components");
        var files = Directory.EnumerateFiles(components, "*.razor", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);

        var keys = files
            .SelectMany(f => UiText().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(components, f), Key: Regex.Unescape(m.Groups[1].Value))))
            .ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{keys.Select(k => k.Key).Distinct().Count()} texts in {files.Count} components");
        Assert.True(keys.Count > 100, "the scan found suspiciously few L[\"...\"] texts: has the pattern changed?");

        var missing = keys.Where(k => !Loc.Japanese.ContainsKey(k.Key)).Select(k => $"{k.File}: \"{k.Key}\"").Distinct().ToList();
        Assert.True(missing.Count == 0, "texts without a Japanese entry in Loc.Japanese:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Japanese_entries_keep_their_format_placeholders()
    {
        var broken = Loc.Japanese.Where(e => Placeholders(e.Key) != Placeholders(e.Value)).Select(e => e.Key).ToList();
        Assert.Empty(broken);

        static string Placeholders(string text) => string.Join(',', Placeholder().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_enum_value_shown_in_the_ui_has_english_and_japanese_names()
    {
        var missing = new List<string>();
        Check(Enum.GetValues<OrganisationKind>(), EnumText.Names);
        Check(Enum.GetValues<Role>(), EnumText.Names);
        Check(Enum.GetValues<ContactRole>(), EnumText.Names);
        Check(Enum.GetValues<CommunityKind>(), EnumText.Names);
        Check(Enum.GetValues<NetworkKind>(), EnumText.Names);
        Check(Enum.GetValues<Musubi.Core.Incidents.IncidentStatus>(), EnumText.Names);
        Check(Enum.GetValues<Musubi.Core.Incidents.Severity>(), EnumText.Names);
        Check(Enum.GetValues<Musubi.Core.Incidents.IncidentRole>(), EnumText.Names);
        Check(Enum.GetValues<Musubi.Core.Incidents.IncidentLayer>(), EnumText.Names);
        Check(Enum.GetValues<Musubi.Core.Incidents.DataSensitivity>(), EnumText.Names);
        Check(Enum.GetValues<Musubi.Core.Incidents.DeadlineState>(), EnumText.Names);
        Assert.Empty(missing);

        void Check<T>(T[] values, Func<T, (string En, string Ja)> names)
            where T : struct, Enum
        {
            foreach (var value in values)
            {
                var (en, ja) = names(value);
                if (string.IsNullOrWhiteSpace(en) || string.IsNullOrWhiteSpace(ja))
                {
                    missing.Add($"{typeof(T).Name}.{value}");
                }
            }
        }
    }

    /// <summary>The folder holding Musubi.slnx, found by walking up from the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Musubi.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Musubi.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>L["text"] and L.F("text", ...), with C# escapes inside the string.</summary>
    [GeneratedRegex("""\bL(?:\[|\.F\()"((?:[^"\\]|\\.)*)"[\],)]""")]
    private static partial Regex UiText();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
