using System.Reflection;
using Akka.Configuration;

namespace TinyClip.Configuration;

/// <summary>
/// Composes the configuration in one place at start-up: --set overrides, then the user's file (or the embedded
/// demo plan when none is given), then hocon/reference.conf, each falling back to the next. A setting reference.conf
/// does not define is refused (<see cref="KnownSettings"/>).
/// </summary>
public static class TinyClipConfig
{
    public const string DemoPlan = "hocon/demo.conf";

    /// <summary>Text of a HOCON file shipped inside this assembly (hocon/*.conf, hocon/plans/*.conf).</summary>
    public static string Embedded(string name)
    {
        using var stream = typeof(TinyClipConfig).Assembly.GetManifestResourceStream(name)
            ?? throw new FileNotFoundException($"No embedded configuration '{name}'. Embedded: {string.Join(", ", EmbeddedNames())}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static IEnumerable<string> EmbeddedNames() =>
        typeof(TinyClipConfig).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("hocon/"));

    public static Config Reference => ConfigurationFactory.ParseString(Embedded("hocon/reference.conf"));

    /// <summary>Embedded layers under the user's file for `tinyclip node`: cluster defaults, then the PostgreSQL journal.</summary>
    public static readonly IReadOnlyList<string> ClusterLayers = new[] { "hocon/cluster.conf", "hocon/postgres.conf" };

    /// <summary>Loads the full configuration. <paramref name="userFile"/> null = the embedded demo plan.
    /// <paramref name="embeddedLayers"/> (e.g. <see cref="ClusterLayers"/>) sit between the user's file and the reference.</summary>
    public static Config Load(string? userFile, IEnumerable<string> overrides, IReadOnlyList<string>? embeddedLayers = null)
    {
        Config user;
        if (userFile is null)
        {
            user = ConfigurationFactory.ParseString(Embedded(DemoPlan));
        }
        else
        {
            if (!File.Exists(userFile)) throw new InvalidSettingException("--config", $"file '{userFile}' does not exist");
            try { user = ConfigurationFactory.ParseString(File.ReadAllText(userFile)); }
            catch (Exception e) { throw new InvalidSettingException("--config", $"'{userFile}' is not valid HOCON: {e.Message}"); }
        }
        var reference = Reference;
        var known = new KnownSettings(reference);
        var overridden = Overrides(overrides);
        known.EnsureKnown(overridden);
        known.EnsureKnown(user);
        var config = overridden.WithFallback(user);
        foreach (var layer in embeddedLayers ?? Array.Empty<string>())
            config = config.WithFallback(ConfigurationFactory.ParseString(Embedded(layer)));
        return config.WithFallback(reference);
    }

    /// <summary>Parses key=value pairs (values in HOCON syntax; a bare word that does not parse is taken as a string).</summary>
    public static Config Overrides(IEnumerable<string> pairs)
    {
        var config = Config.Empty;
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new InvalidSettingException(pair, "an override must look like key=value");
            var key = pair[..eq].Trim();
            var value = pair[(eq + 1)..].Trim();
            Config parsed;
            try { parsed = ConfigurationFactory.ParseString($"{key} = {value}"); }
            catch (Exception)
            {
                try { parsed = ConfigurationFactory.ParseString($"{key} = \"{value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\""); }
                catch (Exception e) { throw new InvalidSettingException(key, $"cannot parse override '{pair}': {e.Message}"); }
            }
            config = parsed.WithFallback(config);
        }
        return config;
    }
}
