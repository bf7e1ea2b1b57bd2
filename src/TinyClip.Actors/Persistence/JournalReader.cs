using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Persistence;

/// <summary>
/// Reads a run's stage events from its journal without touching the run: a recovery-only persistent actor with the
/// run's persistence id replays every event (snapshots ignored, so the history is complete) and stops.
/// </summary>
public static class JournalReader
{
    public static async Task<IReadOnlyList<IStageEvent>> ReadAsync(string runDirectory, CancellationToken cancellationToken = default)
    {
        var identity = RunIdentity.Read(runDirectory);
        var config = JournalOf(identity, runDirectory).WithFallback(TinyClipConfig.Reference);
        using var system = ActorSystem.Create("tinyclip-status", config);
        var completion = new TaskCompletionSource<IReadOnlyList<IStageEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new HistoryReader(identity.PersistenceId, completion)));
        using var cancel = cancellationToken.Register(() => completion.TrySetCanceled());
        var events = await completion.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        await system.Terminate();
        return events;
    }

    /// <summary>
    /// The journal run.json names. A PostgreSQL run's connection string is stored without its password: Npgsql takes
    /// it from the PGPASSWORD environment variable (or ~/.pgpass) when the server asks for one.
    /// </summary>
    private static Config JournalOf(RunIdentity identity, string runDirectory)
    {
        switch (identity.Journal)
        {
            case RunIdentity.Sqlite:
                var database = Path.Combine(runDirectory, "journal.db");
                if (!File.Exists(database)) throw new FileNotFoundException($"the run directory has no journal ({database})", database);
                return JournalConfig.Sqlite(database, 5000);
            case RunIdentity.PostgreSql when !string.IsNullOrEmpty(identity.ConnectionString):
                var reference = PostgreSqlSettings.Read(new SettingsReader(TinyClipConfig.Reference, "tinyclip.persistence.postgresql"), required: false);
                return JournalConfig.Postgres(reference with { ConnectionString = identity.ConnectionString, Parallelism = 1 });
            default:
                throw new NotSupportedException($"run.json names a journal this version cannot read ({identity.Journal}, no connection string)");
        }
    }

    private sealed class HistoryReader : ReceivePersistentActor
    {
        private readonly string _persistenceId;
        private readonly List<IStageEvent> _events = new();

        public HistoryReader(string persistenceId, TaskCompletionSource<IReadOnlyList<IStageEvent>> completion)
        {
            _persistenceId = persistenceId;
            Recover<IStageEvent>(_events.Add);
            Recover<RecoveryCompleted>(_ =>
            {
                completion.TrySetResult(_events);
                Context.Stop(Self);
            });
        }

        public override string PersistenceId => _persistenceId;

        public override Recovery Recovery => new(SnapshotSelectionCriteria.None);
    }
}
