using TinyClip.Data.Ordering;
using System.Text.Json;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Tests.Persistence;

public sealed class RunStatusTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private const string CheckpointSha = "3f2a0000000000000000000000000000000000000000000000000000000000aa";
    private const string StudentSha = "77b10000000000000000000000000000000000000000000000000000000000bb";
    private const string ManifestHash = "9c4e0000000000000000000000000000000000000000000000000000000000cc";

    private static readonly IStageEvent[] Events =
    [
        new RunPlanned("plan-1", ManifestHash, ["teacher"], At),
        new WorkersChanged(1, ["local/trainer-0:cpu"], At),
        new StageStarted("teacher", "teacher", "tiny-test", "scratch", At),
        new CheckpointCommitted("teacher", 2, 32, new Cursor(2, [new LanePosition(0, 0)]), "/run/checkpoints/teacher/step-2.safetensors", CheckpointSha, At),
        new StageCompleted("teacher", "/run/students/teacher.safetensors", StudentSha, new Dictionary<string, double> { ["params_image"] = 10 }, At),
    ];

    [Fact]
    public void Json_lists_the_journal_hash_of_every_committed_checkpoint_and_stage_result()
    {
        var json = JsonDocument.Parse(JsonSerializer.Serialize(RunStatus.From(Events).ToJson())).RootElement;
        var events = json.GetProperty("events").EnumerateArray().ToList();

        var checkpoint = events.Single(e => e.GetProperty("type").GetString() == "CheckpointCommitted");
        Assert.Equal(CheckpointSha, checkpoint.GetProperty("sha256").GetString());
        Assert.Equal(2, checkpoint.GetProperty("step").GetInt64());
        var completed = events.Single(e => e.GetProperty("type").GetString() == "StageCompleted");
        Assert.Equal(StudentSha, completed.GetProperty("sha256").GetString());
        Assert.True(json.GetProperty("completed").ValueKind is JsonValueKind.False);
    }

    [Fact]
    public void Status_shows_the_training_manifest_hash_the_run_was_planned_with()
    {
        var status = RunStatus.From(Events);
        var planned = JsonDocument.Parse(JsonSerializer.Serialize(status.ToJson())).RootElement.GetProperty("events")[0];
        Assert.Equal(ManifestHash, planned.GetProperty("manifest").GetString());
        Assert.Contains(status.ToText().Split('\n'), line => line.StartsWith("RunPlanned") && line.Contains($"manifest={ManifestHash}"));
    }

    [Fact]
    public void Text_shows_the_hash_on_the_event_line()
    {
        var lines = RunStatus.From(Events).ToText().Split('\n');
        Assert.Contains(lines, line => line.StartsWith("CheckpointCommitted") && line.Contains("step=2") && line.TrimEnd().EndsWith($"sha256={CheckpointSha}"));
        Assert.Contains(lines, line => line.StartsWith("StageCompleted") && line.Contains($"sha256={StudentSha}"));
    }
}
