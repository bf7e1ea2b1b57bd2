using TinyClip.Actors.Collectives;
using TinyClip.Actors.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Training;

/// <summary>The bucketed gradient exchange on its own: two members of an in-process group, parameters made by hand.</summary>
public sealed class GradientExchangeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Member <paramref name="rank"/>'s parameters a (2 values) and b (3 values) with gradients rank-dependent; c without one.</summary>
    private static (Parameter A, Parameter B, Parameter C) Parameters(int rank)
    {
        var a = new Parameter(zeros(2)) { grad = tensor(new[] { 1f + rank, 2f * rank }) };
        var b = new Parameter(zeros(3)) { grad = tensor(new[] { 0.5f, rank, -3f * rank }) };
        return (a, b, new Parameter(zeros(1)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Buckets_are_summed_over_the_members_with_the_vote_of_the_last_one(bool overlapped)
    {
        var group = new InProcessCollectiveGroup(2, Limit);
        var sums = new (float[] A, float[] B, float[] C, float[] Extra)[2];
        Exception? failure = null;
        var threads = Enumerable.Range(0, 2).Select(rank => new Thread(() =>
        {
            try
            {
                var (a, b, c) = Parameters(rank);
                using var exchange = new GradientExchange(group.Members[rank], CPU, overlapped);
                Assert.Equal(overlapped, exchange.Overlapped);
                exchange.Send([a], new CollectiveTag(1, 0, "first"));
                exchange.Send([b, c], new CollectiveTag(1, 0, "second"), rank == 1 ? 1f : 0f, 2f);
                var extra = exchange.Finish();
                sums[rank] = (a.grad!.data<float>().ToArray(), b.grad!.data<float>().ToArray(), c.grad!.data<float>().ToArray(), extra);
            }
            catch (Exception e)
            {
                failure ??= e;
                group.Abort(e.Message);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(Limit)));

        Assert.Null(failure);
        foreach (var (a, b, c, extra) in sums)
        {
            Assert.Equal(new[] { 3f, 2f }, a); // (1 + 0) + (1 + 1), 0 + 2
            Assert.Equal(new[] { 1f, 1f, -3f }, b);
            Assert.Equal(new[] { 0f }, c); // no gradient anywhere: zeros summed
            Assert.Equal(new[] { 1f, 4f }, extra); // the vote of member 1, and 2 + 2
        }
    }

    [Fact]
    public void An_overlapped_bucket_is_exchanged_while_the_caller_goes_on_and_in_the_order_handed_over()
    {
        var calls = new List<string>();
        var released = new ManualResetEventSlim();
        var collective = new RecordingCollective(calls, (tag) =>
        {
            // The first exchange waits for the caller to have handed over the second bucket: were Send to run the
            // exchange on the caller's thread, it would never return to do so.
            if (tag.Phase == "first" && !released.Wait(Limit)) throw new TimeoutException("the caller was blocked by the first exchange");
        });
        var (a, b, _) = Parameters(0);
        using var exchange = new GradientExchange(collective, CPU, overlapped: true);
        exchange.Send([a], new CollectiveTag(1, 0, "first"));
        exchange.Send([b], new CollectiveTag(1, 0, "second"));
        released.Set();
        exchange.Finish();

        Assert.Equal(new[] { "first", "second" }, calls);
    }

    [Fact]
    public void A_failed_exchange_fails_the_step_on_the_trainers_thread()
    {
        var collective = new RecordingCollective([], _ => throw new CollectiveAbortedException("member 1 left"));
        var (a, _, _) = Parameters(0);
        using var exchange = new GradientExchange(collective, CPU, overlapped: true);
        exchange.Send([a], new CollectiveTag(1, 0, "first"));

        var error = Assert.Throws<CollectiveAbortedException>(() => exchange.Finish());
        Assert.Equal("member 1 left", error.Message);
    }

    /// <summary>A one-member collective that records its all-reduce calls' phases and runs <paramref name="onAllReduce"/> in each.</summary>
    private sealed class RecordingCollective(List<string> calls, Action<CollectiveTag> onAllReduce) : ICollective
    {
        public int Rank => 0;
        public int WorldSize => 1;
        public float[] AllGather(float[] local, CollectiveTag tag) => local;
        public float[] ReduceScatterSum(float[] buffer, int[] counts, CollectiveTag tag) => buffer;
        public void Barrier(CollectiveTag tag) { }
        public void Abort(string reason) { }

        public void AllReduceSum(float[] buffer, CollectiveTag tag)
        {
            onAllReduce(tag);
            lock (calls) calls.Add(tag.Phase);
        }
    }
}
