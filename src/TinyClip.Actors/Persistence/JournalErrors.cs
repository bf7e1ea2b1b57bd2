using System.Data.Common;

namespace TinyClip.Actors.Persistence;

/// <summary>
/// Tells a database error (a locked SQLite file, a PostgreSQL server that went away), which a long run meets and gets
/// through by restarting with back-off, from a bug. Journal plugins wrap the database's exception (an
/// <see cref="AggregateException"/> around a failed rollback around the error, for instance), so the whole chain is searched.
/// </summary>
public static class JournalErrors
{
    /// <summary>The database error inside <paramref name="error"/>, or null when there is none.</summary>
    public static DbException? DatabaseErrorIn(Exception error)
    {
        var pending = new Stack<Exception>([error]);
        var seen = new HashSet<Exception>(ReferenceEqualityComparer.Instance);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            if (!seen.Add(e)) continue;
            if (e is DbException database) return database;
            if (e is AggregateException aggregate) foreach (var inner in aggregate.InnerExceptions.Reverse()) pending.Push(inner);
            else if (e.InnerException is { } inner) pending.Push(inner);
        }
        return null;
    }
}
