using Akka.Configuration;

namespace TinyClip.Configuration;

/// <summary>
/// Typed, validated reads of HOCON values. Akka's own getters throw parser exceptions that do not say which
/// key was wrong; every read here names the full key on failure.
/// </summary>
/// <remarks><paramref name="displayPrefix"/> is the key users see in messages when the values were read from a
/// merged block (a plan stage falling back to stage-defaults).</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "each read is named for the HOCON value type it reads")]
public sealed class SettingsReader(Config config, string prefix, string? displayPrefix = null)
{
    public Config Config { get; } = config;

    /// <summary>The full key as the user writes it, for messages.</summary>
    public string Key(string relative) => Join(displayPrefix ?? prefix, relative);

    private string PathOf(string relative) => Join(prefix, relative);

    private static string Join(string prefix, string relative) =>
        prefix.Length == 0 ? relative : relative.Length == 0 ? prefix : prefix + "." + relative;

    public SettingsReader Child(string relative) => new(Config, PathOf(relative), displayPrefix is null ? null : Key(relative));

    public string String(string relative, bool allowEmpty = true)
    {
        var key = Key(relative);
        var path = PathOf(relative);
        if (!Config.HasPath(path)) throw new InvalidSettingException(key, "missing");
        var value = Read(key, () => Config.GetString(path));
        if (!allowEmpty && string.IsNullOrWhiteSpace(value)) throw new InvalidSettingException(key, "must not be empty");
        return value ?? "";
    }

    public long Long(string relative, long min = long.MinValue, long max = long.MaxValue)
    {
        var key = Key(relative);
        var text = String(relative, allowEmpty: false);
        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
            throw new InvalidSettingException(key, $"expected an integer, got '{text}'");
        if (value < min || value > max) throw new InvalidSettingException(key, $"must be in [{min}, {max}], got {value}");
        return value;
    }

    public int Int(string relative, int min = int.MinValue, int max = int.MaxValue) => (int)Long(relative, min, max);

    public double Double(string relative, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var key = Key(relative);
        var text = String(relative, allowEmpty: false);
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new InvalidSettingException(key, $"expected a number, got '{text}'");
        if (value < min || value > max) throw new InvalidSettingException(key, $"must be in [{min}, {max}], got {value}");
        return value;
    }

    /// <summary>A size in bytes: a plain integer or a HOCON byte size such as 4MiB or 256KiB.</summary>
    public long Bytes(string relative, long min = 0, long max = long.MaxValue)
    {
        var key = Key(relative);
        String(relative, allowEmpty: false);
        var value = Read(key, () => Config.GetByteSize(PathOf(relative)))
            ?? throw new InvalidSettingException(key, "expected a size in bytes such as 1048576 or 4MiB");
        if (value < min || value > max) throw new InvalidSettingException(key, $"must be in [{min}, {max}] bytes, got {value}");
        return value;
    }

    public bool Bool(string relative)
    {
        var key = Key(relative);
        var text = String(relative, allowEmpty: false).ToLowerInvariant();
        return text switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new InvalidSettingException(key, $"expected on/off, got '{text}'"),
        };
    }

    public IReadOnlyList<string> StringList(string relative)
    {
        var key = Key(relative);
        var path = PathOf(relative);
        if (!Config.HasPath(path)) throw new InvalidSettingException(key, "missing");
        if (!Config.GetValue(path).IsArray()) throw new InvalidSettingException(key, "expected a list, e.g. [\"a\", \"b\"]");
        return Read(key, () => (IReadOnlyList<string>)Config.GetStringList(path).ToList());
    }

    public bool IsList(string relative) => Config.HasPath(PathOf(relative)) && Config.GetValue(PathOf(relative)).IsArray();

    /// <param name="allowZero">Whether 0 (e.g. no back-off) is a valid value; negative durations never are.</param>
    public TimeSpan Duration(string relative, bool allowZero = false)
    {
        var key = Key(relative);
        String(relative, allowEmpty: false);
        var value = Read(key, () => Config.GetTimeSpan(PathOf(relative), null, allowInfinite: false));
        if (value < TimeSpan.Zero || (value == TimeSpan.Zero && !allowZero))
            throw new InvalidSettingException(key, allowZero ? "must not be negative" : "must be a positive duration such as 2s");
        return value;
    }

    public T Choice<T>(string relative) where T : struct, Enum
    {
        var text = String(relative, allowEmpty: false).Replace("-", "");
        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)) return value;
        throw new InvalidSettingException(Key(relative), $"expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{text}'");
    }

    private static T Read<T>(string key, Func<T> read)
    {
        try { return read(); }
        catch (InvalidSettingException) { throw; }
        catch (Exception e) { throw new InvalidSettingException(key, e.Message); }
    }
}
