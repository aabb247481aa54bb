using System.Globalization;

namespace Siren.Core.IO;

/// <summary>
/// Checks that generated maps fit before any is made: the simulators and benchmarks size their work from
/// user numbers (box, maps, levels), and running out of memory or disk midway is a crash or a full disk
/// shared with others, not an answer.
/// </summary>
public static class ResourceBudget
{
    /// <summary>Bytes of one float32 MRC map of <paramref name="box"/>³ voxels, header included.</summary>
    public static long MapFileBytes(int box) => Mrc.MrcHeader.Size + (long)box * box * box * sizeof(float);

    /// <summary>Refuses <paramref name="bytes"/> of buffers that this process could not hold (physical memory or the container's limit).</summary>
    /// <param name="what">What needs the memory, as the error line's subject: "simulate: 7 maps of 512³ in memory".</param>
    /// <param name="fix">What to lower, after "Fix:".</param>
    public static void RequireMemory(double bytes, string what, string fix)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
            throw new SirenException($"{what} need {Gigabytes(bytes)}, more than this machine's {Gigabytes(available)} of memory. Fix: {fix}.");
    }

    /// <summary>Refuses writing <paramref name="bytes"/> into <paramref name="folder"/> (which must exist) when its disk has less free.</summary>
    public static void RequireDisk(string folder, double bytes, string what, string fix)
    {
        long free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
        if (bytes > free)
            throw new SirenException($"{what} need {Gigabytes(bytes)} in '{folder}', whose disk has {Gigabytes(free)} free. Fix: {fix}.");
    }

    private static string Gigabytes(double bytes) => (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB";
}
