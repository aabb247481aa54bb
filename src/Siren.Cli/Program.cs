using System.CommandLine;
using Siren.Cli;
using Siren.Cli.Commands;

// Every verb lives in Commands/<Verb>Command.cs with its help text and an example.
var root = new RootCommand("Siren.Native: structural blocks (SIREn) from cryo-EM volume ensembles.")
{
    SketchCommand.Create(),
    ExpandCommand.Create(),
    SelfTestCommand.Create(),
    BenchCommand.Create(),
    OccupancyCommand.Create(),
    ClassifyCommand.Create(),
    SelectCommand.Create(),
    ChimeraxCommand.Create(),
    BenchOccupancyCommand.Create(),
    RunCommand.Create(),
    SimulateCommand.Create(),
    ScoreCommand.Create(),
    DemoCommand.Create(),
    PreprocessCommand.Create(),
    PredictThresholdsCommand.Create(),
    FineTuneCommand.Create(),
    MakeTrainingSetCommand.Create(),
};
return CliHost.Run(root, args, interruptible: true);
