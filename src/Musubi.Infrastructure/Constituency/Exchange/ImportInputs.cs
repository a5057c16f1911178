using System.Security.Cryptography;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>One input to read: a JSON document, or a CSV file of the kind its name says.</summary>
internal sealed record ImportInput(string Name, long Length, Func<Stream> Open, CsvFileKind? Csv)
{
    public string Format => Csv is null ? "json" : "csv:" + Csv.Name;

    /// <summary>
    /// The files behind the paths the user gave: a .json file, a .csv file, or a folder (its .json and .csv files, not
    /// its sub-folders). Definitions come before the records that refer to them, whatever the order given.
    /// </summary>
    public static List<ImportInput> FromPaths(IReadOnlyList<string> paths, ImportBatch batch, ExchangeLimits limits)
    {
        var inputs = new List<ImportInput>();
        if (paths.Count == 0)
        {
            batch.Issues.Add(new SourceLocation("(arguments)"), "", "no file or folder to import was given");
            batch.FileFailed = true;
        }

        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path)
                    .Where(f => HasExtension(f, ".json") || HasExtension(f, ".csv"))
                    .Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                {
                    Fail(batch, new SourceLocation(path), "the folder holds no .json or .csv file");
                }

                files.ForEach(f => AddFile(f, inputs, batch, limits));
            }
            else if (File.Exists(path))
            {
                AddFile(path, inputs, batch, limits);
            }
            else
            {
                Fail(batch, new SourceLocation(path), "no such file or folder");
            }
        }

        return inputs.OrderBy(i => i.Csv is null ? -1 : CsvLayout.All.ToList().IndexOf(i.Csv)).ToList();
    }

    private static void AddFile(string path, List<ImportInput> inputs, ImportBatch batch, ExchangeLimits limits)
    {
        var at = new SourceLocation(path);
        CsvFileKind? csv = null;
        if (HasExtension(path, ".csv"))
        {
            csv = CsvLayout.Recognise(path);
            if (csv is null)
            {
                Fail(batch, at, $"cannot tell what this CSV file holds from its name: name it {string.Join(", ", CsvLayout.All.Select(k => k.FileName))} (a prefix such as isp-a-networks.csv is fine)");
                return;
            }
        }
        else if (!HasExtension(path, ".json"))
        {
            Fail(batch, at, "unsupported file type: give .json or .csv files, or a folder of them");
            return;
        }

        var length = new FileInfo(path).Length;
        if (length > limits.MaxFileBytes)
        {
            Fail(batch, at, $"the file is {Megabytes(length)}, more than the limit of {Megabytes(limits.MaxFileBytes)}: split it into several files");
            return;
        }

        inputs.Add(new ImportInput(path, length, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true), csv));
    }

    private static void Fail(ImportBatch batch, SourceLocation at, string reason)
    {
        batch.Issues.Add(at, "", reason);
        batch.FileFailed = true;
    }

    private static bool HasExtension(string path, string extension) =>
        string.Equals(Path.GetExtension(path), extension, StringComparison.OrdinalIgnoreCase);

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MB";
}

/// <summary>Reads through to a stream, hashing what passes (for the audit summary) and reporting how far it got.</summary>
internal sealed class HashingStream(Stream inner, Action<long> onRead) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(byte[] buffer, int offset, int count) => Seen(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Seen(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        return Seen(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Seen(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        BytesRead += data.Length;
        onRead(data.Length);
        return data.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
