using Siren.Core.IO;

namespace Siren.Core.Tests.IO;

public class AtomicFileTests
{
    /// <summary>A process id no process has (ids stay far below int.MaxValue), standing for a killed run.</summary>
    private const int DeadProcess = int.MaxValue - 1;

    private static string[] Listing(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void AFillThatFailsHalfWayLeavesThePreviousFolderAsItWas()
    {
        string parent = TestPaths.NewTempDir(), stage = Path.Combine(parent, "00_sketch");
        AtomicFile.WriteDirectory(stage, d => { File.WriteAllText(Path.Combine(d, "blocks.json"), "old"); File.WriteAllText(Path.Combine(d, "block_0.mrc"), "old"); });

        Assert.Throws<SirenException>(() => AtomicFile.WriteDirectory(stage, d =>
        {
            File.WriteAllText(Path.Combine(d, "block_0.mrc"), "new");
            throw new SirenException("disk full, say");
        }));

        Assert.Equal(["00_sketch", Path.Combine("00_sketch", "block_0.mrc"), Path.Combine("00_sketch", "blocks.json")], Listing(parent));
        Assert.Equal("old", File.ReadAllText(Path.Combine(stage, "block_0.mrc")));
    }

    [Fact]
    public void WhatAKilledRunLeftIsCleanedOrPutBack()
    {
        string parent = TestPaths.NewTempDir(), stage = Path.Combine(parent, "02_expand");
        // Killed while filling: a staged folder of a process that is gone, beside the current stage.
        AtomicFile.WriteDirectory(stage, d => File.WriteAllText(Path.Combine(d, "blocks.json"), "current"));
        string staged = Path.Combine(parent, $".02_expand.{DeadProcess}.{AtomicFile.ThisHost}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staged);
        File.WriteAllText(Path.Combine(staged, "block_0.mrc"), "half");
        // Another node's run on a shared file system: its process id means nothing here, so it is left alone.
        string elsewhere = Path.Combine(parent, $".02_expand.{DeadProcess}.0badc0de.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(elsewhere);
        AtomicFile.WriteDirectory(stage, d => File.WriteAllText(Path.Combine(d, "blocks.json"), "next"));
        Assert.Equal([Path.GetFileName(elsewhere), "02_expand", Path.Combine("02_expand", "blocks.json")], Listing(parent));
        Directory.Delete(elsewhere);

        // Killed between the two moves: the previous stage sits aside as .old and nothing is in its place.
        Directory.Move(stage, Path.Combine(parent, $".02_expand.{DeadProcess}.{AtomicFile.ThisHost}.{Guid.NewGuid():N}.old"));
        Assert.Throws<SirenException>(() => AtomicFile.WriteDirectory(stage, _ => throw new SirenException("refused")));
        Assert.Equal(["02_expand", Path.Combine("02_expand", "blocks.json")], Listing(parent));
        Assert.Equal("next", File.ReadAllText(Path.Combine(stage, "blocks.json")));
    }

    [Fact]
    public void AKilledWritersTemporaryFileIsRemovedByTheNextWrite()
    {
        string dir = TestPaths.NewTempDir(), target = Path.Combine(dir, "vol_000.mrc");
        string abandoned = Path.Combine(dir, $".vol_000.mrc.{DeadProcess}.{AtomicFile.ThisHost}.{Guid.NewGuid():N}.tmp");
        string otherNode = Path.Combine(dir, $".vol_000.mrc.{DeadProcess}.0badc0de.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(abandoned, "half a map");
        File.WriteAllText(otherNode, "another node's half map");
        AtomicFile.WriteAllText(target, "map");
        Assert.Equal([Path.GetFileName(otherNode), "vol_000.mrc"], Listing(dir));
    }
}
