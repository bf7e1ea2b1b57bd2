using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace TinyClip.Integration.Tests;

/// <summary>
/// The real CLI killed with SIGKILL at several moments chosen from a seed (after a step, while a checkpoint file is
/// being written, right after a checkpoint file appeared; in both stages) and rerun after each kill ends exactly like
/// an uninterrupted run: the same final weights bitwise, the same stage events, and, from the per-trainer sample logs,
/// every step trained once on the same samples, with no sample repeated or skipped within an epoch.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RandomKillTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The default seed; set TINYCLIP_FAULT_SEED to try others.</summary>
    private const int DefaultSeed = 7;
    /// <summary>Six global batches of 16: each 12-step stage runs two whole epochs, so resumes cross an epoch boundary.</summary>
    private const int TrainRows = 96;
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-kills-").FullName;

    public enum MomentKind
    {
        /// <summary>Rank 0 logged step N of the stage.</summary>
        AfterStep,
        /// <summary>A temporary file of checkpoint N appeared (the write has begun and nothing is committed yet).</summary>
        DuringCheckpointWrite,
        /// <summary>The student file of checkpoint N appeared (it may or may not be committed in the journal yet).</summary>
        AfterCheckpointFile,
    }

    public sealed record KillMoment(string Stage, MomentKind Kind, long Step)
    {
        public override string ToString() => $"{Stage} {Kind} {Step}";
    }

    /// <summary>
    /// Per stage, one moment of each kind at seeded, distinct steps, taken in step order. A rerun resumes at or before
    /// the previous kill, so it always reaches the next moment. Every moment lies before the stage's end with a margin,
    /// so each kill lands while its stage runs: a checkpoint write at least two steps before it (a missed write falls
    /// back to the next one, see <see cref="WaitForTemporaryFile"/>); a logged step or a checkpoint file, which the test
    /// sees by polling, at least four steps before it (two steps of the tiny model take a few tens of milliseconds, less
    /// than a poll can lag on a loaded machine).
    /// </summary>
    public static IReadOnlyList<KillMoment> ChooseMoments(int seed)
    {
        var random = new Random(seed);
        var moments = new List<KillMoment>();
        foreach (var stage in TinyRun.Stages)
        {
            long lastWrite = TinyRun.Steps(stage) - 2, lastPolled = TinyRun.Steps(stage) - 4;
            var checkpointSteps = Enumerable.Range(1, (int)lastWrite / 2).Select(i => 2L * i).OrderBy(_ => random.Next()).ToList(); // every-steps = 2
            var file = checkpointSteps.First(s => s <= lastPolled);
            var write = checkpointSteps.First(s => s != file);
            var step = Enumerable.Range(1, (int)lastPolled).Select(s => (long)s).Where(s => s != write && s != file).OrderBy(_ => random.Next()).First();
            moments.AddRange(new KillMoment[] { new(stage, MomentKind.DuringCheckpointWrite, write), new(stage, MomentKind.AfterCheckpointFile, file), new(stage, MomentKind.AfterStep, step) }
                .OrderBy(m => m.Step));
        }
        return moments;
    }

    [Fact]
    public void Killed_at_seeded_moments_and_rerun_ends_exactly_as_an_uninterrupted_run()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TINYCLIP_FAULT_SEED"), out var s) ? s : DefaultSeed;
        var moments = ChooseMoments(seed);
        output.WriteLine($"seed {seed}: {string.Join("; ", moments)}");

        var (config, reference) = Fresh("uninterrupted");
        TinyRun.RunToEnd(config, reference);

        var (killedConfig, killed) = Fresh("killed");
        var interruptedWrites = 0;
        foreach (var moment in moments)
        {
            var interruptedWrite = KillAt(killedConfig, killed, moment);
            output.WriteLine($"killed at {moment}{(interruptedWrite ? ", inside a checkpoint write" : "")}");
            if (interruptedWrite) interruptedWrites++;
        }
        TinyRun.RunToEnd(killedConfig, killed);
        // The moment is the appearance of a temporary file, so a miss needs the whole write to finish before the kill.
        Assert.True(interruptedWrites > 0, "no kill landed inside a checkpoint write");

        // The generated data has no bad sample: anything quarantined failed for a reason that is not in the data.
        foreach (var run in new[] { reference, killed })
        {
            var quarantine = Path.Combine(run, "quarantine.jsonl");
            Assert.False(File.Exists(quarantine), $"{run} quarantined samples:\n{(File.Exists(quarantine) ? File.ReadAllText(quarantine) : "")}");
        }
        // Events first: their checkpoint hashes show the first committed step at which the runs parted.
        var (expectedOrdered, expectedEvaluations) = Events(reference);
        var (actualOrdered, actualEvaluations) = Events(killed);
        // The first differing event in full (the assertion's own message cuts long events short).
        int parted = Enumerable.Range(0, Math.Min(expectedOrdered.Count, actualOrdered.Count)).FirstOrDefault(i => expectedOrdered[i] != actualOrdered[i], -1);
        if (parted >= 0) output.WriteLine($"event {parted} differs:\n  uninterrupted: {expectedOrdered[parted]}\n  killed:        {actualOrdered[parted]}");
        Assert.Equal(expectedOrdered, actualOrdered);
        Assert.Equal(expectedEvaluations, actualEvaluations);

        var expectedHistory = SampleLog.EffectiveHistory(reference);
        var actualHistory = SampleLog.EffectiveHistory(killed);
        foreach (var stage in TinyRun.Stages)
        {
            SampleLog.AssertExactlyOnce(stage, expectedHistory[stage], TinyRun.Steps(stage), TrainRows, TinyRun.BatchSize);
            SampleLog.AssertExactlyOnce(stage, actualHistory[stage], TinyRun.Steps(stage), TrainRows, TinyRun.BatchSize);
            foreach (var (step, batch) in expectedHistory[stage])
            {
                var actual = actualHistory[stage][step];
                Assert.True(batch.Epoch == actual.Epoch && batch.Samples.SequenceEqual(actual.Samples), $"{stage} step {step}: trained on other samples than the uninterrupted run");
            }
        }
        foreach (var stage in TinyRun.Stages) TinyRun.AssertSameFinalWeights(reference, killed, stage);
    }

    /// <summary>Starts the run, SIGKILLs it at <paramref name="moment"/>; returns whether the kill interrupted a checkpoint write.</summary>
    private static bool KillAt(string config, string runDirectory, KillMoment moment)
    {
        var checkpoints = TinyRun.CheckpointDirectory(runDirectory, moment.Stage);
        var sampleLog = Path.Combine(runDirectory, "samples-rank0.jsonl");
        var logLength = File.Exists(sampleLog) ? new FileInfo(sampleLog).Length : 0;
        var started = DateTime.UtcNow;

        using var cli = CliProcess.Start("train", "--config", config, "--run-dir", runDirectory);
        var studentFile = Path.Combine(checkpoints, $"step-{moment.Step}.safetensors");
        // Polled every 10 ms: the kill lands close to the moment.
        cli.WaitUntil(() => moment.Kind switch
        {
            MomentKind.AfterStep => StepLogged(sampleLog, logLength, moment.Stage, moment.Step),
            MomentKind.AfterCheckpointFile => File.Exists(studentFile) && File.GetLastWriteTimeUtc(studentFile) >= started,
            // Rank 0 logs step N just before it writes checkpoint N, and the write takes milliseconds: from step N-1
            // on, look for the temporary file without pausing.
            _ => StepLogged(sampleLog, logLength, moment.Stage, moment.Step - 1) && WaitForTemporaryFile(checkpoints, moment.Step, cli),
        }, moment.ToString(), TinyRun.RunTimeout, TimeSpan.FromMilliseconds(10));
        cli.Kill();
        Assert.False(File.Exists(TinyRun.FinalStudent(runDirectory, moment.Stage)), $"the kill at {moment} came after the stage ended");
        return Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, $"*.{cli.Id}.tmp").Any();
    }

    /// <summary>
    /// Spins until this process's temporary file of checkpoint <paramref name="step"/>, or of a later checkpoint, exists
    /// (or the process ended). A write of the tiny model lasts a few milliseconds; on a loaded machine the spinning
    /// thread can miss all of it, and the next write is then the moment (moments lie at least two steps before the end
    /// of their stage, so a later checkpoint of the stage is always written).
    /// </summary>
    private static bool WaitForTemporaryFile(string checkpoints, long step, CliProcess cli)
    {
        // The stage's first checkpoint write creates the directory.
        while (!(Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, $".step-*.{cli.Id}.tmp").Any(f => TemporaryFileStep(f) >= step)))
        {
            if (cli.HasExited) return false;
            Thread.Yield();
        }
        return true;
    }

    /// <summary>N of a temporary checkpoint file named <c>.step-N.….tmp</c>.</summary>
    private static long TemporaryFileStep(string path)
    {
        var name = Path.GetFileName(path);
        var digits = name[".step-".Length..].Split('.')[0];
        return long.TryParse(digits, out var n) ? n : -1;
    }

    /// <summary>Whether rank 0 logged <paramref name="step"/> of <paramref name="stage"/> (or a later one) since the run started.</summary>
    private static bool StepLogged(string sampleLog, long from, string stage, long step)
    {
        if (!File.Exists(sampleLog)) return false;
        using var stream = new FileStream(sampleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Position = from;
        var text = new StreamReader(stream).ReadToEnd();
        // The last piece may be a line still being written.
        return text.Split('\n').SkipLast(1).Select(SampleLog.Parse)
            .Any(line => line.Stage == stage && line.Step >= step);
    }

    /// <summary>Status events with run-relative file names and without timings: in order, and the evaluations (recorded as they finish) sorted.</summary>
    private static (List<string> Ordered, List<string> Evaluations) Events(string runDirectory)
    {
        var events = TinyRun.StatusEvents(runDirectory).Select(e =>
        {
            if (e["file"] is { } file) e["file"] = Path.GetRelativePath(runDirectory, (string)file!);
            (e["metrics"] as JsonObject)?.Remove("samples_per_second");
            return (Type: (string)e["type"]!, Text: e.ToJsonString());
        }).ToList();
        return (events.Where(e => e.Type != "EvalRecorded").Select(e => e.Text).ToList(),
                events.Where(e => e.Type == "EvalRecorded").Select(e => e.Text).Order(StringComparer.Ordinal).ToList());
    }

    private (string Config, string RunDirectory) Fresh(string name)
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        return (TinyRun.WriteConfig(directory, TrainRows), Path.Combine(directory, "run"));
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
