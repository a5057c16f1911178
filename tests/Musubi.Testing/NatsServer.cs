using System.Diagnostics;
using System.Net.Sockets;
using Xunit;

namespace Musubi.Testing;

/// <summary>
/// A throwaway NATS server with JetStream for queue tests: `MUSUBI_TEST_NATS` (a nats:// URL) if set, otherwise
/// Debian's nats-server started on a free loopback port with its store in a temp folder, killed on dispose. Started
/// lazily, so a test assembly that never asks for it needs no nats-server. Each caller should use its own stream
/// name, so tests do not see each other's messages.
/// </summary>
public sealed class NatsServer : IAsyncLifetime
{
    public const string EnvironmentVariable = "MUSUBI_TEST_NATS";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private string? _storeDirectory;
    private string? _url;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async Task<string> GetUrlAsync(CancellationToken cancellationToken = default)
    {
        if (_url is not null)
        {
            return _url;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _url ??= Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } external
                ? external
                : await StartAsync(cancellationToken);
            return _url;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var binary = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"nats-server not found: install it (apt-get install nats-server) or set {EnvironmentVariable} to a nats:// URL with JetStream");
        _storeDirectory = Directory.CreateTempSubdirectory("musubi-nats-").FullName;
        var port = FreePort.Get();
        var start = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", _storeDirectory })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("nats-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with code {_process.ExitCode} before accepting connections");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return $"nats://127.0.0.1:{port}";
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new TimeoutException("nats-server did not accept connections within 20 s");
    }

    /// <summary>Kills the server (as a crash would) without deleting its store, then starts it again on the same store and port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is null || _url is null || _storeDirectory is null)
        {
            throw new InvalidOperationException("only a server this fixture started can be restarted");
        }

        var port = new Uri(_url).Port;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(cancellationToken);
        _process.Dispose();
        var start = new ProcessStartInfo(_process.StartInfo.FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", _storeDirectory })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 400; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new TimeoutException("nats-server did not come back within 20 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_storeDirectory is not null)
        {
            try
            {
                Directory.Delete(_storeDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
