using System.Text.Json;

namespace TinyClip.Benchmarks.Harness;

/// <summary>
/// HOCON for a one-stage teacher plan (CLIP loss, no teacher model) on existing shards, with the optimiser values of
/// <see cref="StandaloneTrainer"/> so that the actor runtime and the bare loop train the same thing.
/// </summary>
public sealed record OneStagePlan(string RunDirectory, string TrainPath, string Model, int BatchSize, long Steps, int Threads)
{
    public string TokenizerPath { get; init; } = "";
    public long CheckpointEverySteps { get; init; } = 1_000_000;
    /// <summary>The trainer's libtorch device.</summary>
    public string Device { get; init; } = "cpu";
    public int LogEverySteps { get; init; } = 10;

    public string ToHocon() => $$"""
        tinyclip {
          run { name = bench, dir = {{Quote(RunDirectory)}}, seed = 42 }
          devices = [{{Quote(Device)}}]
          threads-per-trainer = {{Threads}}
          data.train-paths = [{{Quote(TrainPath)}}]
          tokenizer { path = {{Quote(TokenizerPath)}}, vocabulary-size = 1024 }
          checkpoint.every-steps = {{CheckpointEverySteps}}
          training.log-every-steps = {{LogEverySteps}}
          plan {
            stages = [teacher]
            teacher {
              kind = teacher
              model = {{Model}}
              init = scratch
              steps = {{Steps}}
              batch-size = {{BatchSize}}
              learning-rate = {{StandaloneTrainer.LearningRate}}
              warmup-steps = 0
              weight-decay = {{StandaloneTrainer.WeightDecay}}
              gradient-clip = {{StandaloneTrainer.GradientClip}}
            }
          }
        }
        """;

    // JSON string syntax is valid HOCON and escapes paths safely.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
