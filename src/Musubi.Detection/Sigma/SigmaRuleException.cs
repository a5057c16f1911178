namespace Musubi.Detection.Sigma;

/// <summary>A rule that cannot be supported: the message is the precise reason it is rejected.</summary>
public sealed class SigmaRuleException : Exception
{
    public SigmaRuleException(string message)
        : base(message)
    {
    }

    public SigmaRuleException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SigmaRuleException()
    {
    }
}
