using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace TinyClip.Actors.Persistence;

/// <summary>
/// Our serializer for events, snapshots and remote messages: System.Text.Json with the type's short name as the
/// manifest. Unlike Akka's Newtonsoft default it embeds no CLR assembly names, so journals survive refactors and
/// no type named by the payload is ever instantiated (only the types registered here).
/// </summary>
public sealed class TinyClipSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly IReadOnlyDictionary<string, Type> TypesByManifest = typeof(TinyClipSerializer).Assembly.GetTypes()
        .Where(t => typeof(ITinyClipMessage).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
        .ToDictionary(t => t.Name);

    public static readonly JsonSerializerOptions Json = CreateOptions();

    public override int Identifier => 4711;

    public override string Manifest(object o) => o.GetType().Name;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypesByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"Unknown TinyClip message manifest '{manifest}'.");
        return JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"Empty payload for '{manifest}'.");
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
        options.Converters.Add(new StageEventListConverter());
        return options;
    }

    /// <summary>Snapshots hold a heterogeneous event list: each element is written as {"type": manifest, "event": payload}.</summary>
    private sealed class StageEventListConverter : JsonConverter<IReadOnlyList<IStageEvent>>
    {
        public override IReadOnlyList<IStageEvent> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var events = new List<IStageEvent>();
            using var document = JsonDocument.ParseValue(ref reader);
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var manifest = element.GetProperty("type").GetString()!;
                if (!TypesByManifest.TryGetValue(manifest, out var type) || !typeof(IStageEvent).IsAssignableFrom(type))
                    throw new JsonException($"Unknown stage event '{manifest}' in snapshot.");
                events.Add((IStageEvent)element.GetProperty("event").Deserialize(type, options)!);
            }
            return events;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<IStageEvent> value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var e in value)
            {
                writer.WriteStartObject();
                writer.WriteString("type", e.GetType().Name);
                writer.WritePropertyName("event");
                JsonSerializer.Serialize(writer, e, e.GetType(), options);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
    }
}
