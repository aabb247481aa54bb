using Siren.Core;
using Siren.Core.Kernels;

namespace Siren.Cli;

/// <summary>The one place where --device becomes a co-occupancy backend.</summary>
public static class Backends
{
    public static ICooccurrenceBackend Create(string device, Action<string>? log)
    {
        switch (device.ToLowerInvariant())
        {
            case "cpu":
                return new CpuCooccurrenceBackend();
            case "auto":
                var cpu = new CpuCooccurrenceBackend();
                log?.Invoke($"device: auto chose {cpu.Name} (this build has no CUDA backend).");
                return cpu;
            case "cuda":
                throw new SirenException("--device cuda: this build has no CUDA backend. Fix: use --device cpu or auto.");
            default:
                throw new SirenException($"--device {device} is not a device. Fix: use auto, cpu or cuda.");
        }
    }
}
