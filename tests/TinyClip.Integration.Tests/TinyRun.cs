using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using TinyClip.Model;

namespace TinyClip.Integration.Tests;

/// <summary>A complete two-stage plan sized to run in seconds: synthetic 32 px data, tiny-test teacher and student, two CPU trainers.</summary>
public static class TinyRun
{
    public const long TeacherSteps = 12, DistillSteps = 12;
    public const int BatchSize = 16;
    public static readonly string[] Stages = ["teacher", "distill"];

    /// <param name="trainSamples">Rows of the synthetic training split (fewer rows = more epochs in the same steps).</param>
    /// <param name="extraSettings">More HOCON lines inside the tinyclip block.</param>
    /// <param name="postgres">A connection string: the run's journal is PostgreSQL there instead of SQLite in the run directory.</param>
    public static string WriteConfig(string directory, int trainSamples = 320, string extraSettings = "", string? postgres = null)
    {
        if (postgres is not null)
            extraSettings += $"\npersistence {{ journal = postgresql, postgresql.connection-string = {JsonSerializer.Serialize(postgres)} }}";
        var path = Path.Combine(directory, "tiny.conf");
        File.WriteAllText(path, $$"""
            tinyclip {
              run.name = tiny
              devices = ["cpu", "cpu"]
              threads-per-trainer = 1
              synthetic-data { generate = on, directory = "{{Path.Combine(directory, "data")}}", train = {{trainSamples}}, val = 64, image-size = 32 }
              tokenizer.vocabulary-size = 600
              checkpoint { every-steps = 2, keep-last = 3 }
              training.log-every-steps = 1
              eval.max-samples = 64
              plan {
                stages = [teacher, distill]
                teacher { kind = teacher, model = tiny-test, init = scratch, steps = {{TeacherSteps}}, batch-size = {{BatchSize}}, learning-rate = 2e-3, warmup-steps = 2 }
                distill { kind = distill, model = tiny-test, init = scratch, steps = {{DistillSteps}}, batch-size = {{BatchSize}}, learning-rate = 2e-3, warmup-steps = 2 }
              }
            {{extraSettings}}
            }
            """);
        return path;
    }

    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    public static void RunToEnd(string config, string runDirectory)
    {
        var (exit, output) = CliProcess.Run(RunTimeout, "train", "--config", config, "--run-dir", runDirectory);
        Assert.True(exit == 0, output);
    }

    /// <summary>Starts a run and kills it once <paramref name="ready"/> holds (polled), never later than the run's end.</summary>
    public static void RunAndKill(string config, string runDirectory, Func<bool> ready)
    {
        using var cli = CliProcess.Start("train", "--config", config, "--run-dir", runDirectory);
        cli.WaitUntil(ready, "the kill point", RunTimeout);
        cli.Kill();
    }

    public static long Steps(string stage) => stage == "teacher" ? TeacherSteps : DistillSteps;

    public static string FinalStudent(string runDirectory, string stage) => Path.Combine(runDirectory, "students", stage + ".safetensors");

    public static string CheckpointDirectory(string runDirectory, string stage) => Path.Combine(runDirectory, "checkpoints", stage);

    public static Dictionary<string, float[]> Weights(string file)
    {
        using var checkpoint = SafeTensors.Read(file);
        return checkpoint.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
    }

    /// <summary>Asserts that two runs ended with bitwise identical final weights for <paramref name="stage"/>.</summary>
    public static void AssertSameFinalWeights(string expectedRun, string actualRun, string stage)
    {
        var expected = Weights(FinalStudent(expectedRun, stage));
        var actual = Weights(FinalStudent(actualRun, stage));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differing = expected.Where(kv => !kv.Value.SequenceEqual(actual[kv.Key])).Select(kv => kv.Key).ToList();
        // How many tensors differ and by how much tells rounding (a few ulps everywhere) from a different step or batch.
        if (differing.Count > 0)
            Assert.Fail($"{stage}: {differing.Count} of {expected.Count} tensors differ, first {differing[0]}, " +
                $"largest difference {differing.Max(name => expected[name].Zip(actual[name], (a, b) => Math.Abs(a - b)).Max()):G3}");
    }

    /// <summary>How many checkpoints of a stage have their files on disk (durable; their commit event may still be on its way).</summary>
    public static int CheckpointFiles(string runDirectory, string stage)
    {
        var directory = CheckpointDirectory(runDirectory, stage);
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "step-*.optim.safetensors").Length : 0;
    }

    /// <summary>
    /// How many events of <paramref name="eventType"/> the run's SQLite journal holds, read while the run may still be
    /// writing (WAL mode lets a reader in beside the writer). Kill points use this, not the checkpoint files: a
    /// background write makes the files durable before the supervisor journals their commit, so files on disk do not
    /// mean committed events yet. Cheap enough to poll, unlike `tinyclip status`.
    /// </summary>
    public static int JournalEvents(string runDirectory, string eventType)
    {
        var database = Path.Combine(runDirectory, "journal.db");
        if (!File.Exists(database)) return 0;
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
                { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            // The event serializer's manifest is the event's type name.
            command.CommandText = "SELECT COUNT(*) FROM journal WHERE manifest = $type";
            command.Parameters.AddWithValue("$type", eventType);
            return Convert.ToInt32(command.ExecuteScalar());
        }
        catch (SqliteException) { return 0; } // the journal's tables are not created yet, or a writer holds it this moment
    }

    /// <summary>The run's stage events as `tinyclip status --json` prints them.</summary>
    public static IReadOnlyList<JsonObject> StatusEvents(string runDirectory)
    {
        var (exit, output) = CliProcess.Run(TimeSpan.FromMinutes(1), "status", "--run-dir", runDirectory, "--json");
        Assert.True(exit == 0, output);
        return JsonNode.Parse(output)!["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
    }

    /// <summary>The student files of the committed checkpoints, oldest first.</summary>
    public static IReadOnlyList<string> CommittedCheckpoints(string runDirectory) =>
        StatusEvents(runDirectory).Where(e => (string?)e["type"] == "CheckpointCommitted").Select(e => (string)e["file"]!).ToList();
}
