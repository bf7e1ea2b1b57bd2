using TinyClip.Actors.Evaluation;
using TinyClip.Actors.Runtime;

namespace TinyClip.Actors.Tests.Evaluation;

public class EvaluationQueueTests
{
    private static EvaluateCheckpoint At(string stage, long step, bool final = false) => new(stage, step, $"{stage}-{step}.safetensors", final);

    [Fact]
    public void A_lone_request_is_evaluated()
    {
        var queue = new EvaluationQueue();
        queue.Add(At("a", 10));

        var (next, skipped) = queue.Take();

        Assert.Equal(At("a", 10), next);
        Assert.Empty(skipped);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void Of_waiting_checkpoints_the_newest_is_evaluated_and_the_older_ones_skipped()
    {
        var queue = new EvaluationQueue();
        foreach (var step in new[] { 10L, 20, 30 }) queue.Add(At("a", step));

        var (next, skipped) = queue.Take();

        Assert.Equal(At("a", 30), next);
        Assert.Equal(new[] { At("a", 10), At("a", 20) }, skipped);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void A_final_student_is_never_skipped_and_goes_before_a_newer_checkpoint()
    {
        var queue = new EvaluationQueue();
        queue.Add(At("a", 10));
        queue.Add(At("a", 20, final: true));
        queue.Add(At("b", 10));
        queue.Add(At("b", 20));

        var (first, skippedFirst) = queue.Take();
        var (second, skippedSecond) = queue.Take();

        Assert.Equal(At("a", 20, final: true), first);
        Assert.Equal(new[] { At("a", 10), At("b", 10) }, skippedFirst);
        Assert.Equal(At("b", 20), second);
        Assert.Empty(skippedSecond);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void The_same_checkpoint_asked_for_twice_waits_once()
    {
        var queue = new EvaluationQueue();
        queue.Add(At("a", 10));
        queue.Add(At("a", 10));

        Assert.Empty(queue.Take().Skipped);
        Assert.True(queue.IsEmpty);
    }
}
