using TinyClip.Actors.Evaluation;

namespace TinyClip.Actors.Tests.Evaluation;

public class EvaluationProgressMeterTests
{
    [Fact]
    public void Reports_at_most_once_per_interval_with_rate_and_time_left_then_a_last_line()
    {
        var now = TimeSpan.Zero;
        var reports = new List<EvaluationProgress>();
        var meter = new EvaluationProgressMeter(1000, TimeSpan.FromSeconds(10), reports.Add, () => now);

        now = TimeSpan.FromSeconds(4);
        meter.Add(100); // within the first interval: quiet
        now = TimeSpan.FromSeconds(10);
        meter.Add(100);
        now = TimeSpan.FromSeconds(15);
        meter.Add(100); // 5 s after the last line: quiet
        now = TimeSpan.FromSeconds(20);
        meter.Add(100);
        now = TimeSpan.FromSeconds(21);
        meter.Finish();

        Assert.Equal(new[] { 200L, 400, 400 }, reports.Select(r => r.Samples));
        Assert.Equal(new EvaluationProgress(200, 1000, 20, TimeSpan.FromSeconds(40)), reports[0]);
        Assert.Equal(new EvaluationProgress(400, 1000, 20, TimeSpan.FromSeconds(30)), reports[1]);
        Assert.Equal("400/1000 samples | 20 samples/s | ETA 00:00:30", reports[1].ToString());
    }

    [Fact]
    public void A_short_evaluation_reports_nothing()
    {
        var now = TimeSpan.Zero;
        var reports = new List<EvaluationProgress>();
        var meter = new EvaluationProgressMeter(100, TimeSpan.FromSeconds(30), reports.Add, () => now);

        now = TimeSpan.FromSeconds(2);
        meter.Add(100);
        meter.Finish();

        Assert.Empty(reports);
    }
}
