using System.Reflection;
using TinyClip.Configuration;
using TinyClip.Data.Settings;
using TinyClip.Model;

namespace TinyClip.Actors.Tests;

/// <summary>
/// The layering of docs/architecture.md, checked on the built assemblies: the model and the data path are plain
/// libraries without Akka, the data path and the settings do not load TorchSharp.
/// </summary>
public sealed class DependencyRulesTests
{
    public static TheoryData<string, string[]> Rules => new()
    {
        { typeof(ClipModel).Assembly.GetName().Name!, ["Akka"] },
        { typeof(DataSettings).Assembly.GetName().Name!, ["Akka", "TorchSharp", "TinyClip.Model", "TinyClip.Actors"] },
        { typeof(TinyClipConfig).Assembly.GetName().Name!, ["TorchSharp", "TinyClip.Model", "TinyClip.Actors"] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void An_assembly_references_nothing_its_layer_forbids(string assembly, string[] forbidden)
    {
        var references = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, name => forbidden.Any(prefix => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal)));
    }
}
