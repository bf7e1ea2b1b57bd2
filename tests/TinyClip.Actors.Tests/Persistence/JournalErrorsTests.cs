using Microsoft.Data.Sqlite;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Tests.Persistence;

public sealed class JournalErrorsTests
{
    private static readonly SqliteException Locked = new("SQLite Error 5: 'database is locked'.", 5);

    [Fact]
    public void A_database_error_is_found_however_the_plugin_wrapped_it()
    {
        Assert.Same(Locked, JournalErrors.DatabaseErrorIn(Locked));
        Assert.Same(Locked, JournalErrors.DatabaseErrorIn(new InvalidOperationException("write failed", Locked)));
        // As Akka.Persistence.Sql reports a PostgreSQL restart: a failed rollback beside the error, inside an aggregate.
        var aggregate = new AggregateException("rolling back failed", new ObjectDisposedException("NpgsqlTransaction", new InvalidOperationException("transaction", Locked)));
        Assert.Same(Locked, JournalErrors.DatabaseErrorIn(aggregate));
        Assert.Same(Locked, JournalErrors.DatabaseErrorIn(new AggregateException(new TimeoutException(), Locked)));
    }

    [Fact]
    public void Anything_else_is_no_database_error()
    {
        Assert.Null(JournalErrors.DatabaseErrorIn(new InvalidCastException()));
        Assert.Null(JournalErrors.DatabaseErrorIn(new AggregateException(new InvalidCastException(), new IOException("disk"))));
    }
}
