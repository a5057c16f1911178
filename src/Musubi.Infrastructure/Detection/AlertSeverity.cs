using Musubi.Core.Constituency;
using Musubi.Detection.Sigma;

namespace Musubi.Infrastructure.Detection;

/// <summary>
/// severity = round(base × criticality × confidence), clamped to 1–100 (docs/DETECTION.md):
/// base from the Sigma level (informational 10, low 30, medium 50, high 70, critical 90) or 60 for an indicator;
/// criticality 1.25 when the organisation whose sensor saw it runs critical infrastructure or is a ministry, defence,
/// police or the national centre, else 1.0; confidence 0.5 + c/200 for an indicator of STIX confidence c (c unknown:
/// 50), 1.0 for a rule.
/// </summary>
public static class AlertSeverity
{
    public static int LevelBase(SigmaLevel level) => level switch
    {
        SigmaLevel.Informational => 10,
        SigmaLevel.Low => 30,
        SigmaLevel.Medium => 50,
        SigmaLevel.High => 70,
        SigmaLevel.Critical => 90,
        _ => 30,
    };

    public const int IndicatorBase = 60;

    public static double Criticality(OrganisationKind? kind) => kind switch
    {
        OrganisationKind.CriticalInfrastructureOperator or OrganisationKind.MinistryAgency or OrganisationKind.Defence
            or OrganisationKind.Police or OrganisationKind.NationalCentre => 1.25,
        _ => 1.0,
    };

    public static double ConfidenceFactor(int? confidence) => 0.5 + ((confidence ?? 50) / 200.0);

    public static int Compute(int levelBase, double criticality, double confidence) =>
        Math.Clamp((int)Math.Round(levelBase * criticality * confidence, MidpointRounding.AwayFromZero), 1, 100);
}
