using System.Text.Json;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Enum values as the files spell them: kebab-case, as in the API ("critical-infrastructure-operator"). Reading is
/// forgiving of case, '_' and spaces, since people type these into spreadsheets.
/// </summary>
internal static class EnumText<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private static readonly Dictionary<string, T> ByKey = Values.ToDictionary(v => Key(v.ToString()), StringComparer.Ordinal);

    public static readonly string Known = string.Join(", ", Values.Select(Format));

    public static string Format(T value) => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static bool TryParse(string? text, out T value)
    {
        value = default;
        return !string.IsNullOrWhiteSpace(text) && ByKey.TryGetValue(Key(text), out value);
    }

    private static string Key(string text) =>
        string.Concat(text.Where(c => c is not ('-' or '_' or ' '))).ToLowerInvariant();
}
