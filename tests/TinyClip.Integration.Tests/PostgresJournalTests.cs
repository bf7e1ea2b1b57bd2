using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;

namespace TinyClip.Integration.Tests;

/// <summary>The uninterrupted tiny run on the SQLite journal, made once: the weights every PostgreSQL run must end with.</summary>
public sealed class SqliteReferenceRun : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-reference-").FullName;

    public string RunDirectory { get; }

    public SqliteReferenceRun()
    {
        RunDirectory = Path.Combine(_directory, "run");
        TinyRun.RunToEnd(TinyRun.WriteConfig(_directory), RunDirectory);
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}

/// <summary>
/// The real CLI on a real PostgreSQL journal: a run completes with the weights of the SQLite run, `status` reads its
/// events from the server, a SIGKILL and a server restart in the middle of a run lose no committed step, and an
/// unreachable server is a clear start-up error.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalTests(PostgresServer server, SqliteReferenceRun reference) : IClassFixture<SqliteReferenceRun>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-postgres-run-").FullName;

    private (string Config, string RunDirectory, string Database) Fresh(string name, string extraSettings = "")
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        var database = server.CreateDatabase();
        return (TinyRun.WriteConfig(directory, extraSettings: extraSettings, postgres: database), Path.Combine(directory, "run"), database);
    }

    private void AssertReferenceWeights(string run)
    {
        foreach (var stage in TinyRun.Stages) TinyRun.AssertSameFinalWeights(reference.RunDirectory, run, stage);
    }

    /// <summary>Committed checkpoint steps per stage, in journal order.</summary>
    private static string CheckpointSteps(IEnumerable<JsonObject> events) =>
        string.Join(" ", events.Where(e => (string?)e["type"] == "CheckpointCommitted").Select(e => $"{e["stage"]}:{(long)e["step"]!}"));

    private static long CommittedCheckpoints(string database)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM journal WHERE manifest = 'CheckpointCommitted'", connection);
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void A_run_on_PostgreSQL_completes_with_the_weights_of_the_SQLite_run_and_status_reads_its_events()
    {
        var directory = Path.Combine(_directory, "plain");
        Directory.CreateDirectory(directory);
        // The server trusts local connections, so the password is never sent; it must not be written down either.
        var database = server.CreateDatabase() + ";Password=do-not-record";
        var run = Path.Combine(directory, "run");
        TinyRun.RunToEnd(TinyRun.WriteConfig(directory, postgres: database), run);

        var identity = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "run.json")))!;
        Assert.Equal("postgresql", (string?)identity["journal"]);
        Assert.DoesNotContain("do-not-record", identity.ToJsonString());
        Assert.Contains(new NpgsqlConnectionStringBuilder(database).Database!, (string)identity["connection_string"]!);
        Assert.False(File.Exists(Path.Combine(run, "journal.db")));

        var events = TinyRun.StatusEvents(run);
        Assert.Equal(CheckpointSteps(TinyRun.StatusEvents(reference.RunDirectory)), CheckpointSteps(events));
        Assert.Equal("RunCompleted", (string?)events[^1]["type"]);
        Assert.Equal(CheckpointSteps(events).Split(' ').Length, CommittedCheckpoints(database));
        AssertReferenceWeights(run);
    }

    [Fact]
    public void Killed_mid_run_and_rerun_on_PostgreSQL_ends_with_the_uninterrupted_weights()
    {
        var (config, run, _) = Fresh("killed");
        TinyRun.RunAndKill(config, run, () => TinyRun.CheckpointFiles(run, "teacher") >= 2);
        Assert.False(File.Exists(TinyRun.FinalStudent(run, "distill")));
        TinyRun.RunToEnd(config, run);

        Assert.Equal(CheckpointSteps(TinyRun.StatusEvents(reference.RunDirectory)), CheckpointSteps(TinyRun.StatusEvents(run)));
        AssertReferenceWeights(run);
    }

    /// <remarks>
    /// While the supervisor is down the trainers keep training (their checkpoints are written but not committed); the
    /// newest committed checkpoint is never pruned, so the stage resumes from it with the default keep-last.
    /// </remarks>
    [Fact]
    public void PostgreSQL_restarted_mid_run_loses_no_committed_step_and_the_run_completes()
    {
        var (config, run, database) = Fresh("restarted");
        using var cli = CliProcess.Start("train", "--config", config, "--run-dir", run);
        cli.WaitUntil(() =>
        {
            try { return CommittedCheckpoints(database) >= 1; }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return false; } // tables not created yet
        }, "a committed checkpoint before the restart", TinyRun.RunTimeout);
        server.Restart(TimeSpan.FromSeconds(3));

        Assert.True(cli.WaitForExit(TinyRun.RunTimeout) == 0, cli.Output);
        // The outage was felt (a journal write failed, then a replay while the server was still down), and the stage went
        // on from a committed checkpoint.
        Assert.Contains("Journal write of CheckpointCommitted failed (", cli.Output);
        Assert.Contains("Journal replay failed (", cli.Output);
        Assert.DoesNotContain("   at ", cli.Output); // one line per failure, no stack trace
        Assert.Contains("stage teacher: resumed at step", cli.Output);
        Assert.DoesNotContain("resumed at step 0", cli.Output);
        Assert.DoesNotContain("checkpoint rejected", cli.Output);
        Assert.Equal(CheckpointSteps(TinyRun.StatusEvents(reference.RunDirectory)), CheckpointSteps(TinyRun.StatusEvents(run)));
        AssertReferenceWeights(run);
    }

    [Fact]
    public void An_unreachable_server_is_a_clear_error_naming_host_and_port()
    {
        int port = PostgresServer.FreePort(); // nothing listens there
        var directory = Path.Combine(_directory, "unreachable");
        Directory.CreateDirectory(directory);
        var config = TinyRun.WriteConfig(directory, postgres: $"Host=127.0.0.1;Port={port};Database=tinyclip;Username=postgres;Password=secret-word");
        var clock = Stopwatch.StartNew();
        var (exit, output) = CliProcess.Run(TinyRun.RunTimeout, "train", "--config", config, "--run-dir", Path.Combine(directory, "run"));
        Assert.True(exit == 2, output);
        Assert.Contains($"cannot reach PostgreSQL at 127.0.0.1:{port}/tinyclip", output);
        Assert.DoesNotContain("secret-word", output);
        Assert.DoesNotContain("   at ", output); // no stack trace
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    public void Dispose()
    {
        TinyRun.RemoveTestDirectory(_directory);
    }
}
