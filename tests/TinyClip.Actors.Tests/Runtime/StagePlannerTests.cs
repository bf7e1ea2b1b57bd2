using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Persistence;
using TinyClip.Actors.Runtime;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Runtime;

/// <summary>The planner's checks of the training data: a restart on other data, and a node on other data.</summary>
public sealed class StagePlannerTests
{
    private const string RunManifest = "1111aaaa", OtherManifest = "2222bbbb";

    private static PlanSettings Plan => PlanSettings.Read(ConfigurationFactory.ParseString("""
        tinyclip.plan {
          stages = [s]
          s { kind = teacher, model = tiny-test, steps = 30, batch-size = 12, warmup-steps = 2 }
        }
        """).WithFallback(TinyClipConfig.Reference));

    private static RunHistory PlannedWith(string manifestHash) =>
        RunHistory.From([new StagePlanner(Plan, 42, manifestHash).Planned(DateTimeOffset.UnixEpoch)]);

    [Fact]
    public void The_run_is_planned_with_its_manifest_hash_and_continues_on_the_same_data()
    {
        var planner = new StagePlanner(Plan, 42, RunManifest);
        Assert.Equal(RunManifest, planner.Planned(DateTimeOffset.UnixEpoch).ManifestHash);
        Assert.Null(planner.RefusalToContinue(PlannedWith(RunManifest)));
    }

    [Fact]
    public void A_restart_on_other_training_data_is_refused_naming_both_hashes()
    {
        var refusal = new StagePlanner(Plan, 42, OtherManifest).RefusalToContinue(PlannedWith(RunManifest));
        Assert.NotNull(refusal);
        Assert.Contains($"manifest {RunManifest}", refusal);
        Assert.Contains($"manifest {OtherManifest}", refusal);
        Assert.Contains("other training data", refusal);
    }

    [Fact]
    public void A_journal_from_before_manifest_hashes_continues()
    {
        var planned = System.Text.Json.JsonSerializer.Deserialize<RunPlanned>(
            """{"PlanHash":"PLAN","Stages":["s"],"At":"1970-01-01T00:00:00+00:00"}""", TinyClipSerializer.Json)!;
        var planner = new StagePlanner(Plan, 42, RunManifest);
        var history = RunHistory.From([planned with { PlanHash = planner.Planned(DateTimeOffset.UnixEpoch).PlanHash }]);
        Assert.Null(planned.ManifestHash);
        Assert.Null(planner.RefusalToContinue(history));
    }

    [Fact]
    public void A_node_registering_with_other_training_data_is_refused_naming_both_hashes()
    {
        var planner = new StagePlanner(Plan, 42, RunManifest);
        Assert.Null(planner.RefusalToRegister(new RegisterNode("node-a", ["cpu"], RunManifest)));
        var refusal = planner.RefusalToRegister(new RegisterNode("node-b", ["cpu"], OtherManifest));
        Assert.NotNull(refusal);
        Assert.Contains("node-b", refusal);
        Assert.Contains("training data differs", refusal);
        Assert.Contains(RunManifest, refusal);
        Assert.Contains(OtherManifest, refusal);
    }
}
