using System.Diagnostics;
using TinyClip.Actors.Collectives;
using static TinyClip.Actors.Tests.Collectives.CollectiveValues;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>HierarchicalCollectiveGroup over real Akka remoting between ActorSystems of this process.</summary>
public class RemoteCollectiveTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Local ranks summed in rank order per node, then node partial sums added in node order.</summary>
    private static float[] HierarchicalSum(IReadOnlyList<int> ranksPerNode, long step, int length)
    {
        var total = new float[length];
        int rank = 0;
        for (int node = 0; node < ranksPerNode.Count; node++)
        {
            var partial = Contribution(rank++, step, length);
            for (int r = 1; r < ranksPerNode[node]; r++)
            {
                var next = Contribution(rank++, step, length);
                for (int i = 0; i < length; i++) partial[i] += next[i];
            }
            if (node == 0) total = partial;
            else for (int i = 0; i < length; i++) total[i] += partial[i];
        }
        return total;
    }

    [Theory]
    [InlineData(new[] { 2, 2 })]
    [InlineData(new[] { 1, 1, 1 })]
    public void All_reduce_sum_and_uneven_all_gather_across_nodes_match_the_loop_computed_results_bitwise(int[] ranksPerNode)
    {
        using var nodes = RemoteNodes.Start(ranksPerNode.Length);
        var groups = nodes.Groups(1, ranksPerNode, Limit);
        int worldSize = ranksPerNode.Sum(), length = 1003;
        var reduced = new float[worldSize][][];
        var gathered = new float[worldSize][][];
        var errors = RemoteNodes.RunMembers(groups, member =>
        {
            reduced[member.Rank] = new float[3][];
            gathered[member.Rank] = new float[3][];
            for (long step = 0; step < 3; step++)
            {
                var buffer = Contribution(member.Rank, step, length);
                member.AllReduceSum(buffer, new CollectiveTag(1, step, "grads"));
                reduced[member.Rank][step] = buffer;
                var local = Enumerable.Repeat(member.Rank + step / 10f, 3 * member.Rank + 1).ToArray();
                gathered[member.Rank][step] = member.AllGather(local, new CollectiveTag(1, step, "features"));
                member.Barrier(new CollectiveTag(1, step, "end"));
            }
        }, Limit);

        Assert.All(errors.Values, e => Assert.Null(e));
        for (long step = 0; step < 3; step++)
        {
            var expectedSum = HierarchicalSum(ranksPerNode, step, length);
            var expectedGather = Enumerable.Range(0, worldSize).SelectMany(r => Enumerable.Repeat(r + step / 10f, 3 * r + 1)).ToArray();
            for (int rank = 0; rank < worldSize; rank++)
            {
                // Bitwise: compare the bit patterns, not approximately.
                Assert.Equal(expectedSum.Select(BitConverter.SingleToInt32Bits), reduced[rank][step].Select(BitConverter.SingleToInt32Bits));
                Assert.Equal(expectedGather, gathered[rank][step]);
            }
        }
    }

    [Fact]
    public void Several_megabytes_arrive_intact_in_64_KB_frames_whatever_akka_s_frame_size()
    {
        // Payloads no longer travel as Akka messages: a 256 KB Akka frame does not limit them.
        using var nodes = RemoteNodes.Start(2, "tinyclip.remoting.maximum-frame-size = 256KiB", "tinyclip.collectives.chunk-bytes = 64KiB",
            "tinyclip.collectives.timeout = 30s");
        Assert.Equal(64 * 1024, nodes.Exchanges[0].Settings.ChunkBytes);
        var groups = nodes.Groups(3, new[] { 1, 1 }, Limit);
        const int length = 2_500_007; // 10 MB of floats, not a multiple of the chunk
        var reduced = new float[2][];
        var gathered = new float[2][];
        var errors = RemoteNodes.RunMembers(groups, member =>
        {
            // Integers below 2^24: sums are exact, so any lost or misplaced chunk shows.
            var buffer = Enumerable.Range(0, length).Select(i => (float)(i % 100_003 + member.Rank * 1_000_000)).ToArray();
            member.AllReduceSum(buffer, new CollectiveTag(3, 10, "grads"));
            reduced[member.Rank] = buffer;
            gathered[member.Rank] = member.AllGather(Enumerable.Range(0, 1_000_000 + member.Rank).Select(i => (float)(i + member.Rank)).ToArray(),
                new CollectiveTag(3, 10, "features"));
        }, Limit);

        Assert.All(errors.Values, e => Assert.Null(e));
        var expected = Enumerable.Range(0, length).Select(i => (float)(2 * (i % 100_003) + 1_000_000)).ToArray();
        var expectedGather = Enumerable.Range(0, 1_000_000).Select(i => (float)i).Concat(Enumerable.Range(0, 1_000_001).Select(i => (float)(i + 1))).ToArray();
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.True(expected.AsSpan().SequenceEqual(reduced[rank]), $"rank {rank}'s reduced buffer differs");
            Assert.True(expectedGather.AsSpan().SequenceEqual(gathered[rank]), $"rank {rank}'s gathered buffer differs");
        }
    }

    [Fact]
    public void A_node_whose_actor_system_terminates_mid_exchange_fails_the_waiting_members_long_before_the_timeout()
    {
        using var nodes = RemoteNodes.Start(2);
        var groups = nodes.Groups(2, new[] { 2, 1 }, TimeSpan.FromMinutes(5));
        var lost = nodes.Exchanges[1].Address;
        var clock = new Stopwatch();
        var errors = RemoteNodes.RunMembers(groups, member =>
        {
            member.AllReduceSum(new float[100], new CollectiveTag(2, 0, "grads"));
            if (member.Rank == 2)
            {
                // Node 1 completed step 0 with the others, then its process goes away while they wait in step 1.
                clock.Start();
                nodes.Systems[1].Terminate().Wait();
                return;
            }
            member.AllReduceSum(new float[100], new CollectiveTag(2, 1, "grads"));
        }, Limit);
        clock.Stop();

        Assert.Null(errors[2]);
        foreach (var rank in new[] { 0, 1 })
        {
            var aborted = Assert.IsType<CollectiveAbortedException>(errors[rank]);
            // Usually step 1; step 0 when node 0 had not yet begun step 1 as node 1 went.
            Assert.Matches($@"node {System.Text.RegularExpressions.Regex.Escape(lost)} left during generation 2, step [01]\b", aborted.Message);
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed} to notice the lost node");
    }

    [Fact]
    public void Abort_on_one_node_fails_the_members_of_the_other_node_and_later_calls()
    {
        using var nodes = RemoteNodes.Start(2);
        var groups = nodes.Groups(4, new[] { 2, 1 }, TimeSpan.FromMinutes(5));
        var errors = RemoteNodes.RunMembers(groups, member =>
        {
            if (member.Rank == 2)
            {
                Thread.Sleep(500); // the others are waiting for this node's contribution
                member.Abort("trainer 2 diverged");
                member.AllReduceSum(new float[10], new CollectiveTag(4, 0, "grads"));
            }
            else member.AllReduceSum(new float[10], new CollectiveTag(4, 0, "grads"));
        }, Limit);

        Assert.All(errors.Values, e => Assert.Contains("trainer 2 diverged", Assert.IsType<CollectiveAbortedException>(e).Message));
    }

    [Fact]
    public void A_peer_that_never_arrives_times_out_naming_what_was_awaited()
    {
        using var nodes = RemoteNodes.Start(2, "tinyclip.collectives.timeout = 1s");
        var group = nodes.Groups(5, new[] { 1, 1 }, Limit)[0];
        var clock = Stopwatch.StartNew();
        var aborted = Assert.Throws<CollectiveAbortedException>(() => group.Members[0].AllReduceSum(new float[10], new CollectiveTag(5, 7, "grads")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15));
        // The first call of a generation also looks up the peers' data endpoints: on a loaded machine the second can run
        // out while node 1's is still being resolved. Either way the message names what node 0 waited for from node 1.
        var peer = nodes.Exchanges[1].Address;
        Assert.True(aborted.Message.Contains($"waited more than 00:00:01 for the contribution of node {peer}")
                    || aborted.Message.Contains($"waited more than 00:00:01 for the data endpoint of node {peer}"), aborted.Message);
        Assert.Contains("generation 5, step 7, grads", aborted.Message);
    }

    [Fact]
    public void Nodes_that_disagree_about_the_tag_fail_instead_of_mixing_steps()
    {
        using var nodes = RemoteNodes.Start(2);
        var groups = nodes.Groups(6, new[] { 1, 1 }, Limit);
        var errors = RemoteNodes.RunMembers(groups, member => member.AllReduceSum(new float[10], new CollectiveTag(6, member.Rank, "grads")), Limit);
        Assert.All(errors.Values, e => Assert.IsType<CollectiveAbortedException>(e));
    }

    [Fact]
    public void A_single_node_group_gives_the_in_process_group_s_bits()
    {
        using var nodes = RemoteNodes.Start(1);
        var hierarchical = nodes.Groups(1, new[] { 3 }, Limit)[0];
        var inProcess = new InProcessCollectiveGroup(3, Limit);
        var results = new Dictionary<string, float[][]>();
        foreach (var (name, group) in new (string, ICollectiveGroup)[] { ("hierarchical", hierarchical), ("in-process", inProcess) })
        {
            var reduced = new float[3][];
            RemoteNodes.RunMembers(new[] { group }, member =>
            {
                var buffer = Contribution(member.Rank, 0, 257);
                member.AllReduceSum(buffer, new CollectiveTag(1, 0, "grads"));
                reduced[member.Rank] = buffer;
            }, Limit);
            results[name] = reduced;
        }
        for (int rank = 0; rank < 3; rank++) Assert.Equal(results["in-process"][rank], results["hierarchical"][rank]);
        Assert.Equal(new[] { 0, 1, 2 }, hierarchical.Members.Select(m => m.Rank));
    }
}
