using System.Globalization;

namespace TinyClip.Data.Remote;

/// <summary>
/// An index file: one shard a line, <c>URL SIZE [SHA256]</c> separated by spaces or tabs; blank lines and lines
/// starting with <c>#</c> are skipped. URLs are absolute (<c>http://</c>, <c>https://</c>, <c>s3://</c>); the size is
/// in bytes; the SHA-256, when given, is 64 hex digits and every download is checked against it.
/// </summary>
public static class ShardIndexFile
{
    /// <param name="source">The index file, for messages.</param>
    /// <exception cref="DataConfigurationException">A line is malformed (the message names it).</exception>
    public static IReadOnlyList<RemoteObject> Parse(string text, string source)
    {
        var shards = new List<RemoteObject>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            string Where() => $"{source} line {i + 1} ('{line}')";
            if (fields.Length is < 2 or > 3) throw new DataConfigurationException($"{Where()}: expected 'URL SIZE [SHA256]'");
            if (!RemoteInputs.IsUrl(fields[0])) throw new DataConfigurationException($"{Where()}: '{fields[0]}' is not an http(s):// or s3:// URL");
            if (!long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size <= 0)
                throw new DataConfigurationException($"{Where()}: the size '{fields[1]}' is not a positive number of bytes");
            var sha = fields.Length == 3 ? fields[2].ToLowerInvariant() : null;
            if (sha is not null && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)))
                throw new DataConfigurationException($"{Where()}: the SHA-256 '{fields[2]}' is not 64 hex digits");
            shards.Add(new RemoteObject(fields[0], size, sha));
        }
        return shards;
    }
}
