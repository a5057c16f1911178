namespace Musubi.Core.Incidents;

/// <summary>Incident severity, in increasing order. Serialised in kebab-case.</summary>
public enum Severity
{
    Low = 0,
    Medium = 1,
    High = 2,
    Critical = 3,
}

/// <summary>How sensitive the data at stake is.</summary>
public enum DataSensitivity
{
    None = 0,
    Internal = 1,
    PersonalData = 2,
    Confidential = 3,
    Classified = 4,
}

/// <summary>
/// What the risk score is computed from. <see cref="AssetCriticality"/> is 1 (nothing depends on it) to 5 (a service
/// the nation depends on); <see cref="AffectedOrganisations"/> counts distinct organisations; <see cref="IndicatorConfidence"/>
/// is the STIX-style confidence 0–100 that the activity is real (100 when a person confirmed it).
/// </summary>
public sealed record RiskInputs(
    int AssetCriticality,
    bool CriticalInfrastructureSector,
    int AffectedOrganisations,
    DataSensitivity DataSensitivity,
    int IndicatorConfidence);

/// <summary>A computed score with its severity, and the parts it came from so that a person can see why.</summary>
public sealed record RiskAssessment(int Score, Severity Severity, double Impact, double Likelihood,
    double Criticality, double Sector, double Spread, double Sensitivity);

/// <summary>
/// The documented risk score (docs/INCIDENTS.md):
/// <code>
/// impact     = 0.35·criticality + 0.20·sector + 0.25·spread + 0.20·sensitivity        (each part 0..1)
///   criticality = (assetCriticality − 1) / 4
///   sector      = 1 for a critical-infrastructure sector, 0.4 otherwise
///   spread      = min(1, log2(organisations) / 5)   (1 organisation → 0, 2 → 0.2, 32 or more → 1)
///   sensitivity = dataSensitivity / 4               (none 0 … classified 1)
/// likelihood = 0.4 + 0.6 · confidence / 100          (an unconfirmed report still counts for 40 %)
/// score      = round(100 · impact · likelihood)      (0..100)
/// severity   = critical ≥ 70, high ≥ 45, medium ≥ 20, low below
/// </code>
/// An analyst may override the severity; the override and its reason are kept beside the computed value.
/// </summary>
public static class RiskScore
{
    public const int CriticalFrom = 70;
    public const int HighFrom = 45;
    public const int MediumFrom = 20;

    public static RiskAssessment Assess(RiskInputs inputs)
    {
        Validate(inputs);
        var criticality = (inputs.AssetCriticality - 1) / 4.0;
        var sector = inputs.CriticalInfrastructureSector ? 1.0 : 0.4;
        var spread = Math.Min(1.0, Math.Log2(Math.Max(1, inputs.AffectedOrganisations)) / 5.0);
        var sensitivity = (int)inputs.DataSensitivity / 4.0;
        var impact = 0.35 * criticality + 0.20 * sector + 0.25 * spread + 0.20 * sensitivity;
        var likelihood = 0.4 + 0.6 * inputs.IndicatorConfidence / 100.0;
        var score = (int)Math.Round(100 * impact * likelihood, MidpointRounding.AwayFromZero);
        return new RiskAssessment(score, SeverityOf(score), impact, likelihood, criticality, sector, spread, sensitivity);
    }

    public static Severity SeverityOf(int score) => score switch
    {
        >= CriticalFrom => Severity.Critical,
        >= HighFrom => Severity.High,
        >= MediumFrom => Severity.Medium,
        _ => Severity.Low,
    };

    private static void Validate(RiskInputs inputs)
    {
        var errors = new Validation.FieldErrors();
        errors.Check("assetCriticality", inputs.AssetCriticality is >= 1 and <= 5 ? null : "must be 1 to 5");
        errors.Check("affectedOrganisations", inputs.AffectedOrganisations >= 0 ? null : "must not be negative");
        errors.Check("dataSensitivity", Enum.IsDefined(inputs.DataSensitivity) ? null : "is not a known level");
        errors.Check("indicatorConfidence", inputs.IndicatorConfidence is >= 0 and <= 100 ? null : "must be 0 to 100");
        errors.ThrowIfAny();
    }
}

/// <summary>The severity in force: the analyst's override when there is one, else the computed one.</summary>
public sealed record SeverityDecision(RiskAssessment Computed, Severity? Override, string? OverrideReason)
{
    public const int MaxReasonLength = 1000;

    public Severity Effective => Override ?? Computed.Severity;

    public static SeverityDecision FromComputed(RiskAssessment computed) => new(computed, null, null);

    /// <summary>An override must say why: a non-blank reason of at most <see cref="MaxReasonLength"/> characters.</summary>
    public SeverityDecision WithOverride(Severity severity, string? reason)
    {
        var trimmed = reason?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new ValidationFailedException("overrideReason", "an override of the computed severity needs a reason");
        }

        if (trimmed.Length > MaxReasonLength)
        {
            throw new ValidationFailedException("overrideReason", $"must be at most {MaxReasonLength} characters");
        }

        return this with { Override = severity, OverrideReason = trimmed };
    }
}
