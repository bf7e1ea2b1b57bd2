using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TinyClip.Integration.Tests;

/// <summary>
/// A real PostgreSQL server for the tests. With TINYCLIP_TEST_POSTGRES set (a connection string; <c>.ci/run</c> starts
/// such a server) that server is used, and TINYCLIP_TEST_POSTGRES_DATA (its data directory) lets tests restart it.
/// Otherwise a private server is initialised in a temporary directory and started on a free 127.0.0.1 port; it is
/// stopped and removed on dispose. Either way the port, socket directory and listen address live in the data
/// directory's postgresql.conf, so a restart is a plain <c>pg_ctl stop</c> + <c>pg_ctl start</c> on the same port.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string ConnectionVariable = "TINYCLIP_TEST_POSTGRES", DataVariable = "TINYCLIP_TEST_POSTGRES_DATA";

    private readonly string? _dataDirectory;
    private readonly string? _privateRoot;
    private readonly string? _binaries;

    /// <summary>A superuser connection to the server's maintenance database.</summary>
    public string AdminConnectionString { get; }

    public PostgresServer()
    {
        if (Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } external)
        {
            AdminConnectionString = external;
            _dataDirectory = Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } data ? data : null;
            _binaries = _dataDirectory is null ? null : FindBinaries();
            return;
        }
        _binaries = FindBinaries() ?? throw new InvalidOperationException(
            "No PostgreSQL server for the tests: /usr/lib/postgresql/*/bin/initdb is missing and TINYCLIP_TEST_POSTGRES is not set. " +
            "Run the tests through .ci/run (it installs the Debian package `postgresql` and starts a server), or install it " +
            "(apt-get install -y postgresql), or set TINYCLIP_TEST_POSTGRES to a connection string of a running server.");
        _privateRoot = Directory.CreateTempSubdirectory("tinyclip-postgres-").FullName;
        _dataDirectory = Path.Combine(_privateRoot, "data");
        var sockets = Path.Combine(_privateRoot, "sockets");
        Directory.CreateDirectory(sockets);
        int port = FreePort();
        try
        {
            ChownToServerUser(_privateRoot);
            RunAsServerUser("initdb", "-D", _dataDirectory, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8");
            File.AppendAllText(Path.Combine(_dataDirectory, "postgresql.conf"),
                $"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\nfsync = off\n");
            Start();
        }
        catch
        {
            Directory.Delete(_privateRoot, recursive: true);
            throw;
        }
        AdminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    /// <summary>A fresh, empty database for one test; returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        // Not pooled: a pooled connection would not survive a Restart by an earlier test (57P01 on its next use).
        using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    /// <summary>Stops the server (fast shutdown: clients are disconnected), waits <paramref name="downtime"/>, starts it again on the same port.</summary>
    public void Restart(TimeSpan downtime)
    {
        if (_dataDirectory is null || _binaries is null)
            throw new InvalidOperationException($"{ConnectionVariable} names a server this test cannot restart: set {DataVariable} to its data " +
                "directory (as .ci/run does), with the PostgreSQL binaries under /usr/lib/postgresql/*/bin");
        RunAsServerUser("pg_ctl", "-D", _dataDirectory, "-m", "fast", "-w", "stop");
        Thread.Sleep(downtime);
        Start();
    }

    private void Start() =>
        RunAsServerUser("pg_ctl", "-D", _dataDirectory!, "-l", Path.Combine(_dataDirectory!, "server.log"), "-w", "-t", "60", "start");

    public void Dispose()
    {
        if (_privateRoot is null) return;
        try { RunAsServerUser("pg_ctl", "-D", _dataDirectory!, "-m", "immediate", "-w", "stop"); }
        catch (InvalidOperationException) { } // already stopped
        try { Directory.Delete(_privateRoot, recursive: true); } catch (IOException) { }
    }

    /// <summary>The newest installed server's bin directory (Debian layout), or null.</summary>
    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    /// <summary>A 127.0.0.1 port nothing listens on at the moment of the call.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The server refuses to run as root: as root, its programs run as the `postgres` user.</summary>
    private static bool IsRoot => Environment.UserName == "root";

    private static void ChownToServerUser(string directory)
    {
        if (IsRoot) Run("chown", "-R", "postgres:postgres", directory);
    }

    private void RunAsServerUser(string program, params string[] args)
    {
        var path = Path.Combine(_binaries!, program);
        if (IsRoot) Run("runuser", ["-u", "postgres", "--", path, .. args]);
        else Run(path, args);
    }

    private static void Run(string program, params string[] args)
    {
        // Output to a file, not a pipe: the server started by pg_ctl would inherit the pipe and keep it open.
        var log = Path.GetTempFileName();
        try
        {
            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("exec \"$0\" \"$@\" >\"$LOG\" 2>&1");
            info.ArgumentList.Add(program);
            foreach (var a in args) info.ArgumentList.Add(a);
            info.Environment["LOG"] = log;
            using var process = Process.Start(info)!;
            if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(); throw new InvalidOperationException($"{program} did not finish"); }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {File.ReadAllText(log)}");
        }
        finally
        {
            File.Delete(log);
        }
    }
}

[CollectionDefinition(Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "an xUnit test collection")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
