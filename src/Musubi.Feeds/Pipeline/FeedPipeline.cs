using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Pipeline;

/// <summary>What happened to the events a pipeline was given.</summary>
public sealed class PipelineCounts
{
    public long Received { get; internal set; }
    public long Rejected { get; internal set; }
    public long Invalid { get; internal set; }
    public long Duplicates { get; internal set; }
    public long Inhibited { get; internal set; }
    public long Unrouted { get; internal set; }
    public long Aggregated { get; internal set; }
}

/// <summary>
/// The pure pipeline core: validate → de-duplicate → enrich → route → aggregate, on one thread, with the clock
/// injected. It is an <see cref="IFeedSink"/>, so a parser feeds it directly; rows the parser rejected are counted.
/// Delivery takes the batches from <see cref="Aggregator"/>.
/// </summary>
public sealed class FeedPipeline(EventValidator validator, Deduplicator deduplicator, Enricher enricher, Router router, Aggregator aggregator) : IFeedSink
{
    public PipelineCounts Counts { get; } = new();

    public Aggregator Aggregator { get; } = aggregator;

    public Deduplicator Deduplicator { get; } = deduplicator;

    public static FeedPipeline Create(TimeProvider time, RoutingOptions routing, Enricher enricher, ValidationOptions? validation = null, DeduplicationOptions? dedup = null)
    {
        var router = new Router(routing);
        return new FeedPipeline(new EventValidator(validation ?? new ValidationOptions(), time), new Deduplicator(dedup ?? new DeduplicationOptions(), time),
            enricher, router, new Aggregator(router.Recipients, time));
    }

    public void OnEvent(in FeedEvent feedEvent)
    {
        Counts.Received++;
        if (validator.Check(feedEvent) is not null)
        {
            Counts.Invalid++;
            return;
        }

        if (!Deduplicator.IsNew(feedEvent))
        {
            Counts.Duplicates++;
            return;
        }

        FeedEvent e = feedEvent;
        enricher.Enrich(ref e);
        switch (router.Route(e, out int recipient))
        {
            case RouteOutcome.Inhibited:
                Counts.Inhibited++;
                return;
            case RouteOutcome.Unrouted:
                Counts.Unrouted++;
                return;
        }

        Aggregator.Add(recipient, e);
        Counts.Aggregated++;
    }

    public void OnError(in FeedError error) => Counts.Rejected++;
}
