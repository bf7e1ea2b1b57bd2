using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Configuration;

/// <summary>Settings reference.conf does not define are refused with the nearest known key; everything we ship is known.</summary>
public class KnownSettingsTests
{
    private static readonly KnownSettings Known = new(TinyClipConfig.Reference);

    private static InvalidSettingException Refused(string hocon) =>
        Assert.Throws<InvalidSettingException>(() => Known.EnsureKnown(ConfigurationFactory.ParseString(hocon)));

    public static TheoryData<string> ShippedFiles => new(TinyClipConfig.EmbeddedNames().Where(n => n != "hocon/reference.conf"));

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void Every_setting_of_a_shipped_file_is_known(string name) =>
        Known.EnsureKnown(ConfigurationFactory.ParseString(TinyClipConfig.Embedded(name)));

    [Fact]
    public void Every_setting_of_reference_conf_is_known() => Known.EnsureKnown(TinyClipConfig.Reference);

    [Theory]
    [InlineData("tinyclip.checkpoint.every-step = 5", "tinyclip.checkpoint.every-step", "did you mean tinyclip.checkpoint.every-steps?")]
    [InlineData("tinyclip { data { order { lane = 4 } } }", "tinyclip.data.order.lane", "did you mean tinyclip.data.order.lanes?")]
    [InlineData("tinyclip.plan { stages = [a], a { kind = distill, stepz = 3 } }", "tinyclip.plan.a.stepz", "did you mean tinyclip.plan.a.steps?")]
    [InlineData("tinyclip.stage-defaults.micro-batch = 64", "tinyclip.stage-defaults.micro-batch", "did you mean tinyclip.stage-defaults.micro-batch-size?")]
    [InlineData("tinyclip.teacher.precison = bf16", "tinyclip.teacher.precison", "did you mean tinyclip.teacher.precision?")]
    public void A_near_miss_is_refused_with_the_nearest_key(string hocon, string key, string suggestion)
    {
        var error = Refused(hocon);
        Assert.Equal(key, error.Key);
        Assert.EndsWith($"unknown setting; {suggestion}", error.Message);
    }

    [Theory]
    [InlineData("tinyclip.completely-different = 1", "tinyclip.completely-different")]
    [InlineData("tinyclip.plan.a.colour = red", "tinyclip.plan.a.colour")]
    public void A_key_like_no_known_one_is_refused_without_a_guess(string hocon, string key)
    {
        var error = Refused(hocon);
        Assert.Equal(key, error.Key);
        Assert.EndsWith("unknown setting", error.Message);
    }

    [Fact]
    public void Stage_blocks_take_stage_keys_and_akka_and_dispatcher_settings_pass()
    {
        Known.EnsureKnown(ConfigurationFactory.ParseString(
            "tinyclip.plan { stages = [x], x { kind = auto, micro-batch-size = 8, activation-checkpointing = on, target-sparsity = 0.5 } }\n" +
            "akka.loglevel = DEBUG\ntinyclip.data.decode-dispatcher.throughput = 10"));
    }

    [Theory]
    [InlineData("every-steps", "every-steps", 0)]
    [InlineData("every-step", "every-steps", 1)]
    [InlineData("stepz", "steps", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    public void Edit_distance_counts_single_character_edits(string a, string b, int distance)
    {
        Assert.Equal(distance, KnownSettings.EditDistance(a, b));
        Assert.Equal(distance, KnownSettings.EditDistance(b, a));
    }
}
