namespace TinyClip.Model;

public enum CheckpointFormat
{
    SafeTensors,
    /// <summary>torch.save output (zip archive holding a pickle); opt-in, see <see cref="CheckpointLoader"/>.</summary>
    PyTorchPickle,
}
