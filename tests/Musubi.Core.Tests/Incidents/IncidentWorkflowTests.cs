using Musubi.Core.Incidents;
using static Musubi.Core.Incidents.IncidentStatus;

namespace Musubi.Core.Tests.Incidents;

public sealed class IncidentWorkflowTests
{
    /// <summary>The legal moves, written out by hand from docs/INCIDENTS.md; every other pair must be refused.</summary>
    private static readonly HashSet<(IncidentStatus, IncidentStatus)> Legal =
    [
        (Reported, Triaged), (Reported, Rejected), (Reported, Merged),
        (Triaged, Contained), (Triaged, Eradicated), (Triaged, Recovered), (Triaged, Closed), (Triaged, Rejected), (Triaged, Merged),
        (Contained, Triaged), (Contained, Eradicated), (Contained, Recovered), (Contained, Closed), (Contained, Merged),
        (Eradicated, Contained), (Eradicated, Recovered), (Eradicated, Closed), (Eradicated, Merged),
        (Recovered, Eradicated), (Recovered, Closed), (Recovered, Merged),
        (Closed, Triaged),
        (Rejected, Triaged),
    ];

    public static TheoryData<IncidentStatus, IncidentStatus> AllPairs()
    {
        var data = new TheoryData<IncidentStatus, IncidentStatus>();
        foreach (var from in Enum.GetValues<IncidentStatus>())
        {
            foreach (var to in Enum.GetValues<IncidentStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_pair_of_statuses_is_allowed_exactly_when_the_table_says_so(IncidentStatus from, IncidentStatus to)
    {
        var legal = Legal.Contains((from, to));
        Assert.Equal(legal, IncidentWorkflow.CanMove(from, to));
        if (legal)
        {
            IncidentWorkflow.EnsureCanMove(from, to);
        }
        else
        {
            var refused = Assert.Throws<ConflictException>(() => IncidentWorkflow.EnsureCanMove(from, to));
            Assert.Equal("status", refused.Field);
            Assert.Contains($"from {IncidentWorkflow.Name(from)} to {IncidentWorkflow.Name(to)}", refused.Message);
        }
    }

    [Fact]
    public void A_refusal_lists_the_moves_that_are_allowed()
    {
        var refused = Assert.Throws<ConflictException>(() => IncidentWorkflow.EnsureCanMove(Reported, Closed));
        Assert.EndsWith("allowed: triaged, rejected, merged", refused.Message);
        var final = Assert.Throws<ConflictException>(() => IncidentWorkflow.EnsureCanMove(Merged, Triaged));
        Assert.EndsWith("allowed: none", final.Message);
    }

    [Fact]
    public void Merged_is_final_and_closed_rejected_merged_are_not_open()
    {
        Assert.Empty(IncidentWorkflow.NextFrom(Merged));
        Assert.False(IncidentWorkflow.IsOpen(Closed));
        Assert.False(IncidentWorkflow.IsOpen(Rejected));
        Assert.False(IncidentWorkflow.IsOpen(Merged));
        Assert.True(IncidentWorkflow.IsOpen(Recovered));
    }

    [Theory]
    [InlineData(Contained, Triaged, true)]
    [InlineData(Recovered, Eradicated, true)]
    [InlineData(Closed, Triaged, true)]
    [InlineData(Rejected, Triaged, true)]
    [InlineData(Triaged, Rejected, true)]
    [InlineData(Eradicated, Merged, true)]
    [InlineData(Reported, Triaged, false)]
    [InlineData(Triaged, Closed, false)]
    [InlineData(Contained, Eradicated, false)]
    public void Backward_steps_reopening_rejecting_and_merging_need_a_reason(IncidentStatus from, IncidentStatus to, bool needsReason) =>
        Assert.Equal(needsReason, IncidentWorkflow.NeedsReason(from, to));
}
