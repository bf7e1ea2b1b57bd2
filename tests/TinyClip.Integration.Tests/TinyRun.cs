using TinyClip.Model;

namespace TinyClip.Integration.Tests;

/// <summary>A complete two-stage plan sized to run in seconds: synthetic 32 px data, tiny-test teacher and student, two CPU trainers.</summary>
public static class TinyRun
{
    public const long TeacherSteps = 12, DistillSteps = 12;

    public static string WriteConfig(string directory)
    {
        var path = Path.Combine(directory, "tiny.conf");
        File.WriteAllText(path, $$"""
            tinyclip {
              run.name = tiny
              devices = ["cpu", "cpu"]
              threads-per-trainer = 1
              synthetic-data { generate = on, directory = "{{Path.Combine(directory, "data")}}", train = 320, val = 64, image-size = 32 }
              tokenizer.vocabulary-size = 600
              checkpoint { every-steps = 2, keep-last = 3 }
              training.log-every-steps = 1
              eval.max-samples = 64
              plan {
                stages = [teacher, distill]
                teacher { kind = teacher, model = tiny-test, init = scratch, steps = {{TeacherSteps}}, batch-size = 16, learning-rate = 2e-3, warmup-steps = 2 }
                distill { kind = distill, model = tiny-test, init = scratch, steps = {{DistillSteps}}, batch-size = 16, learning-rate = 2e-3, warmup-steps = 2 }
              }
            }
            """);
        return path;
    }

    public static string FinalStudent(string runDirectory, string stage) => Path.Combine(runDirectory, "students", stage + ".safetensors");

    public static Dictionary<string, float[]> Weights(string file)
    {
        using var checkpoint = SafeTensors.Read(file);
        return checkpoint.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
    }

    /// <summary>Committed checkpoint steps of a stage, from the files on disk.</summary>
    public static int CheckpointFiles(string runDirectory, string stage)
    {
        var directory = Path.Combine(runDirectory, "checkpoints", stage);
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "step-*.optim.safetensors").Length : 0;
    }
}
