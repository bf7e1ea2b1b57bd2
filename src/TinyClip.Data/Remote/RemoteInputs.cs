namespace TinyClip.Data.Remote;

/// <summary>
/// Which dataset inputs are remote, and the shards they name. An input is remote when it is an <c>http://</c>,
/// <c>https://</c> or <c>s3://</c> URL, or an index file (a local path or URL ending in <see cref="IndexSuffix"/>,
/// <see cref="ShardIndexFile"/>). An <c>s3://</c> URL that does not end in <c>.parquet</c> is a prefix: every
/// <c>.parquet</c> object under it. Shards are sorted by URL, as local files are by path.
/// </summary>
public static class RemoteInputs
{
    public const string IndexSuffix = ".index";

    public static bool IsUrl(string input) =>
        input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || input.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    public static bool IsRemote(string input) => IsUrl(input) || input.EndsWith(IndexSuffix, StringComparison.Ordinal);

    /// <summary>True when every input is remote, false when none is.</summary>
    /// <exception cref="DataConfigurationException">Local and remote inputs are mixed.</exception>
    public static bool AllRemote(IReadOnlyList<string> inputs, string setting)
    {
        var remote = inputs.Count(IsRemote);
        if (remote > 0 && remote < inputs.Count)
            throw new DataConfigurationException($"{setting} mixes local paths and remote locations ({string.Join(", ", inputs)}); " +
                                                 "use one kind for a split");
        return remote > 0;
    }

    /// <exception cref="DataConfigurationException">An input names nothing, or an index file is malformed.</exception>
    public static async Task<IReadOnlyList<RemoteObject>> ResolveAsync(IReadOnlyList<string> inputs, IObjectStore store, CancellationToken cancellationToken)
    {
        var shards = new SortedDictionary<string, RemoteObject>(StringComparer.Ordinal);
        foreach (var input in inputs)
            foreach (var shard in await ShardsOfAsync(input, store, cancellationToken))
                shards.TryAdd(shard.Url, shard);
        if (shards.Count == 0) throw new DataConfigurationException($"no Parquet shards under {string.Join(", ", inputs)}");
        return shards.Values.ToArray();
    }

    private static async Task<IReadOnlyList<RemoteObject>> ShardsOfAsync(string input, IObjectStore store, CancellationToken cancellationToken)
    {
        if (input.EndsWith(IndexSuffix, StringComparison.Ordinal))
            return ShardIndexFile.Parse(await ReadTextAsync(input, store, cancellationToken), input);
        if (input.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && !input.EndsWith(".parquet", StringComparison.Ordinal))
            return await store.ListAsync(input, cancellationToken);
        return [new RemoteObject(input, null, null)];
    }

    private static async Task<string> ReadTextAsync(string input, IObjectStore store, CancellationToken cancellationToken)
    {
        if (!IsUrl(input))
            return File.Exists(input) ? await File.ReadAllTextAsync(input, cancellationToken)
                : throw new DataConfigurationException($"index file '{input}' does not exist");
        try
        {
            await using var body = await store.GetAsync(input, 0, null, cancellationToken);
            using var reader = new StreamReader(body.Content);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new DataConfigurationException($"index file '{input}' cannot be read: {e.Message}");
        }
    }
}
