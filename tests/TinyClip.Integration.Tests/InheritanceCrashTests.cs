using System.Text.Json.Nodes;

namespace TinyClip.Integration.Tests;

/// <summary>
/// A plan with the inheritance stages (teacher -> auto -> manual) killed with SIGKILL while the auto stage is learning
/// its masks and again in the manual stage: the rerun ends with the weights and the mask events of an uninterrupted run.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InheritanceCrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-inherit-").FullName;

    private const string InheritancePlan = """
          plan.stages = [teacher, auto, manual]
          plan.auto { kind = auto, model = tiny-test, init = teacher, steps = 16, batch-size = 16, learning-rate = 2e-3, warmup-steps = 2,
                      start-sparsity = 0.0, target-sparsity = 0.5, sparsity-warmup-steps = 6, prune-step = 10, mask-learning-rate = 0.5 }
          plan.manual { kind = manual, model = tiny-test-half, init = teacher, steps = 8, batch-size = 16, learning-rate = 2e-3, warmup-steps = 2 }
        """;

    private (string Config, string Run) Fresh(string name)
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        return (TinyRun.WriteConfig(directory, extraSettings: InheritancePlan), Path.Combine(directory, "run"));
    }

    /// <summary>Event types with their stage and step, and the pruned structure, in journal order (evaluations left out: they complete asynchronously).</summary>
    private static IReadOnlyList<string> Events(string run) =>
        TinyRun.StatusEvents(run)
            .Where(e => (string?)e["type"] != "EvalRecorded")
            .Select(e => $"{e["type"]} {e["stage"]} {e["step"]} {(e["towers"] as JsonArray)?.ToJsonString()}")
            .ToList();

    [Fact]
    public void Killed_while_masks_are_learned_and_again_in_the_manual_stage_the_rerun_matches_an_uninterrupted_run()
    {
        var (config, reference) = Fresh("uninterrupted");
        TinyRun.RunToEnd(config, reference);
        var referenceEvents = Events(reference);
        Assert.Contains(referenceEvents, e => e.StartsWith("MasksCommitted auto 10"));
        Assert.Contains(referenceEvents, e => e.StartsWith("MaskStateRecorded auto 4"));

        var (config2, crashed) = Fresh("crashed");
        // Mask learning: a checkpoint with its mask state is committed, the prune step (10) is not reached yet.
        TinyRun.RunAndKill(config2, crashed, () => TinyRun.JournalEvents(crashed, "MaskStateRecorded") >= 1);
        Assert.DoesNotContain(Events(crashed), e => e.StartsWith("MasksCommitted")); // killed before the prune step
        Assert.Contains(Events(crashed), e => e.StartsWith("MaskStateRecorded auto"));
        TinyRun.RunAndKill(config2, crashed, () => TinyRun.CheckpointFiles(crashed, "manual") >= 1);
        Assert.False(File.Exists(TinyRun.FinalStudent(crashed, "manual")));
        TinyRun.RunToEnd(config2, crashed);

        foreach (var stage in new[] { "teacher", "auto", "manual" }) TinyRun.AssertSameFinalWeights(reference, crashed, stage);
        Assert.Equal(referenceEvents, Events(crashed));
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
