using System.Numerics;
using Siren.Core.Mrc;

namespace Siren.Core.Thresholding;

/// <summary>
/// Downsampling by cropping the centred Fourier transform, as the original's <c>utils.downsample</c>:
/// <c>fftshift(fftn(fftshift(vol)))</c>, keep the central <c>box</c>³ block, undo the shifts, inverse
/// transform, take the real part and scale by (box/B)³ (the scale keeps densities, not sums, comparable).
/// </summary>
/// <remarks>
/// Only the <c>box</c> kept frequencies are ever stored: the forward transform runs axis by axis and
/// each axis keeps its central <c>box</c> coefficients before the next axis is transformed, so a 320³
/// map needs 320²·64 complex values instead of 320³. The transforms are <see cref="MixedRadixFft"/> (any box
/// made of factors 2, 3, 5 and 7; MathNet's Bluestein route otherwise), with numpy's sign and scaling.
/// </remarks>
public static class FourierCrop
{
    public static MrcVolume Downsample(MrcVolume volume, int box = 64)
    {
        if (!volume.IsCubic)
            throw new SirenException($"map is {volume.Nx}×{volume.Ny}×{volume.Nz}; Fourier cropping needs a cubic box. Fix: pad or resample the map to a cube first.");
        int n = volume.Nx;
        if (n < box)
            throw new SirenException($"map box {n} is smaller than {box}; the original only downsamples. Fix: resample the map to box ≥ {box}.");
        float[] data = Downsample(volume.Data, n, box);
        float scale = (float)n / box;
        Vec3 voxel = volume.VoxelSize * scale;
        // Cropped voxel j samples the map at j·n/box + (n/2 − ⌊n/2⌋): the shifts pivot on voxel ⌊n/2⌋ of the map and
        // 32 of the crop, so an odd box's crop starts half a voxel in, and its origin moves with it to stay in place.
        float offset = n % 2 == 1 ? 0.5f : 0f;
        return new MrcVolume(box, box, box, data, voxel, volume.Origin + volume.VoxelSize * offset);
    }

    /// <summary>Crops an n³ map (x fastest) to box³; see the type's remarks.</summary>
    public static float[] Downsample(float[] data, int n, int box)
    {
        int half = n / 2, keepHalf = box / 2;

        // Real-space fftshift: position i of the shifted map holds input (i - n/2) mod n. Frequency k is
        // kept when it falls in [-box/2, box/2) (numpy's centred crop); kept slot j holds k = j - box/2.
        int[] source = Enumerable.Range(0, n).Select(i => ((i - half) % n + n) % n).ToArray();
        int[] kept = Enumerable.Range(0, box).Select(j => ((j - keepHalf) % n + n) % n).ToArray();

        // Axis x: n² real lines of length n → n²·box. Two real lines a, b go through one complex transform
        // of a + i·b (half the work of the dominant axis): with Z its transform, A[k] = (Z[k] + conj Z[−k])/2
        // and B[k] = (Z[k] − conj Z[−k])/(2i).
        var stageX = new Complex[(long)n * n * box];
        int lines = n * n;
        Parallel.For(0, (lines + 1) / 2, () => new Complex[2 * n], (pair, _, buffer) =>
        {
            int first = 2 * pair, second = Math.Min(first + 1, lines - 1);
            long rowA = ((long)source[first / n] * n + source[first % n]) * n;
            long rowB = ((long)source[second / n] * n + source[second % n]) * n;
            for (int x = 0; x < n; x++) buffer[x] = new Complex(data[rowA + source[x]], data[rowB + source[x]]);
            MixedRadixFft.Forward(buffer.AsSpan(0, n), buffer.AsSpan(n));
            long outA = (long)first * box, outB = (long)second * box;
            for (int j = 0; j < box; j++)
            {
                Complex zk = buffer[kept[j]], zMinusK = Complex.Conjugate(buffer[(n - kept[j]) % n]);
                Complex sum = zk + zMinusK, difference = zk - zMinusK;
                stageX[outA + j] = new Complex(sum.Real / 2, sum.Imaginary / 2);
                stageX[outB + j] = new Complex(difference.Imaginary / 2, -difference.Real / 2);
            }
            return buffer;
        }, _ => { });

        // Axis y: for each (z, kx), a line over y → n·box·box, layout [z][ky][kx].
        var stageY = new Complex[(long)n * box * box];
        Parallel.For(0, n * box, () => new Complex[2 * n], (line, _, buffer) =>
        {
            int z = line / box, kx = line % box;
            for (int y = 0; y < n; y++) buffer[y] = stageX[((long)z * n + y) * box + kx];
            MixedRadixFft.Forward(buffer.AsSpan(0, n), buffer.AsSpan(n));
            for (int j = 0; j < box; j++) stageY[((long)z * box + j) * box + kx] = buffer[kept[j]];
            return buffer;
        }, _ => { });

        // Axis z → box³ spectrum in centred order [kz][ky][kx].
        var spectrum = new Complex[box * box * box];
        Parallel.For(0, box * box, () => new Complex[2 * n], (line, _, buffer) =>
        {
            for (int z = 0; z < n; z++) buffer[z] = stageY[(long)z * box * box + line];
            MixedRadixFft.Forward(buffer.AsSpan(0, n), buffer.AsSpan(n));
            for (int j = 0; j < box; j++) spectrum[j * box * box + line] = buffer[kept[j]];
            return buffer;
        }, _ => { });

        // ifftshift puts the centred crop back in standard order (slot i ← centred slot (i + box/2) mod box),
        // the inverse transform runs on each axis, and the final ifftshift reads real position
        // (i + box/2) mod box.
        int Centred(int i) => (i + keepHalf) % box;
        var work = new Complex[box * box * box];
        for (int z = 0; z < box; z++)
            for (int y = 0; y < box; y++)
                for (int x = 0; x < box; x++)
                    work[(z * box + y) * box + x] = spectrum[(Centred(z) * box + Centred(y)) * box + Centred(x)];
        InverseAlong(work, box, stride: 1);
        InverseAlong(work, box, stride: box);
        InverseAlong(work, box, stride: box * box);

        double scale = Math.Pow((double)box / n, 3);
        var result = new float[box * box * box];
        for (int z = 0; z < box; z++)
            for (int y = 0; y < box; y++)
                for (int x = 0; x < box; x++)
                    result[(z * box + y) * box + x] = (float)(work[(Centred(z) * box + Centred(y)) * box + Centred(x)].Real * scale);
        return result;
    }

    private static void InverseAlong(Complex[] cube, int box, int stride)
    {
        // Lines along one axis: the start of each line is every index whose coordinate on that axis is 0.
        int outer = stride * box;
        Parallel.For(0, box * box, () => new Complex[2 * box], (line, _, buffer) =>
        {
            int start = stride == 1 ? line * box : (line / stride) * outer + line % stride;
            for (int i = 0; i < box; i++) buffer[i] = cube[start + i * stride];
            MixedRadixFft.Inverse(buffer.AsSpan(0, box), buffer.AsSpan(box));
            for (int i = 0; i < box; i++) cube[start + i * stride] = buffer[i];
            return buffer;
        }, _ => { });
    }
}
