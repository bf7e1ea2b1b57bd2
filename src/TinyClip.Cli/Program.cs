using System.CommandLine;
using TinyClip.Cli;

var root = new RootCommand("tinyclip: distil CLIP models into tiny ones (TinyCLIP) on an Akka.NET runtime")
{
    TrainCommand.Create(),
    StatusCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
