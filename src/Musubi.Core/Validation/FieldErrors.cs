namespace Musubi.Core.Validation;

/// <summary>Collects field-level errors and throws them together.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string reason)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            list = [];
            _errors[field] = list;
        }

        list.Add(reason);
    }

    /// <summary>Adds <paramref name="reason"/> for <paramref name="field"/> when a rule returned one (rules return null when satisfied).</summary>
    public void Check(string field, string? reason)
    {
        if (reason is not null)
        {
            Add(field, reason);
        }
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw new ValidationFailedException(ToDictionary());
        }
    }
}
