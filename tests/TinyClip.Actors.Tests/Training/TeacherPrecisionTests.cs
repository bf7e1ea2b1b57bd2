using TinyClip.Actors.Configuration;
using TinyClip.Actors.Training;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Training;

public sealed class TeacherPrecisionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-bf16-").FullName;

    private double FirstLoss(TeacherPrecision precision)
    {
        var stage = TrainingFixtures.Stage(StageKind.Distill, steps: 4, batchSize: 8);
        var setup = TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, TrainingFixtures.SaveTeacher(_directory)), _directory, 100) with
        {
            TeacherPrecision = precision,
        };
        using var core = TrainingFixtures.LoneTrainer(setup);
        var report = core.Train(TrainingFixtures.Batch(0, 8), stopRequested: false);
        Assert.False(report.Skipped);
        return report.Distill;
    }

    [Fact]
    public void A_bfloat16_teacher_gives_the_float32_teachers_distillation_loss_to_its_precision()
    {
        var fp32 = FirstLoss(TeacherPrecision.Fp32);
        var bf16 = FirstLoss(TeacherPrecision.Bf16);
        // bfloat16 keeps 8 significant bits (relative error 2^-9 a rounding): the teacher's affinities, and with them
        // the loss, move by a few parts in a thousand, not more; and they do move (the teacher really ran in bf16).
        Assert.NotEqual(fp32, bf16);
        Assert.InRange(Math.Abs(bf16 - fp32) / fp32, 0, 1e-2);
    }

    [Fact]
    public void An_unknown_precision_is_refused_with_the_settings_name()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString("tinyclip.teacher.precision = fp8").WithFallback(TinyClipConfig.Reference);
        var error = Assert.Throws<InvalidSettingException>(() => TeacherSettings.Read(new SettingsReader(config, "tinyclip").Child("teacher")));
        Assert.Contains("tinyclip.teacher.precision", error.Message);
        Assert.Contains("fp32, bf16", error.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
