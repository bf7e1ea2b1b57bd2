using Microsoft.Data.Sqlite;
using Npgsql;
using TinyClip.Actors.Configuration;

namespace TinyClip.Actors.Persistence;

/// <summary>
/// The database that holds a run's journal and snapshots (Akka.Persistence.Sql), checked to be usable before any actor
/// starts; <see cref="Hosting.TinyClipHost"/> turns it into the persistence plugins. SQLite (one file in the run
/// directory) is the single-node default; SQLite allows one writer, so the journal writes with parallelism 1, the file
/// is in WAL mode and waits on a busy timeout. PostgreSQL (a server) is the journal of cluster mode and may be used by
/// a single process too.
/// </summary>
/// <param name="Parallelism">Concurrent journal writes (akka.persistence.journal.sql.parallelism).</param>
public sealed record JournalDatabase(string ConnectionString, string ProviderName, int Parallelism)
{
    public const string PostgresProvider = "PostgreSQL.15";
    public const string SqliteProvider = "SQLite.MS";

    /// <summary>The journal <paramref name="persistence"/> selects, checked to be usable.</summary>
    public static JournalDatabase For(PersistenceSettings persistence, string runDirectory) => persistence.Journal switch
    {
        JournalKind.PostgreSql => Postgres(persistence.PostgreSql),
        _ => Sqlite(Path.Combine(runDirectory, "journal.db"), persistence.SqliteBusyTimeoutMs),
    };

    /// <summary>
    /// PostgreSQL (tables created on first use), after checking that the server answers (<see cref="PreparePostgres"/>).
    /// The journal's connections use the connect timeout too.
    /// </summary>
    public static JournalDatabase Postgres(PostgreSqlSettings settings)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Timeout = Math.Clamp((int)Math.Ceiling(settings.ConnectTimeout.TotalSeconds), 1, 1024),
        }.ToString();
        PreparePostgres(connectionString, settings.StartUpRetries, settings.StartUpRetryDelay);
        return new JournalDatabase(connectionString, PostgresProvider, settings.Parallelism);
    }

    /// <summary>The SQLite file at <paramref name="databasePath"/>, prepared (<see cref="PrepareSqlite"/>); one writer.</summary>
    public static JournalDatabase Sqlite(string databasePath, int busyTimeoutMs)
    {
        PrepareSqlite(databasePath, busyTimeoutMs);
        return new JournalDatabase(SqliteConnectionString(databasePath, busyTimeoutMs), SqliteProvider, Parallelism: 1);
    }

    /// <summary>
    /// Opens a connection and runs a query, 1 + <paramref name="retries"/> times at most, so that a server that is down,
    /// a database that does not exist or a refused login is one clear error at start-up (never showing the password).
    /// </summary>
    public static void PreparePostgres(string connectionString, int retries, TimeSpan retryDelay)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using var connection = new NpgsqlConnection(connectionString);
                connection.Open();
                using var command = new NpgsqlCommand("SELECT 1", connection);
                command.ExecuteScalar();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or ArgumentException)
            {
                if (attempt < retries && e is not PostgresException { SqlState: "3D000" or "28P01" or "28000" })
                {
                    Thread.Sleep(retryDelay);
                    continue;
                }
                var reason = e.InnerException is { } inner && !e.Message.Contains(inner.Message) ? $"{e.Message} ({inner.Message})" : e.Message;
                throw new JournalUnavailableException($"cannot reach PostgreSQL at {PostgresLocation(connectionString)}: {reason}", e);
            }
        }
    }

    /// <summary>host:port/database, for messages.</summary>
    public static string PostgresLocation(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
    }

    /// <summary>The connection string as it may be written down (run.json): the password removed.</summary>
    public static string WithoutPassword(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Remove("Password");
        return builder.ToString();
    }

    private static string SqliteConnectionString(string databasePath, int busyTimeoutMs) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            DefaultTimeout = Math.Max(1, busyTimeoutMs / 1000),
            Pooling = false,
        }.ToString();

    /// <summary>
    /// Opens the journal file once before the actor system does, so that an unusable journal (a directory that
    /// cannot be written, a file that is not a database, a lock held too long) is reported clearly at start-up rather
    /// than as a persistence failure deep inside the actor system; and switches it to WAL mode.
    /// </summary>
    private static void PrepareSqlite(string databasePath, int busyTimeoutMs)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
            using var connection = new SqliteConnection(SqliteConnectionString(databasePath, busyTimeoutMs));
            connection.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA journal_mode=WAL; SELECT count(*) FROM sqlite_master;";
                command.ExecuteScalar();
            }
            // In WAL mode readers are never blocked, but the journal plugin opens every transaction (even replay's) as
            // a writer: take and release the write lock here too (BEGIN IMMEDIATE, waiting up to the busy timeout), so
            // that a lock held by another process is this clear error and not endless replay failures in the actors.
            using (connection.BeginTransaction(deferred: false)) { }
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLITE_BUSY or SQLITE_LOCKED)
        {
            throw new JournalUnavailableException($"The journal '{databasePath}' is locked by another process for longer than " +
                $"tinyclip.persistence.sqlite-busy-timeout-ms ({busyTimeoutMs} ms); close the program holding it and run again", e);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new JournalUnavailableException($"The journal '{databasePath}' cannot be opened: {e.Message}", e);
        }
    }

    private const int SQLITE_BUSY = 5, SQLITE_LOCKED = 6;
}

public sealed class JournalUnavailableException(string message, Exception inner) : Exception(message, inner);
