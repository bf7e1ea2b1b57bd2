using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using TinyClip.Data.Remote;
using TinyClip.Data.Settings;

namespace TinyClip.Data.Tests.Remote;

/// <summary>
/// An S3-compatible server for the tests: the npm package s3rver, which <c>.ci/run</c> installs and names in
/// TINYCLIP_TEST_S3RVER (the path of its <c>s3rver</c> program), started on a free 127.0.0.1 port with a bucket of
/// its own, stopped and its directory removed on dispose. s3rver takes its well-known test credentials (S3RVER/S3RVER).
/// </summary>
public sealed class S3rverServer : IDisposable
{
    public const string ProgramVariable = "TINYCLIP_TEST_S3RVER";
    public const string Bucket = "shards";
    public const string AccessKey = "S3RVER", SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly string _root;

    public S3rverServer()
    {
        var program = Environment.GetEnvironmentVariable(ProgramVariable) is { Length: > 0 } path ? path : throw new InvalidOperationException(
            $"No S3-compatible server for the tests: {ProgramVariable} is not set. Run the tests through .ci/run (it installs the npm package " +
            $"s3rver), or install it (npm install --prefix .ci-out/s3rver s3rver@3.7.1) and set {ProgramVariable}=$PWD/.ci-out/s3rver/node_modules/.bin/s3rver");
        _root = Directory.CreateTempSubdirectory("tinyclip-s3rver-").FullName;
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-d", _root, "-a", "127.0.0.1", "-p", "0", "--configure-bucket", Bucket }) info.ArgumentList.Add(argument);
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        // It prints "S3rver listening on 127.0.0.1:PORT" once it accepts requests; a line read blocks until then.
        const string listening = "listening on 127.0.0.1:";
        while (_process.StandardOutput.ReadLine() is { } line)
        {
            if (!line.Contains(listening, StringComparison.Ordinal)) continue;
            Endpoint = $"http://127.0.0.1:{int.Parse(line[(line.IndexOf(listening, StringComparison.Ordinal) + listening.Length)..].Trim())}";
            break;
        }
        if (Endpoint.Length == 0)
        {
            Dispose();
            throw new InvalidOperationException($"s3rver ({program}) ended without saying where it listens");
        }
        // What it prints later is drained, so that a full pipe never blocks it.
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public string Endpoint { get; } = "";

    public S3Settings Settings => new(Endpoint, "us-east-1", ForcePathStyle: true);

    public AmazonS3Client Client() =>
        new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1",
            // s3rver stores an aws-chunked upload (the SDK's default, for its trailing checksum) as it came, chunk headers and all.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        });

    /// <summary>A store on this server with its credentials given directly (a run gets them from the SDK's chain).</summary>
    public S3ObjectStore Store() => new(Client());

    /// <summary>Uploads the <c>.parquet</c> files of <paramref name="directory"/> under <paramref name="prefix"/>; returns <c>s3://bucket/prefix</c>.</summary>
    public async Task<string> UploadAsync(string directory, string prefix)
    {
        using var client = Client();
        foreach (var file in Directory.GetFiles(directory, "*.parquet"))
            await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = $"{prefix}/{Path.GetFileName(file)}", FilePath = file, UseChunkEncoding = false });
        return $"s3://{Bucket}/{prefix}";
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
