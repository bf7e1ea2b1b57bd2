using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using TinyClip.Model;

namespace TinyClip.Integration.Tests;

/// <summary>A complete two-stage plan sized to run in seconds: synthetic 32 px data, tiny-test teacher and student, two CPU
/// trainers, sample logs on.</summary>
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
              training { log-every-steps = 1, sample-log = on }
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

    /// <summary>
    /// Deletes a test's directory of runs, unless TINYCLIP_KEEP_RUNS=1 asks to keep it (journals, checkpoints, metrics,
    /// sample logs) for inspection; its path is then printed.
    /// </summary>
    public static void RemoveTestDirectory(string directory)
    {
        if (Environment.GetEnvironmentVariable("TINYCLIP_KEEP_RUNS") == "1")
        {
            Console.Error.WriteLine($"kept {directory}");
            return;
        }
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

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
                $"largest difference {differing.Max(name => expected[name].Zip(actual[name], (a, b) => Math.Abs(a - b)).Max()):G3}; " +
                WhereRunsPart(expectedRun, actualRun, stage));
    }

    /// <summary>
    /// Where two runs of a stage parted, from what each left in its run directory: the first step whose logged loss or
    /// gradient norm differs (a rounding difference shows in the gradient norm first, another batch in the loss too),
    /// steps trained more than once (a kill or an in-process stage retry), quarantined rows, and whether both learned
    /// the same tokenizer. A failure on another machine then says where to look without its run directories.
    /// </summary>
    public static string WhereRunsPart(string expectedRun, string actualRun, string stage)
    {
        var expected = TrainingSteps(expectedRun, stage);
        var actual = TrainingSteps(actualRun, stage);
        var parted = expected.Keys.Order().FirstOrDefault(step => actual.TryGetValue(step, out var a) && !a.Equals(expected[step]));
        var steps = parted == 0 ? "every logged step agrees in loss and gradient norm"
            : $"step {parted} is the first to differ: loss {expected[parted].Loss:R} vs {actual[parted].Loss:R}, gradient norm {expected[parted].GradNorm:R} vs {actual[parted].GradNorm:R}";
        return $"{steps}; {FirstDifferingDigests(expectedRun, actualRun, stage)}; " +
               $"steps trained again: {RepeatedSteps(expectedRun, stage)} vs {RepeatedSteps(actualRun, stage)}; " +
               $"quarantined: {QuarantinedRows(expectedRun)} vs {QuarantinedRows(actualRun)}; " +
               $"same learned tokenizer: {SameFile(expectedRun, actualRun, Path.Combine("tokenizer", "merges.txt"))}";
    }

    /// <summary>
    /// From the sample logs' digests (each step's last attempt per rank): the first step a trainer entered with other
    /// weights, and the first it trained on other bytes. Equal weights and bytes at the step whose loss differs mean
    /// the same computation gave another result.
    /// </summary>
    private static string FirstDifferingDigests(string expectedRun, string actualRun, string stage)
    {
        var expected = Digests(expectedRun, stage);
        var actual = Digests(actualRun, stage);
        if (expected.Count == 0 || actual.Count == 0) return "no sample-log digests";
        string First(Func<SampleLogLine, string> digest)
        {
            var key = expected.Keys.Order().FirstOrDefault(k => actual.TryGetValue(k, out var a) && digest(a) != digest(expected[k]));
            return key == default ? "none" : $"step {key.Step} (rank {key.Rank})";
        }
        return $"first step entered with other weights: {First(l => l.Weights)}, first trained on other bytes: {First(l => l.Inputs)}";
    }

    private static Dictionary<(long Step, int Rank), SampleLogLine> Digests(string runDirectory, string stage) =>
        SampleLog.Lines(runDirectory).Where(l => l.Stage == stage).GroupBy(l => (l.Step, l.Rank)).ToDictionary(g => g.Key, g => g.Last());

    /// <summary>The last logged loss and gradient norm of every step of <paramref name="stage"/> (a retried step's last attempt).</summary>
    private static Dictionary<long, (double Loss, double GradNorm)> TrainingSteps(string runDirectory, string stage) =>
        TrainingRecords(runDirectory, stage).GroupBy(r => (long)r["step"]!)
            .ToDictionary(g => g.Key, g => (Number(g.Last()["loss"]), Number(g.Last()["grad_norm"])));

    /// <summary>A logged number; a non-finite one is logged as a string ("NaN").</summary>
    private static double Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<double>(out var number) ? number : double.NaN;

    private static int RepeatedSteps(string runDirectory, string stage)
    {
        var records = TrainingRecords(runDirectory, stage).ToList();
        return records.Count - records.Select(r => (long)r["step"]!).Distinct().Count();
    }

    private static IEnumerable<JsonObject> TrainingRecords(string runDirectory, string stage)
    {
        var metrics = Path.Combine(runDirectory, "metrics.jsonl");
        if (!File.Exists(metrics)) return [];
        return File.ReadLines(metrics).Where(line => line.Length > 0).Select(line => JsonNode.Parse(line)!.AsObject())
            .Where(r => (string?)r["type"] == "train" && (string?)r["stage"] == stage);
    }

    private static int QuarantinedRows(string runDirectory)
    {
        var quarantine = Path.Combine(runDirectory, "quarantine.jsonl");
        return File.Exists(quarantine) ? File.ReadLines(quarantine).Count(line => line.Length > 0) : 0;
    }

    private static bool SameFile(string firstRun, string secondRun, string relativePath)
    {
        string first = Path.Combine(firstRun, relativePath), second = Path.Combine(secondRun, relativePath);
        return File.Exists(first) && File.Exists(second) && File.ReadAllBytes(first).AsSpan().SequenceEqual(File.ReadAllBytes(second));
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
