using CsCheck;
using Musubi.Core.Incidents;

namespace Musubi.Core.Tests.Incidents;

public sealed class RiskScoreTests
{
    [Theory]
    // criticality 1, not CI, 1 organisation, no data, confidence 0: impact 0.08, likelihood 0.4 → 3.2
    [InlineData(1, false, 1, DataSensitivity.None, 0, 3, Severity.Low)]
    // criticality 3 (.5), not CI (.4), 4 organisations (.4), internal (.25), confidence 50 (.7): .405 × .7 = 28.35
    [InlineData(3, false, 4, DataSensitivity.Internal, 50, 28, Severity.Medium)]
    // criticality 4 (.75), CI, 2 organisations (.2), personal data (.5), confidence 80 (.88): .6125 × .88 = 53.9
    [InlineData(4, true, 2, DataSensitivity.PersonalData, 80, 54, Severity.High)]
    // everything at its maximum
    [InlineData(5, true, 32, DataSensitivity.Classified, 100, 100, Severity.Critical)]
    [InlineData(5, true, 500, DataSensitivity.Classified, 100, 100, Severity.Critical)]
    public void The_documented_formula_gives_these_scores(int criticality, bool ci, int organisations, DataSensitivity data, int confidence, int score, Severity severity)
    {
        var assessed = RiskScore.Assess(new RiskInputs(criticality, ci, organisations, data, confidence));
        Assert.Equal(score, assessed.Score);
        Assert.Equal(severity, assessed.Severity);
    }

    [Theory]
    [InlineData(19, Severity.Low)]
    [InlineData(20, Severity.Medium)]
    [InlineData(44, Severity.Medium)]
    [InlineData(45, Severity.High)]
    [InlineData(69, Severity.High)]
    [InlineData(70, Severity.Critical)]
    public void Severity_bands_start_at_20_45_and_70(int score, Severity severity) =>
        Assert.Equal(severity, RiskScore.SeverityOf(score));

    private static readonly Gen<RiskInputs> Inputs =
        from criticality in Gen.Int[1, 5]
        from ci in Gen.Bool
        from organisations in Gen.Int[0, 100]
        from data in Gen.Enum<DataSensitivity>()
        from confidence in Gen.Int[0, 100]
        select new RiskInputs(criticality, ci, organisations, data, confidence);

    [Fact]
    public void Raising_any_input_never_lowers_the_score_and_scores_stay_within_0_to_100()
    {
        Inputs.Sample(inputs =>
        {
            var score = RiskScore.Assess(inputs).Score;
            Assert.InRange(score, 0, 100);
            RiskInputs[] raised =
            [
                inputs with { AssetCriticality = Math.Min(5, inputs.AssetCriticality + 1) },
                inputs with { CriticalInfrastructureSector = true },
                inputs with { AffectedOrganisations = inputs.AffectedOrganisations + 1 },
                inputs with { DataSensitivity = (DataSensitivity)Math.Min(4, (int)inputs.DataSensitivity + 1) },
                inputs with { IndicatorConfidence = Math.Min(100, inputs.IndicatorConfidence + 1) },
            ];
            Assert.All(raised, higher => Assert.True(RiskScore.Assess(higher).Score >= score, $"{higher} scored below {inputs}"));
        }, iter: 10_000);
    }

    [Fact]
    public void Out_of_range_inputs_are_refused_field_by_field()
    {
        var error = Assert.Throws<ValidationFailedException>(() =>
            RiskScore.Assess(new RiskInputs(0, false, -1, (DataSensitivity)9, 101)));
        Assert.Equal(["affectedOrganisations", "assetCriticality", "dataSensitivity", "indicatorConfidence"], error.Errors.Keys.Order());
    }

    [Fact]
    public void An_override_needs_a_reason_and_wins_over_the_computed_severity()
    {
        var computed = SeverityDecision.FromComputed(RiskScore.Assess(new RiskInputs(1, false, 1, DataSensitivity.None, 0)));
        Assert.Equal(Severity.Low, computed.Effective);
        Assert.Throws<ValidationFailedException>(() => computed.WithOverride(Severity.Critical, "   "));
        Assert.Throws<ValidationFailedException>(() => computed.WithOverride(Severity.Critical, new string('x', 1001)));
        var overridden = computed.WithOverride(Severity.Critical, "  ministry systems, elections next week ");
        Assert.Equal(Severity.Critical, overridden.Effective);
        Assert.Equal(Severity.Low, overridden.Computed.Severity);
        Assert.Equal("ministry systems, elections next week", overridden.OverrideReason);
    }
}
