using System.Text;

namespace Siren.Core.Tests.Thresholding;

/// <summary>
/// Writes small ONNX models byte by byte (the protobuf fields of onnx.proto that a graph of one reduction
/// and one addition needs), so contract checks are tested where python3-onnx is absent, as on CI.
/// </summary>
public static class TinyOnnx
{
    private const int Float = 1; // TensorProto.FLOAT

    /// <summary>
    /// threshold = max over the map's voxels + <paramref name="offset"/>, shape [N,1]; a normalized map's
    /// maximum is 1, so the level is 1 + offset. <paramref name="inputDims"/>: null entries are the symbolic "N".
    /// </summary>
    public static void WriteMaxPlus(string path, float offset, params int?[] inputDims) =>
        Write(path, offset, inputDims, reduceAxes: [2, 3, 4], outputDims: [null, 1]);

    /// <summary>
    /// The same level as <see cref="WriteMaxPlus"/> for [N,1,64,64,64] maps, but returned as [N] (the channel
    /// axis reduced too), a shape outside the contract; <paramref name="declaredOutput"/> is the output shape
    /// the graph declares.
    /// </summary>
    public static void WriteMaxPlusFlat(string path, float offset, params int?[] declaredOutput) =>
        Write(path, offset, [null, 1, 64, 64, 64], reduceAxes: [1, 2, 3, 4], outputDims: declaredOutput);

    private static void Write(string path, float offset, int?[] inputDims, long[] reduceAxes, int?[] outputDims)
    {
        var reduce = Message(
            Str(1, "map"), Str(2, "max"), Str(4, "ReduceMax"),
            Field(5, Message(Str(1, "axes"), Ints(8, reduceAxes), Varint(20, 7))),      // AttributeProto INTS
            Field(5, Message(Str(1, "keepdims"), Varint(3, 0), Varint(20, 2))));        // AttributeProto INT
        var add = Message(Str(1, "max"), Str(1, "offset"), Str(2, "threshold"), Str(4, "Add"));
        var offsetTensor = Message(Varint(2, Float), Field(4, BitConverter.GetBytes(offset)), Str(8, "offset"));
        var graph = Message(
            Field(1, reduce), Field(1, add), Str(2, "tiny"), Field(5, offsetTensor),
            Field(11, ValueInfo("map", inputDims)), Field(12, ValueInfo("threshold", outputDims)));
        var model = Message(Varint(1, 8), Field(7, graph), Field(8, Message(Str(1, ""), Varint(2, 13))));
        File.WriteAllBytes(path, model);
    }

    private static byte[] ValueInfo(string name, int?[] dims)
    {
        var shape = Message(dims.Select(d => Field(1, d is { } v ? Varint(1, v) : Str(2, "N"))).ToArray());
        var tensorType = Message(Varint(1, Float), Field(2, shape));
        return Message(Str(1, name), Field(2, Message(Field(1, tensorType))));
    }

    private static byte[] Message(params byte[][] fields) => fields.SelectMany(f => f).ToArray();

    private static byte[] Field(int number, byte[] payload) => [.. Tag(number, 2), .. VarintBytes((ulong)payload.Length), .. payload];

    private static byte[] Str(int number, string text) => Field(number, Encoding.UTF8.GetBytes(text));

    private static byte[] Varint(int number, long value) => [.. Tag(number, 0), .. VarintBytes((ulong)value)];

    private static byte[] Ints(int number, long[] values) => values.SelectMany(v => Varint(number, v)).ToArray();

    private static byte[] Tag(int number, int wireType) => VarintBytes((ulong)((number << 3) | wireType));

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
