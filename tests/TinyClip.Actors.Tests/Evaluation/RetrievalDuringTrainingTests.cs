using System.Collections.Concurrent;
using Akka.Configuration;
using TinyClip.Actors.Monitoring;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;
using TinyClip.Data.Synthetic;

namespace TinyClip.Actors.Tests.Evaluation;

/// <summary>A run with held-out pairs and no class names, through the whole runtime (<see cref="RunHost"/>).</summary>
public sealed class RetrievalDuringTrainingTests : IDisposable
{
    private const int ValSamples = 24, Steps = 4;
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-eval-no-classes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Without_classes_every_checkpoint_gets_retrieval_and_the_validation_loss_recorded_and_the_run_says_why_there_is_no_zero_shot()
    {
        // The synthetic split has labels and a classes file, which this run does not name: only its pairs are used.
        await SyntheticDataset.WriteAsync(new SynthOptions(_directory, TrainCount: 64, ValCount: ValSamples, ImageSize: 32, RowsPerFile: 32, RowGroupSize: 8));
        var config = ConfigurationFactory.ParseString($$"""
            tinyclip {
              run { name = no-classes, dir = {{Quoted(Path.Combine(_directory, "run"))}} }
              devices = [cpu]
              threads-per-trainer = 1
              data { train-paths = [{{Quoted(Path.Combine(_directory, "train"))}}], val-paths = [{{Quoted(Path.Combine(_directory, "val"))}}] }
              tokenizer.vocabulary-size = 600
              checkpoint.every-steps = 2
              eval { classes = "", max-samples = 0, batch-size = 8 }
              plan {
                stages = [teacher]
                teacher { kind = teacher, model = tiny-test, init = scratch, steps = {{Steps}}, eval-every-steps = 2, batch-size = 8, warmup-steps = 1 }
              }
            }
            """).WithFallback(TinyClipConfig.Reference);
        var console = new RecordingConsole();

        var outcome = await RunHost.RunAsync(config, console, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(outcome.Succeeded, outcome.Message);
        Assert.Contains(console.Lines, line => line.Contains("eval.classes is empty: evaluations report retrieval and the validation loss, no zero-shot accuracy"));
        var evaluations = outcome.Events.OfType<EvalRecorded>().ToList();
        // The final student is always evaluated; the checkpoint at step 2 is evaluated or recorded as skipped for it.
        Assert.Contains(evaluations, e => e.Stage == "teacher" && e.Step == Steps);
        var accounted = evaluations.Select(e => e.Step).Concat(outcome.Events.OfType<EvalSkipped>().Select(e => e.Step)).Order();
        Assert.Equal(new long[] { 2, Steps }, accounted);
        foreach (var evaluation in evaluations)
        {
            Assert.Equal(new[] { "i2t_r1", "i2t_r10", "i2t_r5", "samples", "t2i_r1", "t2i_r10", "t2i_r5", "val_loss" }, evaluation.Metrics.Keys.Order());
            Assert.Equal(ValSamples, evaluation.Metrics["samples"]);
            foreach (var direction in new[] { "i2t", "t2i" })
            {
                var (r1, r5, r10) = (evaluation.Metrics[$"{direction}_r1"], evaluation.Metrics[$"{direction}_r5"], evaluation.Metrics[$"{direction}_r10"]);
                // Recall over 24 queries moves in steps of 1/24 and cannot fall as k grows.
                Assert.All(new[] { r1, r5, r10 }, r => Assert.Equal(0, r * ValSamples % 1, 9));
                Assert.True(0 <= r1 && r1 <= r5 && r5 <= r10 && r10 <= 1, $"{direction}: {r1}, {r5}, {r10}");
            }
            // A model four steps from its random start ranks 24 candidates at about chance: the loss is near log(24).
            Assert.InRange(evaluation.Metrics["val_loss"], 0.5 * Math.Log(ValSamples), 2 * Math.Log(ValSamples));
        }
    }

    private static string Quoted(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    private sealed class RecordingConsole : IRunConsole
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public void Progress(ProgressUpdate update) { }

        public void Log(string line) => _lines.Enqueue(line);
    }
}
