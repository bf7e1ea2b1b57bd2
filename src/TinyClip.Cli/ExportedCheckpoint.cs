using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>What <c>export --checkpoint</c> wrote: the source checkpoint, the output file and the (compact) architecture.</summary>
public sealed record ExportedCheckpoint(string Source, string File, string Sha256, ClipConfig Config, ParameterCounts Counts);
