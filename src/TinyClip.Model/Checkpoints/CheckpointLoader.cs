namespace TinyClip.Model;

/// <summary>
/// Opens a checkpoint file of either format, chosen by its first bytes: a zip archive ("PK\x03\x04", what
/// torch.save writes) or a raw pickle (0x80, legacy torch.save) is a PyTorch pickle, anything else is read
/// as safetensors (whose validation explains what is wrong if it is neither). A safetensors file whose header
/// length starts with the byte 0x80 is recognised first, by the '{' that opens its header.
/// Pickles are refused unless <c>allowPickle</c>: unpickling runs a general-purpose object loader over
/// untrusted bytes, while safetensors is plain data.
/// </summary>
public static class CheckpointLoader
{
    public static CheckpointFormat DetectFormat(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        Span<byte> magic = stackalloc byte[9];
        using var stream = File.OpenRead(path);
        int read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (read == magic.Length && magic[8] == (byte)'{'
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(magic) <= (ulong)stream.Length - 8)
            return CheckpointFormat.SafeTensors;
        bool zip = read >= 4 && magic[0] == 0x50 && magic[1] == 0x4b && magic[2] == 0x03 && magic[3] == 0x04;
        bool rawPickle = read >= 1 && magic[0] == 0x80;
        return zip || rawPickle ? CheckpointFormat.PyTorchPickle : CheckpointFormat.SafeTensors;
    }

    public static LoadedCheckpoint Load(string path, bool allowPickle = false) => DetectFormat(path) switch
    {
        CheckpointFormat.SafeTensors => SafeTensors.Read(path),
        _ when !allowPickle => throw new CheckpointFormatException(path, null,
            "is a PyTorch pickle (.bin/.pt); loading pickles is opt-in (allowPickle, CLI --allow-pickle) because unpickling untrusted files is unsafe; convert it to safetensors or allow it explicitly"),
        _ => PickleCheckpoint.Read(path),
    };
}
