namespace Siren.Core.Classification;

/// <summary>Adjusted Rand index (Hubert and Arabie 1985): agreement of two partitions, 1 when identical, ~0 by chance.</summary>
public static class AdjustedRand
{
    public static double Index(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) throw new ArgumentException("partitions of different lengths");
        var table = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var cols = new Dictionary<int, long>();
        for (int i = 0; i < a.Count; i++)
        {
            table[(a[i], b[i])] = table.GetValueOrDefault((a[i], b[i])) + 1;
            rows[a[i]] = rows.GetValueOrDefault(a[i]) + 1;
            cols[b[i]] = cols.GetValueOrDefault(b[i]) + 1;
        }
        static double Pairs(long n) => n * (n - 1) / 2.0;
        double index = table.Values.Sum(Pairs);
        double sumRows = rows.Values.Sum(Pairs), sumCols = cols.Values.Sum(Pairs);
        double expected = sumRows * sumCols / Pairs(a.Count);
        double max = (sumRows + sumCols) / 2;
        return max == expected ? 1.0 : (index - expected) / (max - expected);
    }
}
