namespace Siren.Core.Mrc;

/// <summary>MRC2014 data modes that cryo-EM maps use (MRC2014 specification, word 4).</summary>
public enum MrcMode
{
    Int8 = 0,
    Int16 = 1,
    Float32 = 2,
    UInt16 = 6,
    Float16 = 12,
}

internal static class MrcModeInfo
{
    public static int BytesPerVoxel(MrcMode mode) => mode switch
    {
        MrcMode.Int8 => 1,
        MrcMode.Int16 => 2,
        MrcMode.Float32 => 4,
        MrcMode.UInt16 => 2,
        MrcMode.Float16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static bool IsKnown(int mode) => mode is 0 or 1 or 2 or 6 or 12;
}
