using TinyClip.Actors.Evaluation;

namespace TinyClip.Actors.Tests.Evaluation;

/// <summary>Class names and templates chosen by a shipped set's name or read from files.</summary>
public sealed class ZeroShotPromptsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-prompts-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_shipped_imagenet_sets_are_the_1000_class_names_in_label_order_and_openais_80_templates()
    {
        var prompts = ZeroShotPrompts.Read("imagenet-1k", "openai-imagenet")!;

        Assert.Equal(1000, prompts.Classes.Count);
        // Label order as ImageNet's class indices; CLIP's own edits of names (kite, crane) and its repeated names stay.
        Assert.Equal(("tench", "goldfish", "toilet paper"), (prompts.Classes[0], prompts.Classes[1], prompts.Classes[999]));
        Assert.Equal(("kite (bird of prey)", "crane bird", "construction crane"), (prompts.Classes[21], prompts.Classes[134], prompts.Classes[517]));
        Assert.Equal(["missile", "missile", "sunglasses", "sunglasses"], new[] { 657, 744, 836, 837 }.Select(i => prompts.Classes[i]));
        Assert.Equal(998, prompts.Classes.Distinct().Count());
        Assert.Equal(80, prompts.Templates.Count);
        Assert.Equal(("a bad photo of a {}.", "a tattoo of the {}."), (prompts.Templates[0], prompts.Templates[^1]));
        // Each template names the class once.
        Assert.All(prompts.Templates, t => Assert.Equal(2, t.Split("{}").Length));
        Assert.Equal(80, prompts.Templates.Distinct().Count());
        Assert.Equal(["imagenet-1k"], PromptSets.Names(PromptSets.ClassesKind));
        Assert.Equal(["openai-imagenet"], PromptSets.Names(PromptSets.TemplatesKind));
    }

    [Fact]
    public void Files_still_work_and_a_named_class_set_combines_with_the_default_template()
    {
        var classes = Path.Combine(_directory, "classes.txt");
        var templates = Path.Combine(_directory, "templates.txt");
        File.WriteAllText(classes, "cat\r\n\r\n  dog  \n");
        File.WriteAllText(templates, "a {} photo.\n");

        var fromFiles = ZeroShotPrompts.Read(classes, templates)!;
        var named = ZeroShotPrompts.Read("imagenet-1k", "")!;

        Assert.Equal(["cat", "dog"], fromFiles.Classes);
        Assert.Equal(["a {} photo."], fromFiles.Templates);
        Assert.Equal(ZeroShotPrompts.DefaultTemplates, named.Templates);
        Assert.Null(ZeroShotPrompts.Read("", "openai-imagenet"));
    }

    [Fact]
    public void A_name_that_is_neither_a_file_nor_a_shipped_set_is_refused_with_the_shipped_names()
    {
        var classes = Assert.Throws<FileNotFoundException>(() => ZeroShotPrompts.Read("imagenet-21k", ""));
        // A set's name is looked up by kind: the templates' name is not a class list.
        var kind = Assert.Throws<FileNotFoundException>(() => ZeroShotPrompts.Read("openai-imagenet", ""));
        File.WriteAllText(Path.Combine(_directory, "empty.txt"), "\n \n");
        var empty = Assert.Throws<InvalidDataException>(() => ZeroShotPrompts.Read(Path.Combine(_directory, "empty.txt"), ""));

        Assert.Equal("the evaluation classes 'imagenet-21k' is neither a file nor a shipped set (imagenet-1k)", classes.Message);
        Assert.Contains("'openai-imagenet' is neither a file nor a shipped set", kind.Message);
        Assert.Contains("is empty", empty.Message);
    }
}
