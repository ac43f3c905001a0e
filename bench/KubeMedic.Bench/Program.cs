Console.WriteLine("kubemedic benchmarks: see bench/README.md");
