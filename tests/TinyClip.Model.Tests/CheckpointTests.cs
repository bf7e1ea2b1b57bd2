using System.Buffers.Binary;
using System.Collections;
using System.Text;
using TinyClip.Model;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly List<string> _files = [];

    string Temp(string extension)
    {
        var path = TestModels.TempFile(extension);
        _files.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var f in _files) File.Delete(f);
    }

    static void AssertSameOutputs(ClipModel expected, ClipModel actual, ClipConfig config)
    {
        using var scope = NewDisposeScope();
        var images = TestModels.Images(config, 2, 21);
        var tokens = TestModels.Tokens(config, [3, config.Text.ContextLength - 1], 22);
        Assert.True(TestModels.BitwiseEqual(expected.EncodeImage(images), actual.EncodeImage(images)), "image embeddings differ");
        Assert.True(TestModels.BitwiseEqual(expected.EncodeText(tokens), actual.EncodeText(tokens)), "text embeddings differ");
    }

    [Fact]
    public void Save_then_load_gives_bitwise_identical_outputs()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 7);
        using (no_grad()) model.LogitScale.fill_(3.25f);
        var path = Temp(".safetensors");
        ClipCheckpoint.Save(model, path);
        using var loaded = ClipCheckpoint.LoadModel(path);
        Assert.Equal(TestModels.Tiny, loaded.Config);
        Assert.Equal(3.25f, loaded.LogitScale.item<float>());
        AssertSameOutputs(model, loaded, TestModels.Tiny);
    }

    [Fact]
    public void Heterogeneous_tower_is_rebuilt_from_shapes()
    {
        var config = TestModels.Heterogeneous;
        using var model = ClipModel.Create(config, seed: 8);
        var path = Temp(".safetensors");
        ClipCheckpoint.Save(model, path);

        // Shapes plus a head-width hint (the file's metadata carries it too; pass it explicitly here).
        using var checkpoint = CheckpointLoader.Load(path);
        using var loaded = ClipModel.FromStateDict(checkpoint.Tensors, new ArchitectureHints(VisionHeadWidth: 16, TextHeadWidth: 16));
        Assert.Equal(config, loaded.Config);
        Assert.Equal([2, 0, 1], loaded.Config.Vision.Tower.Blocks.Select(b => b.Heads));
        Assert.Equal([64, 16, 32], loaded.Config.Vision.Tower.Blocks.Select(b => b.MlpWidth));
        AssertSameOutputs(model, loaded, config);

        // Without the hint, OpenCLIP's head width 64 cannot explain 96 in_proj rows: a clear error, not a crash.
        var e = Assert.Throws<CheckpointFormatException>(() => ClipModel.FromStateDict(checkpoint.Tensors));
        Assert.Contains("visual.transformer.resblocks.0.attn.in_proj_weight", e.Message);
        Assert.Contains("head width", e.Message);
    }

    [Fact]
    public void Checkpoint_info_reports_architecture_and_counts_from_the_header()
    {
        using var model = ClipModel.Create(TestModels.Heterogeneous, seed: 8);
        var path = Temp(".safetensors");
        ClipCheckpoint.Save(model, path);
        var info = CheckpointInfo.Inspect(path);
        Assert.Equal(CheckpointFormat.SafeTensors, info.Format);
        Assert.Equal(TestModels.Heterogeneous, info.Config);
        var (image, text) = model.ParameterCounts();
        Assert.Equal(image, info.Counts.Image);
        Assert.Equal(text, info.Counts.Text);
        Assert.Contains("2h/64, 0h/16, 1h/32", info.Describe());
    }

    static void WriteRawSafeTensors(string path, string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        stream.Write(json);
        stream.Write(data);
    }

    [Fact]
    public void Fp16_and_bf16_tensors_are_up_cast_to_fp32()
    {
        float[] values = [1.5f, -2.25f, 0.333251953125f, 65504f];
        var data = new List<byte>();
        foreach (var v in values)
            data.AddRange(BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)v)));
        float[] bf16Values = [1.5f, -3f, 0.15625f];
        foreach (var v in bf16Values)
            data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)));
        var path = Temp(".safetensors");
        WriteRawSafeTensors(path, """
            {"__metadata__": {"format": "pt"},
             "half": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
             "brain": {"dtype": "BF16", "shape": [3], "data_offsets": [8, 14]}}
            """, data.ToArray());

        using var checkpoint = SafeTensors.Read(path);
        var half = checkpoint.Tensors["half"];
        Assert.Equal(ScalarType.Float32, half.dtype);
        Assert.Equal([2L, 2], half.shape);
        Assert.Equal(values, half.data<float>().ToArray());
        Assert.Equal(bf16Values, checkpoint.Tensors["brain"].data<float>().ToArray());
        Assert.Equal("pt", checkpoint.Metadata["format"]);
    }

    [Fact]
    public void A_verified_read_checks_the_hash_in_the_pass_that_loads_and_keeps_the_headers_order()
    {
        // Listed out of offset order: read in file order ("a" first), returned in the header's ("b" first).
        var data = new[] { 1f, 2f, 3f, 4f }.SelectMany(BitConverter.GetBytes).ToArray();
        var path = Temp(".safetensors");
        WriteRawSafeTensors(path, """
            {"b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
             "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
            """, data);
        var sha = AtomicFile.Sha256(path);

        using (var verified = SafeTensors.Read(path, sha))
        {
            Assert.Equal(["b", "a"], verified.Tensors.Keys);
            Assert.Equal([1f, 2f], verified.Tensors["a"].data<float>().ToArray());
            Assert.Equal([3f, 4f], verified.Tensors["b"].data<float>().ToArray());
        }
        var wrong = new string('0', 64);
        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path, wrong));
        Assert.Contains($"SHA-256 {sha} does not match the expected {wrong}", error.Message);
    }

    [Fact]
    public void Truncated_file_names_the_file_and_the_problem()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 7);
        var path = Temp(".safetensors");
        ClipCheckpoint.Save(model, path);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 10);

        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Equal(path, e.CheckpointPath);
        Assert.NotNull(e.Key); // the last tensor's offsets now run past the data section

        // Cut inside the header: the declared header length runs past the end of the file.
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(40);
        e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));
        Assert.Contains("runs past the end", e.Message);
    }

    [Theory]
    [InlineData("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12, "overlap")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8, "needs 12 bytes")]
    [InlineData("""{"a": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}""", 8, "'Q4' is not supported")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 12, "cover only 8")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12, "gap")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [2]""", 8, "not valid JSON")]
    public void Malformed_headers_are_rejected_with_the_reason(string header, int dataBytes, string problem)
    {
        var path = Temp(".safetensors");
        WriteRawSafeTensors(path, header, new byte[dataBytes]);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));
        Assert.Contains(problem, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Shape_mismatch_names_the_key_and_both_shapes_and_leaves_the_model_untouched()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 1);
        using var other = ClipModel.Create(TestModels.Tiny, seed: 2);
        var state = other.StateDictForSave();
        state["visual.proj"] = zeros(16, 32);
        var before = model.StateDictForSave();

        var e = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(state));
        Assert.Contains("visual.proj", e.Message);
        Assert.Contains("[16, 32]", e.Message);
        Assert.Contains("[32, 32]", e.Message);
        var after = model.StateDictForSave();
        Assert.All(before.Keys, k => Assert.True(TestModels.BitwiseEqual(before[k], after[k]), k));
    }

    [Fact]
    public void Missing_and_unexpected_keys_fail_strict_loads_and_are_reported_otherwise()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 1);
        var state = model.StateDictForSave();
        state.Remove("ln_final.bias");
        state["visual.extra"] = zeros(3);

        var e = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(state, strict: true));
        Assert.Contains("ln_final.bias", e.Message);
        Assert.Contains("visual.extra", e.Message);
        var report = model.LoadStateDict(state, strict: false);
        Assert.Equal(["ln_final.bias"], report.Missing);
        Assert.Equal(["visual.extra"], report.Unexpected);
    }

    [Fact]
    public void Pickles_are_refused_unless_allowed_and_OpenClip_wrapping_is_undone()
    {
        using var model = ClipModel.Create(TestModels.Tiny, seed: 13);
        var state = model.StateDictForSave();
        // OpenCLIP's training checkpoint: {"epoch", "name", "state_dict": {"module.<key>": tensor}} saved by DDP.
        var wrapped = new Hashtable();
        foreach (var (key, value) in state) wrapped["module." + key] = key == "visual.proj" ? value.to(float16) : value;
        var path = Temp(".pt");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["epoch"] = 3, ["name"] = "tiny", ["state_dict"] = wrapped });

        Assert.Equal(CheckpointFormat.PyTorchPickle, CheckpointLoader.DetectFormat(path));
        var refused = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(path));
        Assert.Contains("allowPickle", refused.Message);

        using var loaded = ClipCheckpoint.LoadModel(path, allowPickle: true, hints: ArchitectureHints.From(TestModels.Tiny));
        var reloaded = loaded.StateDictForSave();
        Assert.Equal(state.Keys.Order(), reloaded.Keys.Order());
        Assert.True(TestModels.BitwiseEqual(state["ln_final.weight"], reloaded["ln_final.weight"]));
        Assert.True(TestModels.BitwiseEqual(state["visual.proj"].to(float16).to(float32), reloaded["visual.proj"]));
    }

    [Fact]
    public void Safetensors_whose_header_length_starts_with_0x80_is_not_taken_for_a_pickle()
    {
        // A header of exactly 128 bytes: its little-endian length begins with 0x80, the byte a raw pickle begins with.
        var header = Encoding.ASCII.GetBytes("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""".PadRight(128));
        var path = Temp(".safetensors");
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        File.WriteAllBytes(path, [.. length, .. header, .. BitConverter.GetBytes(1.5f)]);
        Assert.Equal(0x80, File.ReadAllBytes(path)[0]);
        Assert.Equal(CheckpointFormat.SafeTensors, CheckpointLoader.DetectFormat(path));
        using var loaded = CheckpointLoader.Load(path);
        Assert.Equal(1.5f, loaded.Tensors["w"].item<float>());
    }
}
