using System.Globalization;

namespace Siren.Core.Curation;

/// <summary>
/// A rule that keeps maps by their occupancies, e.g. <c>block_5&gt;0.7 and (block_10&lt;0.2 or not block_3&gt;=0.5)</c>:
/// comparisons (&gt; &gt;= &lt; &lt;= == !=) between column names and numbers, combined with and, or, not and
/// parentheses (not binds tightest, then and, then or, as in Python). A name with other characters than
/// letters, digits, '_' and '.' (a mask's stem such as Mask_5S-h1) goes in backticks, as in pandas'
/// DataFrame.query: <c>`Mask_5S-h1` &gt; 0.5</c>.
/// </summary>
public sealed class SelectionRule
{
    private readonly Node _root;

    private SelectionRule(string text, Node root, string[] columns)
    {
        Text = text; _root = root; Columns = columns;
    }

    public string Text { get; }

    /// <summary>
    /// Deepest nesting of parentheses and 'not' a rule may have: the parser recurses once per level, so a rule
    /// of thousands of '(' would overflow the stack, and no rule a person writes nests anywhere near this deep.
    /// </summary>
    public const int MaxDepth = 100;

    /// <summary>The column names the rule reads.</summary>
    public string[] Columns { get; }

    /// <summary>
    /// Parses <paramref name="text"/>; with the table's <paramref name="columns"/>, an error on a rule that writes
    /// one of them bare where it needs backticks says so.
    /// </summary>
    public static SelectionRule Parse(string text, IReadOnlyCollection<string>? columns = null)
    {
        var parser = new Parser(text, columns ?? []);
        Node root = parser.ParseOr();
        parser.ExpectEnd();
        return new SelectionRule(text, root, parser.Names.Distinct().ToArray());
    }

    /// <summary>Evaluates the rule with <paramref name="value"/> giving each column's number for one map.</summary>
    public bool Matches(Func<string, double> value) => _root.Evaluate(value);

    /// <summary><paramref name="column"/> as a rule writes it: bare when it reads as one name, else in backticks.</summary>
    public static string Quote(string column) => IsBareName(column) ? column : $"`{column}`";

    private static bool IsBareName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.')
        && name is not "and" and not "or" and not "not";

    /// <summary>The rule quoted for an error line, cut short so a rule of thousands of characters stays one readable line.</summary>
    internal static string Excerpt(string rule) => rule.Length <= 80 ? $"'{rule}'" : $"'{rule[..77]}…' ({rule.Length} characters)";

    private abstract record Node
    {
        public abstract bool Evaluate(Func<string, double> value);
    }

    // And and Or hold every term of a chain side by side: nested pairwise, a rule of thousands of terms
    // would evaluate thousands of calls deep.
    private sealed record Or(Node[] Terms) : Node
    {
        public override bool Evaluate(Func<string, double> v) => Terms.Any(t => t.Evaluate(v));
    }

    private sealed record And(Node[] Terms) : Node
    {
        public override bool Evaluate(Func<string, double> v) => Terms.All(t => t.Evaluate(v));
    }

    private sealed record Not(Node A) : Node
    {
        public override bool Evaluate(Func<string, double> v) => !A.Evaluate(v);
    }

    private sealed record Compare(Operand Left, string Op, Operand Right) : Node
    {
        public override bool Evaluate(Func<string, double> v)
        {
            double a = Left.Value(v), b = Right.Value(v);
            return Op switch
            {
                ">" => a > b,
                ">=" => a >= b,
                "<" => a < b,
                "<=" => a <= b,
                "==" => a == b,
                _ => a != b,
            };
        }
    }

    private sealed record Operand(string? Name, double Number)
    {
        public double Value(Func<string, double> v) => Name is null ? Number : v(Name);
    }

    private sealed class Parser(string text, IReadOnlyCollection<string> columns)
    {
        private static readonly string[] Operators = [">=", "<=", "==", "!=", ">", "<"];
        private int _pos;
        private int _depth;

        public List<string> Names { get; } = [];

        public Node ParseOr()
        {
            var terms = new List<Node> { ParseAnd() };
            while (TryKeyword("or")) terms.Add(ParseAnd());
            return terms.Count == 1 ? terms[0] : new Or(terms.ToArray());
        }

        private Node ParseAnd()
        {
            var terms = new List<Node> { ParseNot() };
            while (TryKeyword("and")) terms.Add(ParseNot());
            return terms.Count == 1 ? terms[0] : new And(terms.ToArray());
        }

        private Node ParseNot()
        {
            SkipSpace();
            int at = _pos;
            if (TryKeyword("not")) return Nested(at, () => new Not(ParseNot()));
            if (_pos < text.Length && text[_pos] == '(')
            {
                _pos++;
                return Nested(at, () =>
                {
                    Node inner = ParseOr();
                    SkipSpace();
                    if (_pos >= text.Length || text[_pos] != ')') throw Error("a closing ')'");
                    _pos++;
                    return inner;
                });
            }
            Operand left = ParseOperand();
            SkipSpace();
            string? op = Operators.FirstOrDefault(o => string.CompareOrdinal(text, _pos, o, 0, o.Length) == 0);
            if (op is null) throw Error("a comparison (> >= < <= == !=)");
            _pos += op.Length;
            return new Compare(left, op, ParseOperand());
        }

        private Operand ParseOperand()
        {
            SkipSpace();
            int start = _pos;
            if (_pos < text.Length && text[_pos] == '`')
            {
                int close = text.IndexOf('`', start + 1);
                if (close < 0) throw Error("a closing '`'", text.Length);
                if (close == start + 1) throw Error("a column name between the backticks", start);
                string quoted = text[(start + 1)..close];
                _pos = close + 1;
                Names.Add(quoted);
                return new Operand(quoted, 0);
            }
            if (_pos < text.Length && (char.IsAsciiLetter(text[_pos]) || text[_pos] == '_'))
            {
                while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '_' or '.')) _pos++;
                string name = text[start.._pos];
                if (name is "and" or "or" or "not") throw Error("a column name or number", start);
                Names.Add(name);
                return new Operand(name, 0);
            }
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] is '.' or 'e' or 'E' or '+' or '-')) _pos++;
            if (_pos > start && double.TryParse(text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                // A number past double's range (1e400) reads as ±∞, which every map passes or fails alike.
                if (!double.IsFinite(number))
                    throw new SirenException($"cannot read rule {Excerpt(text)}: the number '{text[start.._pos]}' at column {start + 1} is beyond a double's range. Fix: compare with a number an occupancy can take.");
                return new Operand(null, number);
            }
            throw Error("a column name or number", start);
        }

        /// <summary>Parses one level of nesting that opened at <paramref name="at"/>, refusing levels beyond <see cref="MaxDepth"/>.</summary>
        private Node Nested(int at, Func<Node> parse)
        {
            if (++_depth > MaxDepth)
                throw new SirenException($"cannot read rule {Excerpt(text)}: parentheses and 'not' nest more than {MaxDepth} levels deep at column {at + 1}. Fix: write the rule with at most {MaxDepth} nested levels.");
            Node node = parse();
            _depth--;
            return node;
        }

        private bool TryKeyword(string word)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            int end = _pos + word.Length;
            if (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) return false;
            _pos = end;
            return true;
        }

        public void ExpectEnd()
        {
            SkipSpace();
            if (_pos != text.Length) throw Error("'and', 'or' or the end of the rule");
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private SirenException Error(string expected, int? at = null)
        {
            int p = at ?? _pos;
            string found = p < text.Length ? Excerpt(text[p..]) : "the end";
            // A column such as Mask_5S-h1 written bare reads as Mask_5S followed by '-h1': the error is at the '-'.
            string fix = columns.FirstOrDefault(c => !IsBareName(c) && text.Contains(c, StringComparison.Ordinal) && !text.Contains('`' + c, StringComparison.Ordinal)) is { } bare
                ? $"write the column as {Quote(bare)}: a name with characters other than letters, digits, '_' and '.' goes in backticks"
                : "write rules like 'block_5>0.7 and (block_10<0.2 or `Mask_5S-h1`>=0.5)', names with characters other than letters, digits, '_' and '.' in backticks";
            return new SirenException($"cannot read rule {Excerpt(text)}: expected {expected} at column {p + 1}, found {found}. Fix: {fix}.");
        }
    }
}
