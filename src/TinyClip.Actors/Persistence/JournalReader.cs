using Akka.Actor;
using Akka.Persistence;
using TinyClip.Actors.Configuration;

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
        if (identity.Journal != "sqlite")
            throw new NotSupportedException($"this run's events are in a {identity.Journal} journal; use `tinyclip status` with the cluster's configuration");
        var database = Path.Combine(runDirectory, "journal.db");
        if (!File.Exists(database)) throw new FileNotFoundException($"the run directory has no journal ({database})", database);
        var config = JournalConfig.Sqlite(database, 5000).WithFallback(TinyClipConfig.Reference);
        using var system = ActorSystem.Create("tinyclip-status", config);
        var completion = new TaskCompletionSource<IReadOnlyList<IStageEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new HistoryReader(identity.PersistenceId, completion)));
        using var cancel = cancellationToken.Register(() => completion.TrySetCanceled());
        var events = await completion.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        await system.Terminate();
        return events;
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
