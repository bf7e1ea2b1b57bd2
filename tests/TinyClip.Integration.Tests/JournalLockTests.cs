using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace TinyClip.Integration.Tests;

/// <summary>
/// Another process holding an exclusive lock on the run's SQLite journal: at start-up `tinyclip train` waits for it up
/// to tinyclip.persistence.sqlite-busy-timeout-ms and proceeds once it is released, or stops with exit code 2 and one
/// line naming the journal; in the middle of a run the supervisor restarts with back-off until the lock is gone and the
/// run ends with the weights of an uninterrupted one. The journal is intact in every case.
/// </summary>
[Trait("Category", "Integration")]
public sealed class JournalLockTests : IDisposable
{
    private const string CommitFailed =
        "Journal write of CheckpointCommitted failed (SQLite Error 5: 'database is locked'.); the supervisor restarts with back-off";

    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-journal-lock-").FullName;

    /// <summary>An open connection in the middle of an exclusive transaction; disposing it releases the lock.</summary>
    private static SqliteConnection HoldExclusiveLock(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // Runs keep their journal in WAL mode, where only writers are locked out; the journal plugin writes to recover.
        command.CommandText = "PRAGMA journal_mode=WAL; BEGIN EXCLUSIVE;";
        command.ExecuteNonQuery();
        return connection;
    }

    [Fact]
    public void A_lock_released_within_the_busy_timeout_is_waited_for_and_the_run_completes()
    {
        // The busy timeout only bounds the wait here: the lock is released long before it.
        var config = TinyRun.WriteConfig(_directory, extraSettings: "persistence.sqlite-busy-timeout-ms = 120000");
        var run = Path.Combine(_directory, "run");
        Directory.CreateDirectory(run);
        var locked = HoldExclusiveLock(Path.Combine(run, "journal.db"));
        try
        {
            using var cli = CliProcess.Start("train", "--config", config, "--run-dir", run);
            // The run has reached the journal when it holds the file open; run.json is written only once the journal
            // answers, so the run cannot have got past it while the lock is held.
            var journal = Path.Combine(run, "journal.db");
            cli.WaitUntil(() => cli.HasOpen(journal), "the run opened the journal", TinyRun.RunTimeout);
            Assert.False(cli.HasExited, cli.Output);
            Assert.False(File.Exists(Path.Combine(run, "run.json")), "the run went past a locked journal");

            locked.Dispose();
            Assert.True(cli.WaitForExit(TinyRun.RunTimeout) == 0, cli.Output);
        }
        finally
        {
            locked.Dispose();
        }
        AssertCompletedAndIntact(run);
    }

    [Fact]
    public void A_lock_held_past_the_busy_timeout_is_a_clear_error_and_a_rerun_completes()
    {
        var config = TinyRun.WriteConfig(_directory, extraSettings: "persistence.sqlite-busy-timeout-ms = 1000");
        var run = Path.Combine(_directory, "run");
        TinyRun.RunAndKill(config, run, () => TinyRun.CheckpointFiles(run, "teacher") >= 1);
        var journal = Path.Combine(run, "journal.db");

        using (HoldExclusiveLock(journal))
        {
            var (exit, output) = CliProcess.Run(TinyRun.RunTimeout, "train", "--config", config, "--run-dir", run);
            Assert.True(exit == 2, output);
            Assert.Contains($"tinyclip: The journal '{journal}' is locked by another process", output);
            Assert.DoesNotContain("   at ", output); // no stack trace
        }

        TinyRun.RunToEnd(config, run);
        AssertCompletedAndIntact(run);
    }

    [Fact]
    public void A_lock_taken_in_the_middle_of_a_run_and_held_past_the_busy_timeout_delays_it_and_it_ends_as_an_uninterrupted_run()
    {
        var reference = Path.Combine(_directory, "reference");
        Directory.CreateDirectory(reference);
        var referenceConfig = TinyRun.WriteConfig(reference, extraSettings: "persistence.sqlite-busy-timeout-ms = 500");
        TinyRun.RunToEnd(referenceConfig, Path.Combine(reference, "run"));

        var config = TinyRun.WriteConfig(_directory, extraSettings: "persistence.sqlite-busy-timeout-ms = 500");
        var run = Path.Combine(_directory, "run");
        using var cli = CliProcess.Start("train", "--config", config, "--run-dir", run);
        cli.WaitUntil(() => TinyRun.CheckpointFiles(run, "teacher") >= 1, "the first teacher checkpoint", TinyRun.RunTimeout, TimeSpan.FromMilliseconds(5));
        using (HoldExclusiveLock(Path.Combine(run, "journal.db")))
        {
            // Held until a commit has failed past the busy timeout (the supervisor then restarts with back-off).
            cli.WaitUntil(() => cli.Output.Contains(CommitFailed), "a failed commit", TinyRun.RunTimeout);
        }
        Assert.True(cli.WaitForExit(TinyRun.RunTimeout) == 0, cli.Output);
        // The failed writes and replays are one line each, no stack trace.
        Assert.Contains(CommitFailed, cli.Output);
        Assert.DoesNotContain("   at ", cli.Output);

        AssertCompletedAndIntact(run);
        foreach (var stage in TinyRun.Stages) TinyRun.AssertSameFinalWeights(Path.Combine(reference, "run"), run, stage);
    }

    private static void AssertCompletedAndIntact(string run)
    {
        var (exit, output) = CliProcess.Run(TimeSpan.FromMinutes(1), "status", "--run-dir", run, "--json");
        Assert.True(exit == 0, output);
        Assert.True((bool)JsonNode.Parse(output)!["completed"]!, output);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(run, "journal.db"), Pooling = false }.ToString());
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        Assert.Equal("ok", check.ExecuteScalar());
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
