using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// The supervisor's decisions as plain functions of the plan, the training data and the history: whether a run may go
/// on and which nodes may join it, which events to record when a stage starts, where the student comes from, which
/// teacher is used, when to evaluate.
/// </summary>
/// <param name="manifestHash">The content hash of the training manifest this process prepared.</param>
public sealed class StagePlanner(PlanSettings plan, long seed, string manifestHash)
{
    private readonly string _planHash = plan.Hash(seed);

    public StageSpec Spec(string stage) => plan.Stages.First(s => s.Name == stage);

    public RunPlanned Planned(DateTimeOffset at) => new(_planHash, manifestHash, plan.Stages.Select(s => s.Name).ToList(), at);

    /// <summary>Why this history cannot be continued with this plan and data, or null when it can (a journal from before
    /// manifest hashes were recorded is checked for its plan only).</summary>
    public string? RefusalToContinue(RunHistory history)
    {
        if (history.PlanHash is not null && history.PlanHash != _planHash)
            return $"the run directory holds a run of another plan (plan {history.PlanHash}, this configuration is plan {_planHash}); " +
                   "use a new run directory or the original configuration";
        if (history.ManifestHash is not null && history.ManifestHash != manifestHash)
            return $"the run directory holds a run on other training data (manifest {history.ManifestHash}, this data is manifest {manifestHash}); " +
                   "use a new run directory or the original data";
        return null;
    }

    /// <summary>Why a node cannot take part in this run, or null when it can: every trainer must read the same samples in
    /// the same order, so its training manifest must be the run's.</summary>
    public string? RefusalToRegister(RegisterNode register) =>
        register.ManifestHash == manifestHash
            ? null
            : $"node {register.Address} was refused: its training data differs from the run's (manifest {register.ManifestHash} there, " +
              $"{manifestHash} in the run); give every node the same data and the same (shared) run directory";

    public StageStarted Started(string stage, RunHistory history, DateTimeOffset at)
    {
        var spec = Spec(stage);
        return new StageStarted(stage, spec.Kind.ToString().ToLowerInvariant(), spec.Model, StudentInit(spec, history), at);
    }

    public StageAssignment Assignment(string stage, RunHistory history)
    {
        var spec = Spec(stage);
        var resume = history.Resume!;
        return new StageAssignment(
            spec,
            plan.Stages.ToList().IndexOf(spec),
            history.Generation,
            seed,
            resume.Checkpoints.Select(CheckpointRef.From).ToList(),
            StudentInit(spec, history),
            spec.Kind == StageKind.Teacher ? null : TeacherCheckpoint(stage, history),
            spec.Kind == StageKind.Teacher ? "" : plan.Teacher.Model);
    }

    /// <summary>scratch, a checkpoint path, the teacher's file, or (for "previous") the previous stage's final student.</summary>
    private string StudentInit(StageSpec spec, RunHistory history)
    {
        var init = PlanSettings.EffectiveInit(spec);
        if (init == StageSpec.InitTeacher) return TeacherCheckpoint(spec.Name, history);
        if (init != StageSpec.InitPrevious) return init;
        return history.PreviousCompletion(spec.Name)?.File
               ?? throw new InvalidOperationException($"stage '{spec.Name}' starts from the previous stage, which has not completed");
    }

    /// <summary>The configured teacher checkpoint, else the final weights of the last teacher stage before this one.</summary>
    private string TeacherCheckpoint(string stage, RunHistory history)
    {
        if (plan.Teacher.Checkpoint.Length > 0) return plan.Teacher.Checkpoint;
        var teacherStage = plan.Stages.TakeWhile(s => s.Name != stage).Last(s => s.Kind == StageKind.Teacher);
        return history.Completion(teacherStage.Name)?.File
               ?? throw new InvalidOperationException($"stage '{stage}' needs the teacher trained by stage '{teacherStage.Name}', which has not completed");
    }

    public bool IsEvaluationStep(string stage, long step)
    {
        var spec = Spec(stage);
        if (spec.Auto is { } auto && step < auto.PruneStep) return false; // the file's weights mean something only under the masks
        return spec.EvalEverySteps > 0 && step % spec.EvalEverySteps == 0;
    }
}
