using System.CommandLine;
using TinyClip.DataTools;

var root = new RootCommand("tinyclip-data: build and check Parquet image-text datasets for TinyClip.Actors")
{
    SynthCommand.Create(),
    PackCommand.Create(),
    InspectCommand.Create(),
    VocabCommand.Create(),
};
return root.Parse(args).Invoke();
