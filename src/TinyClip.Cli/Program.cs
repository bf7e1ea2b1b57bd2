Console.Error.WriteLine("tinyclip: commands are added as the runtime lands."); return 1;
