using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using TinyClip.Configuration;
using TinyClip.Model;

namespace TinyClip.Cli.Tests;

public sealed class ExportCommandTests(CompletedRunFixture run) : IClassFixture<CompletedRunFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task By_default_the_last_completed_stage_is_copied_with_its_names_and_metadata()
    {
        var output = Path.Combine(_directory, "student.safetensors");

        var exported = await ExportCommand.ExportAsync(run.RunDirectory, null, output);

        Assert.Equal("distill", exported.Stage);
        var source = StageCheckpoints.FinalStudentPath(run.RunDirectory, "distill");
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(output));
        Assert.Equal(AtomicFile.Sha256(output), exported.Sha256);
        var (shapes, metadata) = SafeTensors.ReadHeaderOnly(output);
        Assert.Equal(ArchitectureHints.From(exported.Config).ToMetadata().OrderBy(kv => kv.Key), metadata.Where(kv => kv.Key.StartsWith("tinyclip.")).OrderBy(kv => kv.Key));
        Assert.Contains("visual.conv1.weight", shapes.Keys);
        using var model = ClipCheckpoint.LoadModel(output);
        Assert.Equal(16, model.Config.Vision.HeadWidth);
    }

    [Fact]
    public async Task The_cli_exports_a_named_stage()
    {
        var output = Path.Combine(_directory, "teacher.safetensors");

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["export", "--run-dir", run.RunDirectory, "--stage", "teacher", "--out", output]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("exported stage 'teacher'", result.Stdout);
        Assert.Equal(File.ReadAllBytes(StageCheckpoints.FinalStudentPath(run.RunDirectory, "teacher")), File.ReadAllBytes(output));
    }

    [Fact]
    public async Task A_student_file_that_no_longer_matches_its_recorded_hash_is_refused()
    {
        // A copy of the run (which also shows that a moved run directory still exports), with one weight byte changed.
        var copy = Path.Combine(_directory, "moved-run");
        CopyDirectory(run.RunDirectory, copy);
        var student = StageCheckpoints.FinalStudentPath(copy, "distill");
        var bytes = File.ReadAllBytes(student);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(student, bytes);
        var output = Path.Combine(_directory, "refused.safetensors");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ExportCommand.ExportAsync(copy, null, output));

        Assert.Contains("SHA-256", error.Message);
        Assert.False(File.Exists(output));
        var teacher = await ExportCommand.ExportAsync(copy, "teacher", output);
        Assert.Equal("teacher", teacher.Stage);
    }

    [Fact]
    public async Task A_stage_that_has_not_completed_is_named_in_the_error()
    {
        var error = await Assert.ThrowsAsync<InvalidSettingException>(() =>
            ExportCommand.ExportAsync(run.RunDirectory, "auto", Path.Combine(_directory, "x.safetensors")));

        Assert.Contains("'auto'", error.Message);
        Assert.Contains("teacher, distill", error.Message);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
