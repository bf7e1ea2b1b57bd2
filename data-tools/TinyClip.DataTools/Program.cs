Console.Error.WriteLine("tinyclip-data: commands are added as the pipeline lands."); return 1;
