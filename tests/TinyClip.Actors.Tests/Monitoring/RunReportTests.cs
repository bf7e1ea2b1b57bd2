using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Tests.Monitoring;

public class RunReportTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    private static EvalRecorded Eval(string stage, long step, double top1) =>
        new(stage, step, new Dictionary<string, double> { ["zero_shot_top1"] = top1, ["i2t_r1"] = top1 / 2, ["t2i_r1"] = top1 / 4 }, At);

    private static StageCompleted Completed(string stage) =>
        new(stage, stage + ".safetensors", "h", new Dictionary<string, double> { ["params_image"] = 2_000_000, ["params_text"] = 500_000, ["samples_per_second"] = 100 }, At);

    [Fact]
    public void Rows_take_each_stage_s_final_evaluation_and_speeds_the_first_step_reaching_the_fraction_of_the_teacher()
    {
        var events = new IStageEvent[]
        {
            new StageStarted("teacher", "teacher", "demo-teacher", "scratch", At), Eval("teacher", 100, 0.5), Eval("teacher", 200, 0.8), Completed("teacher"),
            new StageStarted("scratch", "distill", "demo-student", "scratch", At), Eval("scratch", 50, 0.3), Eval("scratch", 100, 0.6), Eval("scratch", 150, 0.75), Completed("scratch"),
            new StageStarted("manual", "manual", "demo-student", "t.safetensors", At), Eval("manual", 50, 0.73), Eval("manual", 100, 0.79), Completed("manual"),
            new StageStarted("auto", "auto", "demo-teacher", "t.safetensors", At), Eval("auto", 150, 0.5), Completed("auto"),
        };
        var report = RunReport.From(events, teacherFraction: 0.9);

        Assert.Equal(new[] { "teacher", "scratch", "manual", "auto" }, report.Rows.Select(r => r.Stage));
        Assert.Equal(0.8, report.Rows[0].ZeroShotTop1);
        Assert.Equal(0.4, report.Rows[0].ImageToTextR1);
        Assert.Equal("2.00M + 0.50M", report.Rows[1].ParameterSummary);
        // 90% of the teacher's 0.8 is 0.72: scratch reaches it at step 150, manual at 50, auto never.
        Assert.Equal(new long?[] { 150, 50, null }, report.Speeds.Select(s => s.StepsToReach));
        Assert.All(report.Speeds, s => Assert.Equal(0.72, s.TargetTop1, 12));
        Assert.Contains("| manual | manual | 50 | 100 |", report.ToMarkdown());
        Assert.Contains("| auto | auto | not reached | 150 |", report.ToMarkdown());
    }
}
