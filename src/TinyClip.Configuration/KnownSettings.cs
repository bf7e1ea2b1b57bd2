using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace TinyClip.Configuration;

/// <summary>
/// The settings reference.conf defines, and the check that a user's layer sets no other: a misspelt key would otherwise
/// be ignored in silence and the run would go on with the default (in a three-week run, a lost run). Keys under
/// <c>tinyclip.plan.&lt;stage&gt;</c> are checked against the stage keys (those of <c>tinyclip.stage-defaults</c>);
/// settings outside <c>tinyclip</c> belong to Akka and are not checked here.
/// </summary>
public sealed class KnownSettings
{
    private const string Root = "tinyclip", Plan = "tinyclip.plan", StageDefaults = "tinyclip.stage-defaults";

    // Subtrees whose keys are another library's schema (an Akka dispatcher): any key is passed on.
    private static readonly string[] OpenSubtrees = ["tinyclip.data.decode-dispatcher"];

    private readonly HashSet<string> _settings;
    private readonly string[] _stageKeys;

    public KnownSettings(Config reference)
    {
        _settings = LeafPaths(reference.Root, "").Where(p => p.StartsWith(Root + ".", StringComparison.Ordinal)).ToHashSet();
        _stageKeys = _settings.Where(p => p.StartsWith(StageDefaults + ".", StringComparison.Ordinal))
            .Select(p => p[(StageDefaults.Length + 1)..]).ToArray();
    }

    /// <summary>Every leaf setting under <c>tinyclip</c> that the reference defines, as dotted paths.</summary>
    public IReadOnlyCollection<string> Settings => _settings;

    /// <summary>Refuses the first setting of <paramref name="layer"/> that is not known, naming the nearest known one.</summary>
    public void EnsureKnown(Config layer)
    {
        foreach (var path in LeafPaths(layer.Root, ""))
        {
            if (!path.StartsWith(Root + ".", StringComparison.Ordinal) || IsKnown(path)) continue;
            var nearest = Nearest(path);
            throw new InvalidSettingException(path, nearest is null ? "unknown setting" : $"unknown setting; did you mean {nearest}?");
        }
    }

    private bool IsKnown(string path)
    {
        if (_settings.Contains(path) || OpenSubtrees.Any(open => path.StartsWith(open + ".", StringComparison.Ordinal))) return true;
        return StageKey(path) is { } key && _stageKeys.Contains(key);
    }

    /// <summary>"steps" of tinyclip.plan.teacher.steps; null when the path is not inside a stage block.</summary>
    private static string? StageKey(string path)
    {
        if (!path.StartsWith(Plan + ".", StringComparison.Ordinal)) return null;
        var rest = path[(Plan.Length + 1)..];
        int dot = rest.IndexOf('.');
        return dot < 0 ? null : rest[(dot + 1)..];
    }

    private string? Nearest(string path)
    {
        IEnumerable<string> candidates = _settings;
        if (StageKey(path) is { } key)
        {
            var stage = path[..^key.Length];
            candidates = _stageKeys.Select(k => stage + k);
        }
        var (best, distance) = candidates.Select(c => (Candidate: c, Distance: EditDistance(path, c))).MinBy(c => c.Distance);
        // Only a near miss is worth suggesting: at most half the length of the key's last segment.
        return distance <= Math.Max(2, path[(path.LastIndexOf('.') + 1)..].Length / 2) ? best : null;
    }

    /// <summary>Every leaf of a HOCON tree (values and lists) as a dotted path.</summary>
    private static IEnumerable<string> LeafPaths(HoconValue? value, string path)
    {
        if (value is null) yield break;
        if (!value.IsObject())
        {
            if (path.Length > 0) yield return path;
            yield break;
        }
        foreach (var (key, child) in value.GetObject().Items)
            foreach (var leaf in LeafPaths(child, path.Length == 0 ? key : $"{path}.{key}"))
                yield return leaf;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions of one character each cost 1.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
