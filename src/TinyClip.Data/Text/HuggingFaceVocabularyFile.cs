using System.Text.Json;

namespace TinyClip.Data.Text;

/// <summary>Reads a Hugging Face CLIPTokenizer vocab.json: one JSON object mapping each token string to its id.</summary>
public static class HuggingFaceVocabularyFile
{
    /// <summary>The file name Hugging Face uses.</summary>
    public const string FileName = "vocab.json";

    /// <summary>The token-to-id map of <paramref name="path"/>.</summary>
    public static IReadOnlyDictionary<string, int> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The vocabulary file '{path}' does not exist.", path);
        }
        using var stream = File.OpenRead(path);
        if (stream.Length == 0)
        {
            throw new InvalidDataException($"{path}: the vocabulary file is empty.");
        }
        Dictionary<string, int>? idOfToken;
        try
        {
            idOfToken = JsonSerializer.Deserialize<Dictionary<string, int>>(stream);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException(
                $"{path}: expected a JSON object mapping token strings to integer ids ({error.Message}).", error);
        }
        if (idOfToken is null || idOfToken.Count == 0)
        {
            throw new InvalidDataException($"{path}: the vocabulary has no tokens.");
        }
        return idOfToken;
    }
}
