using System.Buffers.Binary;
using System.Text;
using Siren.Core.IO;

namespace Siren.Core.Curation;

/// <summary>
/// Reads and writes 1-D numpy integer arrays in Python's pickle format without Python: cryoDRGN's
/// k-means labels.pkl (particle → class) and ind.pkl (particle indices). The reader is a small pickle
/// machine that knows only the opcodes and globals numpy emits for an ndarray — protocol 2
/// (<c>_reconstruct</c>, bytes as <c>_codecs.encode(str, 'latin1')</c>), protocols 3–4 (BINBYTES,
/// STACK_GLOBAL, FRAME) and protocol 5's in-band <c>_frombuffer</c> — plus plain lists of ints. Any
/// other global is refused, so an untrusted file cannot make it do anything but fail.
/// </summary>
public static class NumpyPickle
{
    private sealed record Global(string Module, string Name);
    private sealed record DType(string Code)
    {
        public char Order { get; set; } = '=';
    }
    private sealed class NdArray
    {
        public DType? DType;
        public int[] Shape = [];
        public byte[]? Data;
        public List<object?>? ListData;
        public bool Fortran;
    }
    private sealed class Mark;
    private static readonly Mark MarkObject = new();
    private sealed class NoneValue;
    private static readonly NoneValue None = new();

    public static long[] ReadInt64(string path)
    {
        byte[] bytes = InputFile.ReadAllBytes(path, "a pickle", "pass the .pkl file itself (cryoDRGN's labels.pkl or ind.pkl)");
        try
        {
            return Read(bytes);
        }
        catch (FormatException e)
        {
            throw new SirenException($"'{path}' is truncated or not a numpy pickle of a 1-D integer array: {e.Message}. Fix: pass cryoDRGN's labels.pkl or ind.pkl as written.", e);
        }
    }

    /// <summary>Decodes a pickle of a 1-D integer array (or list of ints); throws <see cref="FormatException"/> otherwise.</summary>
    public static long[] Read(ReadOnlySpan<byte> pickle)
    {
        try
        {
            object? result = Execute(pickle);
            return result switch
            {
                NdArray a => ToInt64(a),
                // True and False are ints to Python, but no k-means class.
                List<object?> list => list.Select(v => v is bool ? throw new FormatException("the list holds a bool, not an integer") : AsLong(v)).ToArray(),
                _ => throw new FormatException($"the pickle holds a {Describe(result)}, not an integer array"),
            };
        }
        // Opcode arguments are read straight off the span, so a file cut short runs past its end.
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new FormatException("it ends in the middle of an opcode", e);
        }
        // The file decides what sits on the stack; a pickle of something other than an array hands the
        // opcodes objects of the wrong type, or None, where an array's parts belong.
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or OverflowException)
        {
            throw new FormatException("its objects are not laid out as a numpy array's", e);
        }
    }

    private static object? Execute(ReadOnlySpan<byte> p)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        int pos = 0;
        while (true)
        {
            if (pos >= p.Length) throw new FormatException("the pickle ends without STOP");
            byte op = p[pos++];
            switch (op)
            {
                case 0x80: pos++; break; // PROTO n
                case 0x95: pos += 8; break; // FRAME: only a read-ahead hint
                case (byte)'.': // STOP
                    if (stack.Count != 1) throw new FormatException("the pickle leaves more than one object");
                    return stack[0];
                case (byte)'(': stack.Add(MarkObject); break;
                case (byte)'N': stack.Add(None); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'K': stack.Add((long)p[pos]); pos += 1; break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(p[pos..])); pos += 2; break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(p[pos..])); pos += 4; break;
                case 0x8a: // LONG1: little-endian two's complement of n bytes
                {
                    int n = p[pos++];
                    if (n > 8) throw new FormatException("integer wider than 64 bits");
                    long v = 0;
                    for (int i = 0; i < n; i++) v |= (long)p[pos + i] << (8 * i);
                    if (n is > 0 and < 8 && (p[pos + n - 1] & 0x80) != 0) v -= 1L << (8 * n);
                    pos += n;
                    stack.Add(v);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(p[pos..])); pos += 8; break;
                case (byte)'U': { int n = p[pos++]; stack.Add(Latin1(p.Slice(pos, n))); pos += n; break; } // SHORT_BINSTRING (py2 str)
                case (byte)'T': { int n = Length(BinaryPrimitives.ReadInt32LittleEndian(p[pos..])); pos += 4; stack.Add(Latin1(p.Slice(pos, n))); pos += n; break; }
                case (byte)'C': { int n = p[pos++]; stack.Add(p.Slice(pos, n).ToArray()); pos += n; break; } // SHORT_BINBYTES
                case (byte)'B': { int n = Length(BinaryPrimitives.ReadUInt32LittleEndian(p[pos..])); pos += 4; stack.Add(p.Slice(pos, n).ToArray()); pos += n; break; }
                case 0x8e: case 0x96: // BINBYTES8, BYTEARRAY8
                { int n = Length(checked((long)BinaryPrimitives.ReadUInt64LittleEndian(p[pos..]))); pos += 8; stack.Add(p.Slice(pos, n).ToArray()); pos += n; break; }
                case 0x8c: { int n = p[pos++]; stack.Add(Encoding.UTF8.GetString(p.Slice(pos, n))); pos += n; break; } // SHORT_BINUNICODE
                case (byte)'X': { int n = Length(BinaryPrimitives.ReadUInt32LittleEndian(p[pos..])); pos += 4; stack.Add(Encoding.UTF8.GetString(p.Slice(pos, n))); pos += n; break; }
                case 0x8d: { int n = Length(checked((long)BinaryPrimitives.ReadUInt64LittleEndian(p[pos..]))); pos += 8; stack.Add(Encoding.UTF8.GetString(p.Slice(pos, n))); pos += n; break; }
                case (byte)'c': // GLOBAL "module\nname\n"
                {
                    string module = ReadLine(p, ref pos), name = ReadLine(p, ref pos);
                    stack.Add(Resolve(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    string name = (string)Pop(stack)!, module = (string)Pop(stack)!;
                    stack.Add(Resolve(module, name));
                    break;
                }
                case (byte)'q': memo[p[pos++]] = Top(stack); break; // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(p[pos..])] = Top(stack); pos += 4; break;
                case 0x94: memo[memo.Count] = Top(stack); break; // MEMOIZE
                case (byte)'h': stack.Add(Memo(memo, p[pos++])); break; // BINGET
                case (byte)'j': stack.Add(Memo(memo, BinaryPrimitives.ReadUInt32LittleEndian(p[pos..]))); pos += 4; break;
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case 0x85: stack.Add(new[] { Pop(stack) }); break;
                case 0x86: { var b = Pop(stack); var a = Pop(stack); stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(stack); var b = Pop(stack); var a = Pop(stack); stack.Add(new[] { a, b, c }); break; }
                case (byte)'t': stack.Add(PopMark(stack).ToArray()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)'l': stack.Add(PopMark(stack)); break;
                case (byte)'a': { var item = Pop(stack); ((List<object?>)Top(stack)!).Add(item); break; }
                case (byte)'e': { var items = PopMark(stack); ((List<object?>)Top(stack)!).AddRange(items); break; }
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;
                case (byte)'R': // REDUCE
                {
                    var args = (object?[])Pop(stack)!;
                    var callable = (Global)Pop(stack)!;
                    stack.Add(Call(callable, args));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop(stack);
                    Build(Top(stack), state);
                    break;
                }
                default:
                    throw new FormatException($"opcode 0x{op:x2} at byte {pos - 1} is not one numpy uses for an integer array");
            }
        }
    }

    private static Global Resolve(string module, string name)
    {
        bool allowed = (module, name) switch
        {
            ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct") => true,
            ("numpy.core.numeric" or "numpy._core.numeric", "_frombuffer") => true,
            ("numpy", "ndarray" or "dtype") => true,
            ("_codecs", "encode") => true,
            _ => false,
        };
        if (!allowed) throw new FormatException($"global {module}.{name} is not part of a numpy array pickle");
        return new Global(module, name);
    }

    private static object Call(Global f, object?[] args)
    {
        switch (f.Name)
        {
            case "_reconstruct": return new NdArray();
            case "dtype": return new DType((string)args[0]!);
            case "encode": // protocol 2 stores bytes as their latin-1 text
                return Encoding.Latin1.GetBytes((string)args[0]!);
            case "_frombuffer": // (buffer, dtype, shape, order)
                return new NdArray
                {
                    Data = (byte[])args[0]!, DType = (DType)args[1]!,
                    Shape = ((object?[])args[2]!).Select(s => checked((int)AsLong(s))).ToArray(),
                    Fortran = (string?)args[3] == "F",
                };
            default: throw new FormatException($"cannot call {f.Module}.{f.Name}");
        }
    }

    private static void Build(object? target, object? state)
    {
        var s = (object?[])state!;
        switch (target)
        {
            case DType d: // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
                d.Order = ((string)s[1]!)[0];
                break;
            case NdArray a: // (version, shape, dtype, is_fortran, data)
                a.Shape = ((object?[])s[1]!).Select(x => checked((int)AsLong(x))).ToArray();
                a.DType = (DType)s[2]!;
                a.Fortran = s[3] is true;
                if (s[4] is byte[] bytes) a.Data = bytes;
                else if (s[4] is List<object?> list) a.ListData = list;
                else throw new FormatException("array data is neither bytes nor a list");
                break;
            default: throw new FormatException($"cannot BUILD a {Describe(target)}");
        }
    }

    private static long[] ToInt64(NdArray a)
    {
        if (a.Shape.Length != 1) throw new FormatException($"the array has shape ({string.Join(", ", a.Shape)}), not one dimension");
        if (a.DType is null) throw new FormatException("the array has no dtype");
        int n = a.Shape[0];
        if (a.ListData is not null) return a.ListData.Select(AsLong).ToArray();
        string code = a.DType.Code;
        char kind = code[0];
        if (kind is not ('i' or 'u') || !int.TryParse(code.AsSpan(1), out int width) || width is not (1 or 2 or 4 or 8))
            throw new FormatException($"dtype '{code}' is not an integer type");
        // '|' (not applicable) and '=' (native) both mean little endian for the machines numpy writes these on.
        bool big = a.DType.Order == '>';
        byte[] data = a.Data!;
        if (data.Length != n * width) throw new FormatException($"{data.Length} data bytes for {n} values of {width} bytes");
        var result = new long[n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> v = data.AsSpan(i * width, width);
            result[i] = (kind, width, big) switch
            {
                ('i', 1, _) => (sbyte)v[0],
                ('u', 1, _) => v[0],
                ('i', 2, false) => BinaryPrimitives.ReadInt16LittleEndian(v),
                ('i', 2, true) => BinaryPrimitives.ReadInt16BigEndian(v),
                ('u', 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(v),
                ('u', 2, true) => BinaryPrimitives.ReadUInt16BigEndian(v),
                ('i', 4, false) => BinaryPrimitives.ReadInt32LittleEndian(v),
                ('i', 4, true) => BinaryPrimitives.ReadInt32BigEndian(v),
                ('u', 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(v),
                ('u', 4, true) => BinaryPrimitives.ReadUInt32BigEndian(v),
                ('i', 8, false) => BinaryPrimitives.ReadInt64LittleEndian(v),
                ('i', 8, true) => BinaryPrimitives.ReadInt64BigEndian(v),
                _ => Signed(big ? BinaryPrimitives.ReadUInt64BigEndian(v) : BinaryPrimitives.ReadUInt64LittleEndian(v), i),
            };
        }
        return result;
    }

    /// <summary>
    /// Pickles <paramref name="values"/> as numpy does for a 1-D int64 array in protocol 2, the form every
    /// numpy (1.x and 2.x, whose numpy.core alias remains for old pickles) and Python 3 can load.
    /// </summary>
    public static byte[] WriteInt64(ReadOnlySpan<long> values)
    {
        var o = new List<byte>(64 + values.Length * 8);
        void Op(char c) => o.Add((byte)c);
        void Global(string module, string name) { Op('c'); o.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n")); }
        void Int(long v)
        {
            if (v is >= 0 and < 256) { Op('K'); o.Add((byte)v); }
            else if (v is >= int.MinValue and <= int.MaxValue) { Op('J'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); o.AddRange(b.ToArray()); }
            else { o.Add(0x8a); o.Add(8); Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); o.AddRange(b.ToArray()); }
        }
        void Unicode(string s) { byte[] b = Encoding.UTF8.GetBytes(s); Op('X'); Span<byte> n = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)b.Length); o.AddRange(n.ToArray()); o.AddRange(b); }

        o.Add(0x80); o.Add(2);
        // _reconstruct(ndarray, (0,), b'b')
        Global("numpy.core.multiarray", "_reconstruct");
        Global("numpy", "ndarray");
        Int(0); o.Add(0x85);
        Global("_codecs", "encode"); Unicode("b"); Unicode("latin1"); o.Add(0x86); Op('R');
        o.Add(0x87); Op('R');
        // BUILD (1, (n,), dtype('i8') with state (3, '<', None, None, None, -1, -1, 0), False, data)
        Op('(');
        Int(1);
        Int(values.Length); o.Add(0x85);
        Global("numpy", "dtype"); Unicode("i8"); o.Add(0x89); o.Add(0x88); o.Add(0x87); Op('R');
        Op('('); Int(3); Unicode("<"); Op('N'); Op('N'); Op('N'); Int(-1); Int(-1); Int(0); Op('t'); Op('b');
        o.Add(0x89);
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * 8), values[i]);
        // Protocol 2 has no bytes opcode: Python 3 pickles bytes as _codecs.encode(latin-1 text, 'latin1').
        Global("_codecs", "encode"); Unicode(Encoding.Latin1.GetString(data)); Unicode("latin1"); o.Add(0x86); Op('R');
        Op('t'); Op('b');
        Op('.');
        return o.ToArray();
    }

    public static void WriteInt64(string path, ReadOnlySpan<long> values) => AtomicFile.WriteAllBytes(path, WriteInt64(values));

    private static object? Pop(List<object?> stack)
    {
        if (stack.Count == 0) throw new FormatException("stack underflow");
        object? v = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return v is NoneValue ? null : v;
    }

    private static object? Top(List<object?> stack) => stack.Count == 0 ? throw new FormatException("stack underflow") : stack[^1];

    private static List<object?> PopMark(List<object?> stack)
    {
        int m = stack.LastIndexOf(MarkObject);
        if (m < 0) throw new FormatException("no MARK on the stack");
        var items = stack.GetRange(m + 1, stack.Count - m - 1).Select(v => v is NoneValue ? null : v).ToList();
        stack.RemoveRange(m, stack.Count - m);
        return items;
    }

    private static object? Memo(Dictionary<long, object?> memo, long key) =>
        memo.TryGetValue(key, out object? v) ? v : throw new FormatException($"memo {key} was never stored");

    private static long AsLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new FormatException($"expected an integer, found a {Describe(v)}"),
    };

    private static int Length(long n) => n is >= 0 and <= int.MaxValue ? (int)n : throw new FormatException("an object too large to read");

    private static string Latin1(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    private static string ReadLine(ReadOnlySpan<byte> p, ref int pos)
    {
        int end = p[pos..].IndexOf((byte)'\n');
        if (end < 0) throw new FormatException("unterminated GLOBAL");
        string s = Encoding.ASCII.GetString(p.Slice(pos, end));
        pos += end + 1;
        return s;
    }

    private static long Signed(ulong value, int index) =>
        value <= long.MaxValue ? (long)value : throw new FormatException($"value {value} at position {index} is larger than any int64");

    /// <summary>What the pickle held, in Python's words (the user wrote Python, not .NET).</summary>
    private static string Describe(object? v) => v switch
    {
        null or NoneValue => "None",
        object?[] => "tuple",
        List<object?> => "list",
        string => "str",
        byte[] => "bytes",
        double => "float",
        long => "int",
        bool => "bool",
        NdArray => "numpy array",
        System.Collections.IDictionary => "dict",
        _ => "Python object",
    };
}
