using TinyClip.Actors.Collectives;
using static TinyClip.Actors.Tests.Collectives.CollectiveValues;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>ICollective.ReduceScatterSum: every member's segment of the all-reduce, bit for bit, in process and across nodes.</summary>
public class ReduceScatterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Every member reduce-scatters, then all-reduces, the same summands for a few steps; asserts that each member's
    /// segment has the bits of its slice of the all-reduce, and that the caller's buffer was left as it was.
    /// </summary>
    private static void AssertSegmentsOfTheAllReduce(IEnumerable<ICollectiveGroup> groups, int[] counts)
    {
        int length = counts.Sum();
        var starts = counts.Select((_, rank) => counts.Take(rank).Sum()).ToArray();
        var errors = RemoteNodes.RunMembers(groups, member =>
        {
            for (long step = 0; step < 3; step++)
            {
                var buffer = Contribution(member.Rank, step, length);
                var segment = member.ReduceScatterSum(buffer, counts, new CollectiveTag(1, step, "reduce-scatter"));
                Assert.Equal(Bits(Contribution(member.Rank, step, length)), Bits(buffer));
                member.AllReduceSum(buffer, new CollectiveTag(1, step, "all-reduce"));
                Assert.Equal(Bits(buffer.AsSpan(starts[member.Rank], counts[member.Rank])), Bits(segment));
            }
        }, Limit);
        Assert.Equal(counts.Length, errors.Count);
        Assert.All(errors.Values, e => Assert.Null(e));
    }

    [Theory]
    [InlineData(new[] { 1003 })]
    [InlineData(new[] { 700, 303 })]
    [InlineData(new[] { 5, 0, 998 })]
    [InlineData(new[] { 1, 1000, 2 })]
    public void In_process_segments_equal_the_all_reduce_s_slices_bitwise(int[] counts) =>
        AssertSegmentsOfTheAllReduce(new[] { new InProcessCollectiveGroup(counts.Length, Limit) }, counts);

    [Theory]
    [InlineData(new[] { 1 }, new[] { 1003 })]
    [InlineData(new[] { 1, 1 }, new[] { 700, 303 })]
    [InlineData(new[] { 2, 1 }, new[] { 5, 0, 998 })]
    [InlineData(new[] { 1, 2 }, new[] { 600, 1, 402 })]
    [InlineData(new[] { 1, 1, 1 }, new[] { 1, 1000, 2 })]
    public void Across_nodes_segments_equal_the_all_reduce_s_slices_bitwise(int[] ranksPerNode, int[] counts)
    {
        using var nodes = RemoteNodes.Start(ranksPerNode.Length);
        AssertSegmentsOfTheAllReduce(nodes.Groups(1, ranksPerNode, Limit), counts);
    }

    [Fact]
    public void Segment_lengths_that_do_not_split_the_buffer_are_refused()
    {
        var member = new InProcessCollectiveGroup(1, Limit).Members[0];
        Assert.Throws<ArgumentException>(() => member.ReduceScatterSum(new float[10], new[] { 9 }, new CollectiveTag(1, 0, "grads")));
        Assert.Throws<ArgumentException>(() => member.ReduceScatterSum(new float[10], new[] { 5, 5 }, new CollectiveTag(1, 0, "grads")));
    }
}
