using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Musubi.Cli.Tests.Fixtures;

/// <summary>
/// A throwaway PostgreSQL for this test assembly (a stand-in for Musubi.Testing's fixture of the same name): the
/// server named by MUSUBI_TEST_PG if set, else a private cluster started on first use from /usr/lib/postgresql/*/bin
/// (Debian's postgresql package) on a free port of 127.0.0.1 with trust authentication, stopped and deleted at the end.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _admin;
    private Exception? _failed;
    private string? _root;
    private string? _bin;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>A new, empty database of its own and a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null, CancellationToken ct = default)
    {
        var admin = await StartAsync(ct);
        var name = $"{prefix ?? "cli"}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private async Task<string> StartAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_failed is not null)
            {
                throw new InvalidOperationException("PostgreSQL failed to start earlier in this run: " + _failed.Message, _failed);
            }

            try
            {
                return _admin ??= Environment.GetEnvironmentVariable("MUSUBI_TEST_PG") is { Length: > 0 } external
                    ? external
                    : await StartClusterAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _failed = e;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> StartClusterAsync(CancellationToken ct)
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (_bin is null)
        {
            throw new InvalidOperationException("PostgreSQL tests need Debian's postgresql package (apt-get install postgresql) or MUSUBI_TEST_PG set to a server where the user may create databases.");
        }

        _root = Path.Combine("/tmp", $"musubi-cli-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(Path.Combine(_root, "sock"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        }
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", "postgres:", _root], ct);
        }

        await Tool("initdb", ["-D", Path.Combine(_root, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], ct);
        var port = FreePort();
        await Tool("pg_ctl", ["-D", Path.Combine(_root, "data"), "-l", Path.Combine(_root, "postgres.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {port.ToString(CultureInfo.InvariantCulture)} -k {Path.Combine(_root, "sock")} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start"], ct);
        return new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres" }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root is not null)
        {
            try
            {
                if (File.Exists(Path.Combine(_root, "data", "postmaster.pid")))
                {
                    await Tool("pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None);
                }
            }
            finally
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        _gate.Dispose();
    }

    private Task Tool(string tool, string[] args, CancellationToken ct) =>
        Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin!, tool), .. args], ct)
            : RunAsync(Path.Combine(_bin!, tool), args, ct);

    private static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        args.ToList().ForEach(info.ArgumentList.Add);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
