using TinyClip.Data.Ordering;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Tests.Persistence;

public class RunHistoryTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Resume_points_at_the_newest_checkpoint_of_the_first_unfinished_stage()
    {
        var history = RunHistory.From(new IStageEvent[]
        {
            new RunPlanned("h", "m", new[] { "teacher", "student" }, At),
            new StageStarted("teacher", "teacher", "tiny", "scratch", At),
            new CheckpointCommitted("teacher", 10, 640, new Cursor(10, [new LanePosition(0, 10)]), "t10", "a", At),
            new StageCompleted("teacher", "t-final", "b", new Dictionary<string, double>(), At),
            new StageStarted("student", "distill", "tiny", "scratch", At),
            new CheckpointCommitted("student", 5, 320, new Cursor(5, [new LanePosition(0, 5)]), "s5", "c", At),
            new CheckpointCommitted("student", 10, 640, new Cursor(10, [new LanePosition(0, 10)]), "s10", "d", At),
        });
        var resume = history.Resume!;
        Assert.Equal("student", resume.Stage);
        Assert.Equal(10, resume.Step);
        Assert.Equal(new[] { "s10", "s5" }, resume.Checkpoints.Select(c => c.File));
        Assert.Equal("t-final", history.PreviousCompletion("student")!.File);
        Assert.False(history.IsCompleted);
    }

    [Fact]
    public void A_stage_without_checkpoints_resumes_at_step_zero_and_a_completed_run_has_no_resume()
    {
        var history = RunHistory.From(new IStageEvent[] { new RunPlanned("h", "m", new[] { "a" }, At) });
        Assert.Equal(("a", 0L), (history.Resume!.Stage, history.Resume.Step));
        history.Apply(new StageCompleted("a", "f", "s", new Dictionary<string, double>(), At));
        history.Apply(new RunCompleted(At));
        Assert.Null(history.Resume);
        Assert.True(history.IsCompleted);
    }
}
