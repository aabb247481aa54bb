using System.Globalization;
using Siren.Cli.Commands;
using Siren.Core.Occupancy;

namespace Siren.Core.Tests.Occupancy;

public class MavenParityTests
{
    /// <summary>
    /// MAVEn's calc_occupancy output on 20 EMPIAR-10076 maps: Σ(mask × map) / Σ(reference), header rows
    /// PDB and Chain naming the mask Mask_&lt;pdb&gt;_chain&lt;chain&gt;.mrc, one row per map number.
    /// </summary>
    [SharedDataFact]
    public void ReproducesMavenOccupanciesWithReferenceNormalization()
    {
        string data = Path.Combine(TestPaths.SharedData!, "empiar10076_maven");
        string outCsv = Path.Combine(TestPaths.NewTempDir(), "occupancies.csv");
        OccupancyCommand.Run(new OccupancyCommand.OccupancyRequest(
            Path.Combine(data, "vols"), null, Path.Combine(data, "masks"), null, null, Path.Combine(data, "refs"), false, outCsv));
        OccupancyTable ours = OccupancyTable.Read(outCsv);

        string[] lines = File.ReadAllLines(Path.Combine(data, "occupancies_expected.csv"));
        string[] pdb = lines[0].Split(',');
        string[] chain = lines[1].Split(',');
        Assert.Equal("PDB", pdb[0]);
        Assert.Equal("Chain", chain[0]);
        // MAVEn sums float32 products in float32; where terms cancel (values near 0) its rounding error is
        // relative to Σ|mask × map|, not to the result, so the tolerance is 1e-5 of the larger of the two.
        OccupancyTable magnitudes = AbsoluteMagnitudes(data);
        var rowOf = ours.MapIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        int compared = 0;
        foreach (string line in lines.Skip(2).Where(l => l.Length > 0))
        {
            string[] f = line.Split(',');
            int row = rowOf[int.Parse(f[0], CultureInfo.InvariantCulture)];
            for (int c = 1; c < f.Length; c++)
            {
                int col = ours.ColumnIndex($"Mask_{pdb[c]}_chain{chain[c]}", outCsv);
                double expected = double.Parse(f[c], CultureInfo.InvariantCulture);
                double actual = ours.Values[row][col];
                double scale = Math.Max(Math.Abs(expected), magnitudes.Values[row][col]);
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * scale,
                    $"map {f[0]} Mask_{pdb[c]}_chain{chain[c]}: {actual} vs MAVEn {expected}");
                compared++;
            }
        }
        Assert.Equal(20 * 26, compared);
        Assert.Equal(20, ours.Rows);
    }

    /// <summary>Σ|mask × map| / |Σ reference| per map and mask: the scale of MAVEn's float32 rounding.</summary>
    private static OccupancyTable AbsoluteMagnitudes(string data)
    {
        var masks = OccupancyMask.ReadFolder(Path.Combine(data, "masks"));
        var options = new OccupancyOptions { Normalization = OccupancyNormalization.Reference, RefDir = Path.Combine(data, "refs") };
        double[] divisors = OccupancyCalculator.Divisors(masks, options).Select(Math.Abs).ToArray();
        var maps = Siren.Core.Ensemble.VolumeFolder.List(Path.Combine(data, "vols"));
        var values = maps.Select(f =>
        {
            float[] absolute = Siren.Core.Mrc.MrcReader.Read(f.Path).Data.Select(Math.Abs).ToArray();
            var row = new double[masks.Count];
            OccupancyCalculator.Measure(absolute, masks, null, divisors, row);
            return row;
        }).ToArray();
        return new OccupancyTable(maps.Select(f => f.MapId).ToArray(), masks.Select(m => m.Name).ToArray(), values);
    }
}
