using System.CommandLine;
using TinyClip.Cli;

var root = new RootCommand("tinyclip: distil CLIP models into tiny ones (TinyCLIP) on an Akka.NET runtime")
{
    TrainCommand.Create(),
    StatusCommand.Create(),
    EvalCommand.Create(),
    EmbedCommand.Create(),
    TokenizeCommand.Create(),
    InfoCommand.Create(),
    ExportCommand.Create(),
    NodeCommand.Create(),
};
// Ctrl-C cancels the command's token and `train` then stops after writing a checkpoint, which can take a step or
// two: wait for it instead of System.CommandLine's default of abandoning the command after a short timeout.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(10) });
