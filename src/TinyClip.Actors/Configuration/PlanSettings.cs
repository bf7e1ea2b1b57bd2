using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Configuration;

/// <summary>The run's stages in order, where the fixed teacher comes from, and the data lanes the batches are cut into
/// (<c>tinyclip.data.order.lanes</c>: part of the plan because every batch depends on it).</summary>
public sealed record PlanSettings(IReadOnlyList<StageSpec> Stages, TeacherSettings Teacher, int Lanes)
{
    /// <summary>Stages a plan may have (collective sessions are numbered generation x this + stage index).</summary>
    public const int MaxStages = 1000;

    public static PlanSettings Read(Config config)
    {
        var root = new SettingsReader(config, "tinyclip");
        var names = root.StringList("plan.stages");
        if (names.Count == 0) throw new InvalidSettingException("tinyclip.plan.stages", "the plan has no stages");
        if (names.Count > MaxStages) throw new InvalidSettingException("tinyclip.plan.stages", $"a plan has at most {MaxStages} stages");
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidSettingException("tinyclip.plan.stages", $"stage '{duplicate.Key}' is listed twice");
        var defaults = config.GetConfig("tinyclip.stage-defaults");
        var stages = new List<StageSpec>();
        foreach (var name in names)
        {
            var key = $"tinyclip.plan.{name}";
            if (!config.HasPath(key)) throw new InvalidSettingException(key, $"stage '{name}' is listed in tinyclip.plan.stages but has no block");
            var merged = config.GetConfig(key).WithFallback(defaults);
            stages.Add(StageSpec.Read(new SettingsReader(merged, "", displayPrefix: key), name));
        }
        var teacher = TeacherSettings.Read(root.Child("teacher"));
        var lanes = root.Int("data.order.lanes", 1, 1 << 16);
        var plan = new PlanSettings(stages, teacher, lanes);
        plan.Validate();
        return plan;
    }

    private void Validate()
    {
        for (int i = 0; i < Stages.Count; i++)
        {
            var stage = Stages[i];
            var key = $"tinyclip.plan.{stage.Name}";
            if (stage.Init == StageSpec.InitPrevious && i == 0 && stage.Kind != StageKind.Teacher)
                throw new InvalidSettingException(key + ".init", "the first stage has no previous stage to start from; use scratch, teacher or a checkpoint path");
            if (stage.Init is not (StageSpec.InitScratch or StageSpec.InitPrevious or StageSpec.InitTeacher) && !File.Exists(stage.Init))
                throw new InvalidSettingException(key + ".init", $"checkpoint '{stage.Init}' does not exist");
            if (stage.Kind != StageKind.Teacher && string.IsNullOrEmpty(Teacher.Checkpoint)
                && !Stages.Take(i).Any(s => s.Kind == StageKind.Teacher))
                throw new InvalidSettingException("tinyclip.teacher.checkpoint",
                    $"stage '{stage.Name}' distils from a teacher, but no teacher checkpoint is set and no teacher stage runs before it");
        }
    }

    /// <summary>A teacher stage's own init is always scratch: "previous" is only meaningful for students.</summary>
    public static string EffectiveInit(StageSpec stage) =>
        stage.Kind == StageKind.Teacher && stage.Init == StageSpec.InitPrevious ? StageSpec.InitScratch : stage.Init;

    /// <summary>Identifies the plan: a restart of a run directory with a different plan is refused.</summary>
    public string Hash(long seed)
    {
        var canonical = JsonSerializer.Serialize(new { seed, Stages, Teacher, Lanes });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }
}

/// <summary>The fixed teacher of the run: a checkpoint (and optional architecture), or empty for the plan's teacher stage.</summary>
public sealed record TeacherSettings(string Checkpoint, string Model, bool AllowPickle, TeacherPrecision Precision = TeacherPrecision.Fp32)
{
    public static TeacherSettings Read(SettingsReader teacher)
    {
        var settings = new TeacherSettings(teacher.String("checkpoint"), teacher.String("model"), teacher.Bool("allow-pickle"),
            teacher.Choice<TeacherPrecision>("precision"));
        if (settings.Checkpoint.Length > 0 && !File.Exists(settings.Checkpoint))
            throw new InvalidSettingException(teacher.Key("checkpoint"), $"file '{settings.Checkpoint}' does not exist");
        return settings;
    }
}
