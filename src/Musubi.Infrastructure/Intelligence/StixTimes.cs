namespace Musubi.Infrastructure.Intelligence;

/// <summary>Store times at microsecond precision: what PostgreSQL keeps and what TAXII timestamps carry.</summary>
public static class StixTimes
{
    public static DateTimeOffset ToMicroseconds(DateTimeOffset t) => new(t.Ticks - (t.Ticks % 10), t.Offset);

    /// <summary>A TAXII/STIX timestamp in UTC with six fraction digits: <c>2026-04-01T09:00:00.123456Z</c>.</summary>
    public static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
