using Siren.Core;
using Siren.Core.Kernels;

namespace Siren.Interop.Cuda;

/// <summary>
/// The one place where --device becomes a co-occupancy backend. "cpu" is the CPU backend; "cuda" is the
/// GPU or a one-line error saying why not; "auto" takes the GPU when the driver, a device and the
/// kernels all load, and otherwise the CPU, saying which it chose and why.
/// </summary>
public static class DeviceSelection
{
    public const string Auto = "auto";
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";

    public static ICooccurrenceBackend Create(string device, Action<string>? log = null)
    {
        switch (device.Trim().ToLowerInvariant())
        {
            case Cpu:
            {
                var cpu = new CpuCooccurrenceBackend();
                log?.Invoke($"device: {cpu.Name} (--device cpu).");
                return cpu;
            }
            case Cuda:
            {
                CudaCooccurrenceBackend cuda = CudaCooccurrenceBackend.TryCreate(out string reason, log)
                    ?? throw new SirenException($"--device cuda: CUDA is not usable here: {reason}. Fix: run on a machine with an NVIDIA GPU and driver, or pass --device auto or cpu.");
                log?.Invoke($"device: cuda: {reason}.");
                return cuda;
            }
            case Auto:
            {
                CudaCooccurrenceBackend? cuda = CudaCooccurrenceBackend.TryCreate(out string reason, log);
                if (cuda is not null)
                {
                    log?.Invoke($"device: auto chose cuda: {reason}.");
                    return cuda;
                }
                var cpu = new CpuCooccurrenceBackend();
                log?.Invoke($"device: auto chose {cpu.Name}: CUDA not usable ({reason}).");
                return cpu;
            }
            default:
                throw new SirenException($"--device {device} is not a device. Fix: use auto, cpu or cuda.");
        }
    }
}
