namespace Musubi.Core.Intelligence;

/// <summary>
/// How fast trust in one kind of indicator fades: after <see cref="Lifetime"/> (τ) the score is 0; <see cref="Speed"/>
/// (δ) shapes the curve (1 linear, above 1 falls fast at first, below 1 holds then falls).
/// </summary>
public sealed record DecayModel(TimeSpan Lifetime, double Speed);

/// <summary>
/// Polynomial decay of an indicator's score, as MISP's decaying model: score(t) = base × (1 − (t/τ)^(1/δ)), t the time
/// since the indicator was last published or sighted, clamped to [0, base]. Pure.
/// </summary>
public static class IndicatorDecay
{
    /// <summary>The score when the indicator has no <c>confidence</c> of its own.</summary>
    public const double DefaultBase = 75;

    public static double Score(double baseScore, TimeSpan age, DecayModel model)
    {
        if (baseScore <= 0 || model.Lifetime <= TimeSpan.Zero || model.Speed <= 0)
        {
            return 0;
        }

        if (age <= TimeSpan.Zero)
        {
            return baseScore;
        }

        if (age >= model.Lifetime)
        {
            return 0;
        }

        var fraction = age.TotalSeconds / model.Lifetime.TotalSeconds;
        return Math.Clamp(baseScore * (1 - Math.Pow(fraction, 1 / model.Speed)), 0, baseScore);
    }

    /// <summary>
    /// How long after its reference time an indicator of <paramref name="baseScore"/> falls below
    /// <paramref name="threshold"/>: t = τ × (1 − threshold/base)^δ; zero when it starts below.
    /// </summary>
    public static TimeSpan TimeToThreshold(double baseScore, double threshold, DecayModel model)
    {
        if (baseScore < threshold || baseScore <= 0 || model.Speed <= 0)
        {
            return TimeSpan.Zero;
        }

        var seconds = model.Lifetime.TotalSeconds * Math.Pow(1 - (threshold / baseScore), model.Speed);
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }
}
