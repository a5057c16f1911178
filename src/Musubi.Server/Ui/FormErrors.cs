using Musubi.Core;

namespace Musubi.Server.Ui;

/// <summary>
/// The errors of one form submission: per field (shown next to the field) and general (shown at the top). Reasons are
/// kept in the services' English; the components translate them through <see cref="Loc"/> when a translation exists.
/// </summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, List<string>> _fields = new(StringComparer.OrdinalIgnoreCase);

    public List<string> General { get; } = [];

    public bool Any => General.Count > 0 || _fields.Count > 0;

    public bool HasFieldErrors => _fields.Count > 0;

    public IReadOnlyList<string> For(string field) => _fields.TryGetValue(field, out var list) ? list : [];

    public void Add(string field, string reason)
    {
        if (!_fields.TryGetValue(field, out var list))
        {
            list = [];
            _fields[field] = list;
        }

        list.Add(reason);
    }

    /// <summary>
    /// Files a service error. Field errors for fields the form shows (<paramref name="shownFields"/>) go next to them;
    /// anything else goes to the top, with the field name, so no reason is ever lost.
    /// </summary>
    public void Capture(MusubiException error, params string[] shownFields)
    {
        switch (error)
        {
            case ValidationFailedException v:
                foreach (var (field, reasons) in v.Errors)
                {
                    foreach (var reason in reasons)
                    {
                        if (shownFields.Contains(field, StringComparer.OrdinalIgnoreCase))
                        {
                            Add(field, reason);
                        }
                        else
                        {
                            General.Add(field + ": " + reason);
                        }
                    }
                }

                break;
            case ConflictException c when c.Field is { } field && shownFields.Contains(field, StringComparer.OrdinalIgnoreCase):
                Add(field, c.Message);
                break;
            default:
                General.Add(error.Message);
                break;
        }
    }
}
