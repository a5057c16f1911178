using Musubi.Feeds.Events;

namespace Musubi.Feeds.Parsing;

/// <summary>Receives each event and each rejected row, in input order.</summary>
public interface IFeedSink
{
    void OnEvent(in FeedEvent feedEvent);

    void OnError(in FeedError error);
}

/// <summary>Collects into lists: for tests, the CLI and small inputs.</summary>
public sealed class CollectingSink : IFeedSink
{
    public List<FeedEvent> Events { get; } = [];

    public List<FeedError> Errors { get; } = [];

    public void OnEvent(in FeedEvent feedEvent) => Events.Add(feedEvent);

    public void OnError(in FeedError error) => Errors.Add(error);
}
