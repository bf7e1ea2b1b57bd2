using Akka.Actor;
using TinyClip.Actors.Runtime;

namespace TinyClip.Actors.Monitoring;

/// <summary>
/// Turns trainer and evaluator reports into metrics.jsonl lines, TensorBoard scalars and progress updates for the
/// display. Off the training path: trainers only send it a message per step.
/// </summary>
public sealed class RunMonitor : ReceiveActor
{
    public RunMonitor(MetricsLog metrics, TensorBoardWriter tensorBoard, Action<ProgressUpdate> progress, Action<string> log, int logEvery)
    {
        Receive<TrainerStepped>(stepped =>
        {
            var r = stepped.Report;
            double stepsPerSecond = stepped.SamplesPerSecond / stepped.GlobalBatch;
            TimeSpan? eta = stepsPerSecond > 0 ? TimeSpan.FromSeconds((stepped.TotalSteps - r.Step) / stepsPerSecond) : null;
            progress(new ProgressUpdate(stepped.Stage, r.Step, stepped.TotalSteps, stepped.SamplesPerSecond, r.Loss, eta));
            if (r.Step % logEvery != 0 && r.Step != stepped.TotalSteps && !r.Skipped) return;
            var record = new Dictionary<string, object>
            {
                ["type"] = "train", ["stage"] = stepped.Stage, ["step"] = r.Step, ["loss"] = r.Loss, ["distill"] = r.Distill,
                ["clip"] = r.Clip, ["lr"] = r.LearningRate, ["grad_norm"] = r.GradientNorm, ["skipped"] = r.Skipped,
                ["samples_per_second"] = stepped.SamplesPerSecond, ["time"] = DateTimeOffset.UtcNow,
            };
            if (stepped.Data is { } data)
            {
                record["samples_decoded"] = data.SamplesDecoded;
                record["bytes_read"] = data.BytesRead;
            }
            if (r.Masks is { } m)
            {
                record["expected_sparsity"] = m.ExpectedSparsity;
                record["target_sparsity"] = m.TargetSparsity;
                record["lagrangian"] = m.Penalty;
                tensorBoard.Scalar($"{stepped.Stage}/expected_sparsity", r.Step, m.ExpectedSparsity);
            }
            metrics.Append(record);
            if (r.Pruned is { } towers) log($"stage {stepped.Stage}: pruned at step {r.Step}: " + string.Join("; ", towers));
            tensorBoard.Scalar($"{stepped.Stage}/loss", r.Step, r.Loss);
            tensorBoard.Scalar($"{stepped.Stage}/lr", r.Step, r.LearningRate);
            tensorBoard.Scalar($"{stepped.Stage}/samples_per_second", r.Step, stepped.SamplesPerSecond);
        });
        Receive<EvaluationFinished>(evaluated =>
        {
            var record = new Dictionary<string, object> { ["type"] = "eval", ["stage"] = evaluated.Stage, ["step"] = evaluated.Step, ["time"] = DateTimeOffset.UtcNow };
            foreach (var (name, value) in evaluated.Metrics)
            {
                record[name] = value;
                tensorBoard.Scalar($"{evaluated.Stage}/eval/{name}", evaluated.Step, value);
            }
            metrics.Append(record);
            log($"eval {evaluated.Stage} step {evaluated.Step}: " + string.Join(", ", evaluated.Metrics.Select(kv => $"{kv.Key}={kv.Value:0.###}")));
        });
        Receive<EvaluationSkipped>(skipped =>
        {
            metrics.Append(new Dictionary<string, object>
            {
                ["type"] = "eval_skipped", ["stage"] = skipped.Stage, ["step"] = skipped.Step, ["newer_stage"] = skipped.NewerStage,
                ["newer_step"] = skipped.NewerStep, ["time"] = DateTimeOffset.UtcNow,
            });
            log($"eval {skipped.Stage} step {skipped.Step}: skipped, the newer checkpoint of {skipped.NewerStage} step {skipped.NewerStep} was waiting");
        });
        Receive<EvaluationProgressed>(progressed => log($"eval {progressed.Stage} step {progressed.Step}: {progressed.Progress}"));
        Receive<StageResumed>(resumed =>
        {
            foreach (var rejected in resumed.Rejected) log($"checkpoint rejected: {rejected}");
            log($"stage {resumed.Stage}: resumed at step {resumed.Step}");
        });
        Receive<TrainerStopped>(stopped => { if (stopped.Rank == 0) log($"stage {stopped.Stage}: stopped after step {stopped.Step}"); });
    }

    public static Props Props(MetricsLog metrics, TensorBoardWriter tensorBoard, Action<ProgressUpdate> progress, Action<string> log, int logEvery) =>
        Akka.Actor.Props.Create(() => new RunMonitor(metrics, tensorBoard, progress, log, logEvery));
}
