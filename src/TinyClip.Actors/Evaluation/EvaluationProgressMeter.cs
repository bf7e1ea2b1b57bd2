using System.Diagnostics;

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// Counts the samples an evaluation has encoded and reports its <see cref="EvaluationProgress"/> at most once per
/// interval: a long evaluation gets a line every so often and one when it finishes, a short one none.
/// </summary>
public sealed class EvaluationProgressMeter
{
    private readonly long _expected;
    private readonly TimeSpan _every;
    private readonly Action<EvaluationProgress> _report;
    private readonly Func<TimeSpan> _elapsed;
    private long _samples;
    private TimeSpan _lastReport;
    private bool _reported;

    /// <param name="elapsed">Time since the evaluation began; a stopwatch started here when null (tests pass their own clock).</param>
    public EvaluationProgressMeter(long expectedSamples, TimeSpan every, Action<EvaluationProgress> report, Func<TimeSpan>? elapsed = null)
    {
        _expected = expectedSamples;
        _every = every;
        _report = report;
        var clock = Stopwatch.StartNew();
        _elapsed = elapsed ?? (() => clock.Elapsed);
    }

    public void Add(int samples)
    {
        _samples += samples;
        var now = _elapsed();
        if (now - _lastReport < _every) return;
        _lastReport = now;
        _reported = true;
        _report(At(now));
    }

    /// <summary>The last line, after at least one: where the evaluation ended and how fast it went.</summary>
    public void Finish()
    {
        if (_reported) _report(At(_elapsed()));
    }

    private EvaluationProgress At(TimeSpan now)
    {
        double rate = now > TimeSpan.Zero ? _samples / now.TotalSeconds : 0;
        TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, _expected - _samples) / rate) : null;
        return new EvaluationProgress(_samples, _expected, rate, eta);
    }
}
