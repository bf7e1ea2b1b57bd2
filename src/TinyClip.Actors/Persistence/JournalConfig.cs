using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace TinyClip.Actors.Persistence;

/// <summary>
/// HOCON for Akka.Persistence.Sql. SQLite (one file in the run directory) is the single-node default; SQLite allows
/// one writer, so the journal writes with parallelism 1, the file is in WAL mode and waits on a busy timeout.
/// </summary>
public static class JournalConfig
{
    public static Config Sqlite(string databasePath, int busyTimeoutMs)
    {
        PrepareSqlite(databasePath, busyTimeoutMs);
        var connection = SqliteConnectionString(databasePath, busyTimeoutMs);
        return Sql(connection, "SQLite.MS", parallelism: 1);
    }

    public static Config Sql(string connectionString, string providerName, int parallelism)
    {
        var quoted = "\"" + connectionString.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                  connection-string = {{quoted}}
                  provider-name = "{{providerName}}"
                  auto-initialize = true
                  parallelism = {{parallelism}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  connection-string = {{quoted}}
                  provider-name = "{{providerName}}"
                  auto-initialize = true
                }
              }
            }
            """);
    }

    public static string SqliteConnectionString(string databasePath, int busyTimeoutMs) =>
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
    public static void PrepareSqlite(string databasePath, int busyTimeoutMs)
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
