using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Runtime;

/// <summary>
/// The supervisor's decisions as plain functions of the plan and the history: which events to record when a stage
/// starts, where the student comes from, which teacher is used, when to evaluate.
/// </summary>
public sealed class StagePlanner(PlanSettings plan, long seed)
{
    private readonly string _planHash = plan.Hash(seed);

    public StageSpec Spec(string stage) => plan.Stages.First(s => s.Name == stage);

    public RunPlanned Planned(DateTimeOffset at) => new(_planHash, plan.Stages.Select(s => s.Name).ToList(), at);

    /// <summary>Why this history cannot be continued with this plan, or null when it can.</summary>
    public string? RefusalToContinue(RunHistory history) =>
        history.PlanHash is null || history.PlanHash == _planHash
            ? null
            : $"the run directory holds a run of another plan (plan {history.PlanHash}, this configuration is plan {_planHash}); " +
              "use a new run directory or the original configuration";

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
        var init = plan.EffectiveInit(spec);
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
