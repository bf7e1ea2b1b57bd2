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
};
return await root.Parse(args).InvokeAsync();
