using TinyClip.Actors.Collectives;

namespace TinyClip.Actors.Tests.Collectives;

public class InProcessCollectiveTests
{
    private static void RunMembers(InProcessCollectiveGroup group, Action<ICollective> body)
    {
        var threads = group.Members.Select(m => new Thread(() => body(m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(20))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void All_reduce_sums_in_rank_order_and_all_gather_concatenates(int worldSize)
    {
        var group = new InProcessCollectiveGroup(worldSize, TimeSpan.FromSeconds(10));
        var reduced = new float[worldSize][];
        var gathered = new float[worldSize][];
        RunMembers(group, member =>
        {
            for (long step = 0; step < 50; step++)
            {
                var buffer = Enumerable.Range(0, 7).Select(i => (float)(member.Rank * 100 + i + step)).ToArray();
                member.AllReduceSum(buffer, new CollectiveTag(1, step, "grads"));
                var local = Enumerable.Repeat((float)member.Rank, member.Rank + 1).ToArray();
                var all = member.AllGather(local, new CollectiveTag(1, step, "features"));
                member.Barrier(new CollectiveTag(1, step, "end"));
                if (step == 49) { reduced[member.Rank] = buffer; gathered[member.Rank] = all; }
            }
        });
        var expectedSum = Enumerable.Range(0, 7).Select(i => (float)Enumerable.Range(0, worldSize).Sum(r => r * 100 + i + 49)).ToArray();
        var expectedGather = Enumerable.Range(0, worldSize).SelectMany(r => Enumerable.Repeat((float)r, r + 1)).ToArray();
        for (int rank = 0; rank < worldSize; rank++)
        {
            Assert.Equal(expectedSum, reduced[rank]);
            Assert.Equal(expectedGather, gathered[rank]);
        }
    }

    [Fact]
    public void Mismatched_tags_fail_every_member()
    {
        var group = new InProcessCollectiveGroup(2, TimeSpan.FromSeconds(10));
        var errors = new Exception?[2];
        RunMembers(group, member =>
        {
            try { member.AllReduceSum(new float[3], new CollectiveTag(1, member.Rank, "grads")); }
            catch (Exception e) { errors[member.Rank] = e; }
        });
        Assert.All(errors, e => Assert.IsType<CollectiveAbortedException>(e));
    }

    [Fact]
    public void Abort_releases_a_member_that_waits_for_a_lost_peer()
    {
        var group = new InProcessCollectiveGroup(2, TimeSpan.FromMinutes(5));
        Exception? error = null;
        var waiter = new Thread(() =>
        {
            try { group.Members[0].Barrier(new CollectiveTag(1, 0, "step")); }
            catch (Exception e) { error = e; }
        });
        waiter.Start();
        // The abort must find member 0 blocked in the barrier, not on its way there.
        Assert.True(SpinWait.SpinUntil(() => (waiter.ThreadState & ThreadState.WaitSleepJoin) != 0, TimeSpan.FromSeconds(10)));
        group.Members[1].Abort("member 1 failed");
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        var aborted = Assert.IsType<CollectiveAbortedException>(error);
        Assert.Contains("member 1 failed", aborted.Message);
    }

    [Fact]
    public void A_member_that_never_arrives_times_out_instead_of_hanging()
    {
        var group = new InProcessCollectiveGroup(2, TimeSpan.FromMilliseconds(200));
        Assert.Throws<CollectiveAbortedException>(() => group.Members[0].Barrier(new CollectiveTag(1, 0, "step")));
    }
}
