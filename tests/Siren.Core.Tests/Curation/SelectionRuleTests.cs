using Siren.Core.Curation;

namespace Siren.Core.Tests.Curation;

public class SelectionRuleTests
{
    private static readonly Dictionary<string, double> Map = new() { ["block_5"] = 0.8, ["block_10"] = 0.1, ["block_3"] = 0.5 };

    [Theory]
    [InlineData("block_5>0.7 and block_10<0.2", true)]
    [InlineData("block_5>0.9 or block_10<0.2", true)]
    [InlineData("block_5>0.9 or block_10>0.2", false)]
    [InlineData("block_5 >= 0.8 and block_3 == 0.5", true)]
    [InlineData("block_5 > 0.7 and (block_10 > 0.2 or block_3 <= 0.4)", false)]
    [InlineData("block_5 > 0.7 and not (block_10 > 0.2 or block_3 <= 0.4)", true)]
    [InlineData("block_10 > 0.9 or block_5 > 0.7 and block_3 < 0.1", false)]
    [InlineData("0.5 <= block_3", true)]
    [InlineData("block_3 != 0.5", false)]
    [InlineData("block_5 > 1e-1", true)]
    public void EvaluatesWithPythonPrecedence(string rule, bool expected)
    {
        Assert.Equal(expected, SelectionRule.Parse(rule).Matches(name => Map[name]));
    }

    [Theory]
    [InlineData("block_5 >")]
    [InlineData("block_5 > 0.7 and")]
    [InlineData("(block_5 > 0.7")]
    [InlineData("block_5 0.7")]
    [InlineData("block_5 > 0.7 block_3 < 1")]
    [InlineData("block_5 > -1e400")] // ±∞: every map passes or fails alike
    public void MalformedRulesAreUserErrors(string rule)
    {
        var e = Assert.Throws<SirenException>(() => SelectionRule.Parse(rule));
        Assert.Contains("Fix:", e.Message);
    }

    [Theory]
    [InlineData("`Mask_5S-h1` > 0.5", true)]
    [InlineData("`Mask 7`<0.5 and not `and`>1", true)]
    [InlineData("(`Mask_5S-h1`>0.9 or block_5>0.7)and`Mask 7`>0.5", false)]
    public void BacktickedNamesHoldAnyCharacter(string rule, bool expected)
    {
        var map = new Dictionary<string, double> { ["Mask_5S-h1"] = 0.8, ["Mask 7"] = 0.1, ["and"] = 0.2, ["block_5"] = 0.8 };
        Assert.Equal(expected, SelectionRule.Parse(rule).Matches(name => map[name]));
    }

    [Theory]
    [InlineData("`Mask_5S-h1 > 0.5", "a closing '`' at column 18")]
    [InlineData("`` > 0.5", "a column name between the backticks at column 1")]
    public void UnclosedOrEmptyBackticksAreUserErrors(string rule, string expected)
    {
        var e = Assert.Throws<SirenException>(() => SelectionRule.Parse(rule));
        Assert.Contains(expected, e.Message);
        Assert.Contains("Fix:", e.Message);
    }

    [Theory]
    [InlineData("block_5", "block_5")]
    [InlineData("Mask_prots1_chaina.v2", "Mask_prots1_chaina.v2")]
    [InlineData("Mask_5S-h1", "`Mask_5S-h1`")]
    [InlineData("Mask 7", "`Mask 7`")]
    [InlineData("5S", "`5S`")]
    [InlineData("or", "`or`")]
    public void QuotesOnlyNamesThatNeedIt(string column, string written)
    {
        Assert.Equal(written, SelectionRule.Quote(column));
        Assert.Equal([column], SelectionRule.Parse(written + ">0").Columns);
    }

    [Fact]
    public void ListsTheColumnsItReads()
    {
        Assert.Equal(["block_5", "block_10"], SelectionRule.Parse("block_5>0.7 and block_10<0.2 or block_5<0.1").Columns);
    }

    [Fact]
    public void NestingIsCappedWithOneUserError()
    {
        string Nested(int levels) => new string('(', levels) + "block_5>0.7" + new string(')', levels);
        Assert.True(SelectionRule.Parse(Nested(SelectionRule.MaxDepth)).Matches(name => Map[name]));
        Assert.True(SelectionRule.Parse(string.Concat(Enumerable.Repeat("not ", SelectionRule.MaxDepth)) + "block_5>0.7").Matches(name => Map[name]));
        foreach (string rule in new[] { Nested(SelectionRule.MaxDepth + 1), string.Concat(Enumerable.Repeat("not (", SelectionRule.MaxDepth)) + "block_5>0.7" })
        {
            var e = Assert.Throws<SirenException>(() => SelectionRule.Parse(rule));
            Assert.Contains($"more than {SelectionRule.MaxDepth} levels", e.Message);
            Assert.Contains("Fix:", e.Message);
        }
    }

    [Fact]
    public void LongChainsEvaluateWithoutDeepRecursion()
    {
        // 200,000 terms, the last one true: pairwise nesting would evaluate 200,000 calls deep.
        string rule = string.Concat(Enumerable.Repeat("block_5>0.9 or block_10>0.5 and block_3>0 or ", 200_000)) + "block_3==0.5";
        Assert.True(SelectionRule.Parse(rule).Matches(name => Map[name]));
    }

    [Fact]
    public void ErrorsQuoteLongRulesShort()
    {
        string rule = string.Concat(Enumerable.Repeat("block_5>0.7 and ", 1000)) + "block_5 >";
        var e = Assert.Throws<SirenException>(() => SelectionRule.Parse(rule));
        Assert.True(e.Message.Length < 400, e.Message);
        Assert.Contains($"({rule.Length} characters)", e.Message);
    }
}
