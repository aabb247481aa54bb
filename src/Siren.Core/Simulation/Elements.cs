namespace Siren.Core.Simulation;

/// <summary>
/// Atomic numbers and standard atomic masses (Da) of the elements found in biological models. Molmap
/// weights each atom by its atomic number (Chimera's molmap does the same); masses give the molecular
/// volume that fixes a map's true threshold.
/// </summary>
public static class Elements
{
    private static readonly Dictionary<string, (int Z, double Mass)> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["H"] = (1, 1.008), ["D"] = (1, 2.014), ["He"] = (2, 4.003), ["Li"] = (3, 6.94), ["Be"] = (4, 9.012), ["B"] = (5, 10.81),
        ["C"] = (6, 12.011), ["N"] = (7, 14.007), ["O"] = (8, 15.999), ["F"] = (9, 18.998), ["Ne"] = (10, 20.180),
        ["Na"] = (11, 22.990), ["Mg"] = (12, 24.305), ["Al"] = (13, 26.982), ["Si"] = (14, 28.085), ["P"] = (15, 30.974),
        ["S"] = (16, 32.06), ["Cl"] = (17, 35.45), ["Ar"] = (18, 39.948), ["K"] = (19, 39.098), ["Ca"] = (20, 40.078),
        ["Sc"] = (21, 44.956), ["Ti"] = (22, 47.867), ["V"] = (23, 50.942), ["Cr"] = (24, 51.996), ["Mn"] = (25, 54.938),
        ["Fe"] = (26, 55.845), ["Co"] = (27, 58.933), ["Ni"] = (28, 58.693), ["Cu"] = (29, 63.546), ["Zn"] = (30, 65.38),
        ["Ga"] = (31, 69.723), ["Ge"] = (32, 72.630), ["As"] = (33, 74.922), ["Se"] = (34, 78.971), ["Br"] = (35, 79.904),
        ["Kr"] = (36, 83.798), ["Rb"] = (37, 85.468), ["Sr"] = (38, 87.62), ["Mo"] = (42, 95.95), ["Cd"] = (48, 112.41),
        ["I"] = (53, 126.90), ["Cs"] = (55, 132.91), ["Ba"] = (56, 137.33), ["W"] = (74, 183.84), ["Pt"] = (78, 195.08),
        ["Au"] = (79, 196.97), ["Hg"] = (80, 200.59), ["Pb"] = (82, 207.2), ["U"] = (92, 238.03),
    };

    /// <summary>Atomic number and mass of <paramref name="symbol"/> (case-insensitive), or false when unknown.</summary>
    public static bool TryGet(string symbol, out int atomicNumber, out double mass)
    {
        if (Table.TryGetValue(symbol.Trim(), out var entry))
        {
            atomicNumber = entry.Z; mass = entry.Mass;
            return true;
        }
        atomicNumber = 0; mass = 0;
        return false;
    }

    /// <summary>The canonical spelling ("MG" → "Mg").</summary>
    public static string Normalize(string symbol)
    {
        string s = symbol.Trim();
        return s.Length switch
        {
            0 => s,
            1 => s.ToUpperInvariant(),
            _ => char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(),
        };
    }
}
