using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Actors.Feeding;
using TinyClip.Configuration;
using TinyClip.Data;

namespace TinyClip.Actors.Tests.Configuration;

public class SettingsTests
{
    private static Config Plan(string stages, params string[] overrides) =>
        TinyClipConfig.Overrides(overrides).WithFallback(ConfigurationFactory.ParseString(stages)).WithFallback(TinyClipConfig.Reference);

    private const string TwoStages = """
        tinyclip.plan {
          stages = [t, s]
          t { kind = teacher, model = tiny-test, steps = 30, learning-rate = 1e-3, warmup-steps = 5 }
          s { kind = distill, model = tiny-test, init = scratch, steps = 20, warmup-steps = 2 }
        }
        """;

    [Fact]
    public void Stage_blocks_fall_back_to_stage_defaults()
    {
        var plan = PlanSettings.Read(Plan(TwoStages));
        Assert.Equal(new[] { "t", "s" }, plan.Stages.Select(s => s.Name));
        var teacher = plan.Stages[0];
        Assert.Equal(StageKind.Teacher, teacher.Kind);
        Assert.Equal(1e-3, teacher.Optimization.LearningRate);
        Assert.Equal(0.0, teacher.Loss.Alpha); // forced for teacher pre-training
        Assert.True(teacher.Loss.LearnableLogitScale);
        var student = plan.Stages[1];
        Assert.Equal(1e-4, student.Optimization.LearningRate); // from stage-defaults
        Assert.Equal(64, student.BatchSize);
        Assert.Equal(1.0, student.Loss.Alpha);
    }

    [Fact]
    public void Overrides_reach_stage_blocks_and_change_the_plan_hash()
    {
        var baseline = PlanSettings.Read(Plan(TwoStages));
        var changed = PlanSettings.Read(Plan(TwoStages, "tinyclip.plan.s.steps=7"));
        Assert.Equal(7, changed.Stages[1].Steps);
        Assert.NotEqual(baseline.Hash(42), changed.Hash(42));
        Assert.Equal(baseline.Hash(42), PlanSettings.Read(Plan(TwoStages)).Hash(42));
        Assert.NotEqual(baseline.Hash(42), baseline.Hash(43));
    }

    [Fact]
    public void The_data_lanes_are_part_of_the_plan()
    {
        var baseline = PlanSettings.Read(Plan(TwoStages));
        var lanes = PlanSettings.Read(Plan(TwoStages, "tinyclip.data.order.lanes=6"));
        Assert.Equal((12, 6), (baseline.Lanes, lanes.Lanes));
        Assert.NotEqual(baseline.Hash(42), lanes.Hash(42)); // every batch depends on them: a run cannot change them
        var error = Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan(TwoStages, "tinyclip.data.order.lanes=0")));
        Assert.Contains("tinyclip.data.order.lanes", error.Message);
    }

    [Theory]
    [InlineData("tinyclip.plan.s.steps=-3", "tinyclip.plan.s.steps")]
    [InlineData("tinyclip.plan.s.steps=many", "tinyclip.plan.s.steps")]
    [InlineData("tinyclip.plan.s.kind=sideways", "tinyclip.plan.s.kind")]
    [InlineData("tinyclip.plan.s.learnable-logit-scale=maybe", "tinyclip.plan.s.learnable-logit-scale")]
    [InlineData("tinyclip.plan.t.warmup-steps=30", "tinyclip.plan.t.warmup-steps")]
    [InlineData("tinyclip.plan.s.init=/no/such/file.safetensors", "tinyclip.plan.s.init")]
    [InlineData("tinyclip.teacher.checkpoint=/no/such/teacher.safetensors", "tinyclip.teacher.checkpoint")]
    public void Bad_values_are_rejected_with_the_key_named(string setting, string key)
    {
        var error = Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan(TwoStages, setting)));
        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message);
    }

    [Theory]
    [InlineData("tinyclip.eval.device=gpu", "tinyclip.eval.device")]
    [InlineData("tinyclip.eval.read-ahead-batches=0", "tinyclip.eval.read-ahead-batches")]
    [InlineData("tinyclip.eval.progress-interval=0s", "tinyclip.eval.progress-interval")]
    [InlineData("tinyclip.eval.batch-size=0", "tinyclip.eval.batch-size")]
    [InlineData("tinyclip.eval.compact-heap-every-batches=-1", "tinyclip.eval.compact-heap-every-batches")]
    public void Bad_evaluation_settings_are_rejected_with_the_key_named(string setting, string key)
    {
        var error = Assert.Throws<InvalidSettingException>(() => RunSettings.Read(Plan(TwoStages, setting)));
        Assert.Equal(key, error.Key);
    }

    [Fact]
    public void The_evaluation_device_is_checked_against_this_machine()
    {
        var settings = RunSettings.Read(Plan(TwoStages, "tinyclip.eval.device=cuda")).Eval;
        Assert.Equal(("cpu", 2, TimeSpan.FromSeconds(30)), (EvalSettings.Reference.Device, EvalSettings.Reference.ReadAheadBatches, EvalSettings.Reference.ProgressInterval));
        if (TorchSharp.torch.cuda.is_available()) return; // a CUDA build with a GPU has the device
        var error = Assert.Throws<InvalidSettingException>(() => DeviceName.Available(settings.Device, "tinyclip.eval.device"));
        Assert.Contains("'cuda' was asked for, but CUDA is not available", error.Message);
    }

    [Theory]
    [InlineData("tinyclip.synthetic-data.position-jitter=0.6")]
    [InlineData("tinyclip.synthetic-data.position-jitter=-0.1")]
    public void A_synthetic_position_jitter_outside_0_to_half_is_rejected(string setting)
    {
        var error = Assert.Throws<InvalidSettingException>(() => RunSettings.Read(Plan(TwoStages, setting)));
        Assert.Equal("tinyclip.synthetic-data.position-jitter", error.Key);
    }

    [Fact]
    public void The_demo_generates_shapes_near_the_centre()
    {
        var demo = RunSettings.Read(TinyClipConfig.Load(null, []));
        Assert.Equal(0.075, demo.Synthetic.PositionJitter);
        Assert.Equal(0.5, RunSettings.Read(TinyClipConfig.Reference).Synthetic.PositionJitter);
    }

    [Fact]
    public void A_distill_stage_without_any_teacher_is_rejected()
    {
        var error = Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan(
            "tinyclip.plan { stages = [s], s { model = tiny-test, init = scratch } }")));
        Assert.Equal("tinyclip.teacher.checkpoint", error.Key);
    }

    [Fact]
    public void A_listed_stage_without_a_block_is_rejected()
    {
        var error = Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan("tinyclip.plan.stages = [ghost]")));
        Assert.Equal("tinyclip.plan.ghost", error.Key);
    }

    [Fact]
    public void Override_values_that_are_not_hocon_are_taken_as_strings()
    {
        var config = TinyClipConfig.Overrides(new[] { "tinyclip.run.dir=/tmp/a b:c", "tinyclip.run.seed=7" });
        Assert.Equal("/tmp/a b:c", config.GetString("tinyclip.run.dir"));
        Assert.Equal(7, config.GetInt("tinyclip.run.seed"));
        Assert.Throws<InvalidSettingException>(() => TinyClipConfig.Overrides(new[] { "no-equals-sign" }));
    }

    [Theory]
    [InlineData("hocon/plans/auto-vit-b-32.conf", 3)]
    [InlineData("hocon/plans/manual-vit-b-32.conf", 2)]
    [InlineData("hocon/demo.conf", 4)]
    public void Shipped_plans_parse_into_valid_stages(string name, int stages)
    {
        var plan = ShippedPlan(name);
        Assert.Equal(stages, plan.Stages.Count);
        Assert.All(plan.Stages.Where(s => s.Kind == StageKind.Auto), s => Assert.NotNull(s.Auto));
    }

    static PlanSettings ShippedPlan(string name)
    {
        var text = TinyClipConfig.Embedded(name);
        // The recipes expect the user's teacher checkpoint; any existing file stands in for it here.
        var teacher = typeof(SettingsTests).Assembly.Location;
        var config = TinyClipConfig.Overrides(new[] { $"tinyclip.teacher.checkpoint={teacher}" })
            .WithFallback(ConfigurationFactory.ParseString(text)).WithFallback(TinyClipConfig.Reference);
        return PlanSettings.Read(config);
    }

    [Fact]
    public void The_recipes_carry_the_official_scripts_settings()
    {
        // TinyCLIP's script/*_weight_inherit_*.sh (the plans' comments name the lines): 1,024 a GPU on 8 GPUs, 6 epochs of
        // 400M samples (292,968 steps), lr 1e-4, clip 5, logit scale 50; manual warm-up 2000; auto warm-up = prune step.
        var manual = ShippedPlan("hocon/plans/manual-vit-b-32.conf").Stages;
        Assert.All(manual, s => Assert.Equal((8192, 292968L, 1e-4, 2000L, 5.0, 50.0, false),
            (s.BatchSize, s.Steps, s.Optimization.LearningRate, s.Optimization.WarmupSteps, s.Optimization.GradientClip, s.Loss.FixedLogitScale, s.Loss.LearnableLogitScale)));
        Assert.Equal(["TinyCLIP-ViT-61M-32-Text-29M", "TinyCLIP-ViT-40M-32-Text-19M"], manual.Select(s => s.Model));
        Assert.Equal([StageSpec.InitTeacher, StageSpec.InitPrevious], manual.Select(s => s.Init));

        var auto = ShippedPlan("hocon/plans/auto-vit-b-32.conf").Stages;
        Assert.Equal([new AutoSpec(0.0, 0.25, 1000, 3000, 0.02, false), new AutoSpec(0.25, 0.5, 1000, 5000, 0.02, false), new AutoSpec(0.5, 0.75, 1000, 8000, 0.02, false)],
            auto.Select(s => s.Auto));
        Assert.Equal([3000L, 5000L, 8000L], auto.Select(s => s.Optimization.WarmupSteps));
        Assert.All(auto, s => Assert.Equal((8192, 292968L, "ViT-B-32", 50.0), (s.BatchSize, s.Steps, s.Model, s.Loss.FixedLogitScale)));
        Assert.Equal([StageSpec.InitTeacher, StageSpec.InitPrevious, StageSpec.InitPrevious], auto.Select(s => s.Init));
    }

    [Fact]
    public void Auto_stage_settings_are_read_and_checked()
    {
        const string auto = "tinyclip.plan { stages = [t, a]\n t { kind = teacher, model = tiny-test, warmup-steps = 2, steps = 10 }\n" +
                            "a { kind = auto, model = tiny-test, init = teacher, steps = 100, warmup-steps = 2, target-sparsity = 0.5, prune-step = 80, lagrangian = signed } }";
        var stage = PlanSettings.Read(Plan(auto)).Stages[1];
        Assert.Equal(new AutoSpec(0.0, 0.5, 1000, 80, 0.02, SignedLagrangian: true), stage.Auto);
        Assert.Equal("tinyclip.plan.a.prune-step",
            Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan(auto, "tinyclip.plan.a.prune-step=101"))).Key);
        Assert.Equal("tinyclip.plan.a.init",
            Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan(auto, "tinyclip.plan.a.init=scratch"))).Key);
        Assert.Equal("tinyclip.plan.a.target-sparsity",
            Assert.Throws<InvalidSettingException>(() => PlanSettings.Read(Plan(auto, "tinyclip.plan.a.start-sparsity=0.6"))).Key);
    }

    [Fact]
    public void Manifest_parallel_reads_come_from_hocon_and_must_be_positive()
    {
        Assert.Equal(16, DataSettingsConfig.FromConfig(TinyClipConfig.Reference).Manifest.ParallelReads);
        Assert.Equal(3, DataSettingsConfig.FromConfig(Plan(TwoStages, "tinyclip.data.manifest.parallel-reads=3")).Manifest.ParallelReads);
        var error = Assert.Throws<DataConfigurationException>(() => DataSettingsConfig.FromConfig(Plan(TwoStages, "tinyclip.data.manifest.parallel-reads=0")));
        Assert.Contains("manifest.parallel-reads must be positive", error.Message);
    }
}
