using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Xunit;

namespace Musubi.Testing;

/// <summary>
/// A throwaway PostgreSQL server for one test process. Register it once per test assembly with
/// <c>[assembly: AssemblyFixture(typeof(PostgresServer))]</c> and take it in a test class constructor; each test then
/// calls <see cref="CreateDatabaseAsync"/> to get a new, empty database of its own.
/// <para>
/// If <c>MUSUBI_TEST_PG</c> is set (a Npgsql connection string to a server where the user may CREATE DATABASE), that
/// server is used (CI sets it). Otherwise the first use starts a private cluster from the newest
/// <c>/usr/lib/postgresql/*/bin</c> (Debian's <c>postgresql</c> package) in a temporary folder, on a free port of
/// 127.0.0.1, and disposing the fixture stops it and deletes the folder. Nothing starts until a test asks for a
/// database, so test assemblies that never do pay nothing and need no PostgreSQL.
/// </para>
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The environment variable naming an existing server to use instead of starting one.</summary>
    public const string EnvironmentVariable = "MUSUBI_TEST_PG";

    private const string PostgresUser = "postgres";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);

    private readonly SemaphoreSlim startGate = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> createdDatabases = new(StringComparer.Ordinal);
    private string? adminConnectionString;
    private Exception? startFailure;
    private Cluster? cluster;
    private bool disposed;

    /// <summary>True when the server came from <c>MUSUBI_TEST_PG</c> rather than being started here.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>The port of the private cluster (null for an external server or before start).</summary>
    public int? Port => cluster?.Port;

    /// <summary>How long starting the private cluster took (initdb + start); zero for an external server.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Nothing happens here: the server starts on first use (see the class remarks).</summary>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The connection string of the server's maintenance database (<c>postgres</c>), starting the server if needed.
    /// Tests should not put data there: use <see cref="CreateDatabaseAsync"/>.
    /// </summary>
    public async Task<string> GetAdminConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (adminConnectionString is { } ready)
        {
            return ready;
        }

        await startGate.WaitAsync(cancellationToken);
        try
        {
            if (adminConnectionString is not null)
            {
                return adminConnectionString;
            }

            if (startFailure is not null)
            {
                throw new InvalidOperationException($"PostgreSQL failed to start earlier in this test run: {startFailure.Message}", startFailure);
            }

            try
            {
                adminConnectionString = await StartAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                startFailure = e;
                throw;
            }

            return adminConnectionString;
        }
        finally
        {
            startGate.Release();
        }
    }

    /// <summary>
    /// Creates a new, empty database with a unique name (<c>{prefix}_{guid}</c>, UTF8, C collation) and returns a
    /// connection string to it. Safe to call from parallel tests. Databases are dropped when the fixture is disposed
    /// (or with the whole private cluster); <see cref="DropDatabaseAsync"/> drops one earlier.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var admin = await GetAdminConnectionStringAsync(cancellationToken);
        var name = NewDatabaseName(prefix);

        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            // template0 has no connections, so parallel creates never hit "source database is being accessed".
            await using var command = new NpgsqlCommand(
                $"CREATE DATABASE {QuoteIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
                connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        createdDatabases[name] = 0;
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, IncludeErrorDetail = true }.ConnectionString;
    }

    /// <summary>
    /// A connection string to a new, empty database of the given provider: a new SQLite file (see
    /// <see cref="SqliteFiles"/>; PostgreSQL is not started for it) or a new PostgreSQL database.
    /// Handy in theories over <see cref="DatabaseProviders.All"/>.
    /// </summary>
    public Task<string> CreateDatabaseAsync(DatabaseProvider provider, string? prefix = null, CancellationToken cancellationToken = default) =>
        provider switch
        {
            DatabaseProvider.Sqlite => Task.FromResult(SqliteFiles.NewConnectionString(prefix)),
            DatabaseProvider.Postgres => CreateDatabaseAsync(prefix, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
        };

    /// <summary>
    /// Drops a database, given its connection string (as returned by <see cref="CreateDatabaseAsync"/>) or its name.
    /// Open connections to it are terminated and its Npgsql pool is cleared. Missing databases are ignored.
    /// </summary>
    public async Task DropDatabaseAsync(string connectionStringOrName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrName);
        var admin = await GetAdminConnectionStringAsync(cancellationToken);

        string name;
        if (connectionStringOrName.Contains('=', StringComparison.Ordinal))
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionStringOrName);
            name = builder.Database ?? throw new ArgumentException("The connection string names no database.", nameof(connectionStringOrName));
            using var pooled = new NpgsqlConnection(connectionStringOrName);
            NpgsqlConnection.ClearPool(pooled);
        }
        else
        {
            name = connectionStringOrName;
        }

        if (name is "postgres" or "template0" or "template1")
        {
            throw new ArgumentException($"Refusing to drop the system database {name}.", nameof(connectionStringOrName));
        }

        await DropAsync(admin, name, cancellationToken);
        createdDatabases.TryRemove(name, out _);
    }

    /// <summary>Drops the databases this fixture created (external server) or stops and deletes the private cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        NpgsqlConnection.ClearAllPools();

        if (IsExternal && adminConnectionString is not null)
        {
            foreach (var name in createdDatabases.Keys)
            {
                try
                {
                    await DropAsync(adminConnectionString, name, CancellationToken.None);
                }
                catch (NpgsqlException)
                {
                    // Best effort: a leftover database on a developer's server is not worth failing the run.
                }
            }
        }

        if (cluster is not null)
        {
            await cluster.StopAsync();
            cluster = null;
        }

        startGate.Dispose();
    }

    private static async Task DropAsync(string admin, string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {QuoteIdentifier(name)} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            IsExternal = true;
            return new NpgsqlConnectionStringBuilder(external).ConnectionString;
        }

        var stopwatch = Stopwatch.StartNew();
        cluster = await Cluster.StartAsync(cancellationToken);
        StartupTime = stopwatch.Elapsed;
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = cluster.Port,
            Username = PostgresUser,
            Database = "postgres",
        }.ConnectionString;
    }

    private static string NewDatabaseName(string? prefix)
    {
        var builder = new StringBuilder();
        foreach (var c in (prefix ?? "musubi").ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (builder.Length == 0 || !char.IsAsciiLetter(builder[0]))
        {
            builder.Insert(0, 't');
        }

        var safePrefix = builder.Length > 30 ? builder.ToString(0, 30) : builder.ToString();
        return $"{safePrefix}_{Guid.NewGuid():N}"; // at most 63 bytes, PostgreSQL's identifier limit
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A private cluster: initdb + pg_ctl in a temporary folder, run as <c>postgres</c> when we are root.</summary>
    private sealed class Cluster
    {
        private readonly string root;
        private readonly string binDirectory;
        private readonly bool runAsPostgres;
        private int stopped;

        private Cluster(string root, string binDirectory, bool runAsPostgres, int port)
        {
            this.root = root;
            this.binDirectory = binDirectory;
            this.runAsPostgres = runAsPostgres;
            Port = port;
        }

        public int Port { get; private set; }

        private string DataDirectory => Path.Combine(root, "data");

        private string SocketDirectory => Path.Combine(root, "sock");

        private string LogFile => Path.Combine(root, "postgres.log");

        public static async Task<Cluster> StartAsync(CancellationToken cancellationToken)
        {
            var binDirectory = FindBinDirectory() ?? throw new InvalidOperationException(
                $"PostgreSQL is needed by this test but none was found: no initdb/pg_ctl under /usr/lib/postgresql/*/bin " +
                $"or on PATH. Install it (`apt-get install postgresql`) or set {EnvironmentVariable} to a Npgsql " +
                "connection string for a server where the user may CREATE DATABASE " +
                "(e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=…;Database=postgres).");

            var runAsPostgres = Environment.IsPrivilegedProcess; // initdb refuses to run as root
            if (runAsPostgres && !File.Exists("/usr/sbin/runuser") && !File.Exists("/usr/bin/runuser") && !File.Exists("/sbin/runuser"))
            {
                throw new InvalidOperationException("Running as root, PostgreSQL must run as user postgres, but `runuser` is missing (package util-linux).");
            }

            var root = CreateRootDirectory(runAsPostgres);
            var cluster = new Cluster(root, binDirectory, runAsPostgres, port: 0);
            try
            {
                Directory.CreateDirectory(cluster.SocketDirectory);
                if (runAsPostgres)
                {
                    var chown = await ProcessRunner.RunAsync("chown", ["-R", $"{PostgresUser}:", root], null, ToolTimeout, cancellationToken);
                    if (chown.ExitCode != 0)
                    {
                        throw new InvalidOperationException(
                            $"Could not hand {root} to user {PostgresUser} (does the user exist? the postgresql package creates it): {chown.Output}");
                    }
                }

                await cluster.RunToolAsync(
                    "initdb",
                    ["-D", cluster.DataDirectory, "-U", PostgresUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
                    cancellationToken);

                // The port may be taken between choosing and binding it: try a few.
                for (var attempt = 1; ; attempt++)
                {
                    cluster.Port = FreePort.Get();
                    var options = string.Join(' ', [
                        "-c listen_addresses=127.0.0.1",
                        $"-p {cluster.Port.ToString(CultureInfo.InvariantCulture)}",
                        $"-k {cluster.SocketDirectory}",
                        "-c fsync=off",
                        "-c synchronous_commit=off",
                        "-c full_page_writes=off",
                        "-c max_connections=300",
                    ]);
                    var start = await cluster.RunAsync(
                        "pg_ctl",
                        ["-D", cluster.DataDirectory, "-l", cluster.LogFile, "-w", "-t", "60", "-o", options, "start"],
                        cancellationToken);
                    if (start.ExitCode == 0)
                    {
                        break;
                    }

                    var log = File.Exists(cluster.LogFile) ? await File.ReadAllTextAsync(cluster.LogFile, cancellationToken) : string.Empty;
                    if (attempt < 3 && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    throw new InvalidOperationException($"pg_ctl start failed (exit {start.ExitCode}):\n{start.Output}\npostgres.log:\n{log}");
                }

                AppDomain.CurrentDomain.ProcessExit += cluster.OnProcessExit;
                return cluster;
            }
            catch
            {
                await cluster.StopAsync();
                throw;
            }
        }

        public async Task StopAsync()
        {
            if (Interlocked.Exchange(ref stopped, 1) != 0)
            {
                return;
            }

            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            try
            {
                if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
                {
                    await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None);
                }
            }
            finally
            {
                TryDelete(root);
            }
        }

        private void OnProcessExit(object? sender, EventArgs e) => StopAsync().GetAwaiter().GetResult();

        private async Task RunToolAsync(string tool, string[] arguments, CancellationToken cancellationToken)
        {
            var result = await RunAsync(tool, arguments, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} failed (exit {result.ExitCode}):\n{result.Output}");
            }
        }

        private Task<ProcessResult> RunAsync(string tool, string[] arguments, CancellationToken cancellationToken)
        {
            var path = Path.Combine(binDirectory, tool);
            return runAsPostgres
                ? ProcessRunner.RunAsync("runuser", ["-u", PostgresUser, "--", path, .. arguments], root, ToolTimeout, cancellationToken)
                : ProcessRunner.RunAsync(path, arguments, root, ToolTimeout, cancellationToken);
        }

        private static string? FindBinDirectory()
        {
            const string debianRoot = "/usr/lib/postgresql";
            if (Directory.Exists(debianRoot))
            {
                var newest = Directory.GetDirectories(debianRoot)
                    .Select(dir => (dir, version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : -1))
                    .Where(x => x.version >= 0 && IsBinDirectory(Path.Combine(x.dir, "bin")))
                    .OrderByDescending(x => x.version)
                    .Select(x => Path.Combine(x.dir, "bin"))
                    .FirstOrDefault();
                if (newest is not null)
                {
                    return newest;
                }
            }

            // Elsewhere (e.g. a distribution that puts them on PATH).
            return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault(IsBinDirectory);
        }

        private static bool IsBinDirectory(string dir) =>
            FileExists(Path.Combine(dir, "initdb")) && FileExists(Path.Combine(dir, "pg_ctl"));

        // File.Exists is true for a dangling symlink (e.g. /usr/local/bin/initdb left behind by a removed package).
        private static bool FileExists(string path)
        {
            var file = new FileInfo(path);
            return file.Exists && (file.LinkTarget is null || file.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true });
        }

        private static string CreateRootDirectory(bool runAsPostgres)
        {
            // postgres must traverse every folder above its data: fall back to /tmp if $TMPDIR sits under a private one.
            var parent = Path.GetTempPath();
            if (runAsPostgres && !AllTraversable(parent))
            {
                parent = "/tmp";
            }

            var root = Path.Combine(parent, $"musubi-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
            Directory.CreateDirectory(root);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101); // 0755
            }

            return root;
        }

        private static bool AllTraversable(string path)
        {
            for (var dir = new DirectoryInfo(path); dir is not null; dir = dir.Parent)
            {
                if (!dir.Exists || !dir.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
                {
                    return false;
                }
            }

            return true;
        }

        private static void TryDelete(string dir)
        {
            try
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
