using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Cli.Tests.Docs;

/// <summary>
/// docs/configuration.md carries the settings tables of hocon/reference.conf, and they may not drift from it. After a
/// change to reference.conf, <c>TINYCLIP_UPDATE_DOCS=1 dotnet test tests/TinyClip.Cli.Tests --filter ConfigurationDoc</c>
/// rewrites the generated part of the page.
/// </summary>
public sealed class ConfigurationDocTests
{
    private const string Begin = "<!-- generated from hocon/reference.conf: begin -->", End = "<!-- generated from hocon/reference.conf: end -->";
    private static readonly string ReferenceConf = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "hocon", "reference.conf"));
    private static readonly string Page = Path.Combine(TestPaths.RepositoryRoot, "docs", "configuration.md");

    [Fact]
    public void The_reader_finds_every_setting_that_Akkas_parser_finds_and_no_other()
    {
        var read = SettingsReference.Read(ReferenceConf).SelectMany(b => b.Settings).Select(s => s.Path).ToList();
        var parsed = new KnownSettings(TinyClipConfig.Reference).Settings;
        Assert.Equal(read.Count, read.Distinct().Count());
        Assert.Equal(parsed.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_reader_takes_each_keys_default_and_the_comment_above_it()
    {
        var blocks = SettingsReference.Read("""
            tinyclip {
              # Where runs go.
              run {
                # The name.
                name = "run"

                # Seed of
                # everything.
                seed = 42
                other = [1, 2]
              }
            }
            akka {
              loglevel = WARNING
            }
            """.Replace("\r", ""));
        var run = Assert.Single(blocks);
        Assert.Equal("tinyclip.run", run.Path);
        Assert.Equal("Where runs go.", run.Description);
        Assert.Equal(new SettingsReference.Setting[]
        {
            new("tinyclip.run.name", "\"run\"", "The name."),
            new("tinyclip.run.seed", "42", "Seed of everything."),
            new("tinyclip.run.other", "[1, 2]", ""),
        }, run.Settings);
    }

    [Fact]
    public void The_page_holds_the_tables_of_the_current_reference_conf()
    {
        var page = File.ReadAllText(Page);
        int begin = page.IndexOf(Begin, StringComparison.Ordinal), end = page.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"docs/configuration.md has no section between '{Begin}' and '{End}'");
        var generated = SettingsReference.Markdown(SettingsReference.Read(ReferenceConf)) + "\n";
        var current = page[(begin + Begin.Length)..end];
        if (Environment.GetEnvironmentVariable("TINYCLIP_UPDATE_DOCS") == "1" && current != generated)
        {
            File.WriteAllText(Page, page[..(begin + Begin.Length)] + generated + page[end..]);
            return;
        }
        Assert.True(current == generated,
            "docs/configuration.md's settings tables differ from hocon/reference.conf; run " +
            "`TINYCLIP_UPDATE_DOCS=1 dotnet test tests/TinyClip.Cli.Tests --filter ConfigurationDoc` and review the diff");
    }
}
