// Runs sketch_edges and expand_counts under cuda_emulation.h on a random bit matrix with random cutoff
// tables (some counts absent) and locality factors, and compares every edge and count with the edge
// test written out directly. Usage: kernel_emulation_check MAPS ROWS SEED; exit 0 when all agree.
#include "cuda_emulation.h"
#include "../cooccurrence.cu"
#include <random>
#include <map>
#include <set>

static int maps, words, n, box = 12;
static std::vector<u64> bits; static std::vector<int> counts, X, Y, Z;
static std::vector<double> factors;
struct Table { std::vector<int> rank, other; std::vector<double> local; int size; int pass; };

bool naive(int a, int b, double c, const Table& t)
{
    int fa = counts[a], fb = counts[b];
    if (t.rank[fa] < 0 || t.rank[fb] < 0) return false;
    int n11 = 0; for (int w = 0; w < words; w++) n11 += __builtin_popcountll(bits[(size_t)a * words + w] & bits[(size_t)b * words + w]);
    int n00 = maps - fa - fb + n11;
    int cell = t.rank[fa] * t.size + t.rank[fb];
    double L = t.local[cell]; int O = t.other[cell];
    if (t.pass == 0) return n11 > std::min(c * L, (double)std::min(fa, fb)) && n00 > std::min(O, maps - std::max(fa, fb));
    return n00 > std::min(c * L, (double)(maps - std::max(fa, fb))) && n11 > std::min(O, std::min(fa, fb));
}

int main(int argc, char** argv)
{
    maps = atoi(argv[1]); n = atoi(argv[2]); unsigned seed = atoi(argv[3]);
    std::mt19937_64 rng(seed);
    words = std::max(1, (maps + 511) / 512) * 8;
    bits.assign((size_t)n * words, 0); counts.assign(n, 0); X.resize(n); Y.resize(n); Z.resize(n);
    std::vector<std::vector<char>> patterns(4, std::vector<char>(maps));
    for (auto& p : patterns) for (auto& b : p) b = rng() % 100 < 40;
    for (int r = 0; r < n; r++)
    {
        double own = (rng() % 1000) / 1000.0;
        for (int m = 0; m < maps; m++)
        {
            bool on = r % 3 == 0 ? (rng() % 1000) / 1000.0 < own : (patterns[r % 4][m] ^ (rng() % 100 < 5));
            if (on) { bits[(size_t)r * words + m / 64] |= 1ULL << (m % 64); counts[r]++; }
        }
        X[r] = rng() % box; Y[r] = rng() % box; Z[r] = rng() % box;
    }
    factors.resize(12 * (box - 1) * (box - 1) + 1);
    for (auto& f : factors) f = 1.0 + (rng() % 1000) / 1333.0;
    Table tables[2];
    for (int t = 0; t < 2; t++)
    {
        Table& T = tables[t]; T.pass = t; T.size = maps + 1; T.rank.resize(maps + 1);
        for (int f = 0; f <= maps; f++) T.rank[f] = (f % 11 == 5) ? -1 : f;   // some counts absent from the table
        T.local.resize(T.size * T.size); T.other.resize(T.size * T.size);
        // Whole counts, some a sliver lower (SignificanceTable.Sliver), as reference-mode tables hold.
        for (auto& v : T.local) v = (double)(rng() % (maps / 2 + 1)) - (rng() % 3 == 0 ? 1.0 / (1 << 20) : 0.0);
        for (auto& v : T.other) v = rng() % (maps / 2 + 1);
    }
    auto args = [&](Table& T) { return EdgeTable{T.rank.data(), T.local.data(), T.other.data(), T.size, T.pass}; };

    // ---- sketch over all rows
    u64 capacity = (u64)n * n; std::vector<u64> e0(capacity), e1(capacity); u64 c0 = 0, c1 = 0;
    int tiles = (n + 63) / 64;
    for (int start = 0; start < tiles; start += 2)   // slices of i tiles, as the host does
    {
        int len = std::min(2, tiles - start);
        launch({(unsigned)tiles, (unsigned)len, 1}, {16, 16, 1}, [&] {
            sketch_edges(bits.data(), counts.data(), X.data(), Y.data(), Z.data(), n, words, maps, factors.data(),
                         args(tables[0]), args(tables[1]), 2, e0.data(), &c0, e1.data(), &c1, capacity, start);
        });
    }
    int bad = 0; long total = 0;
    for (int t = 0; t < 2; t++)
    {
        std::vector<u64> got(t == 0 ? e0.begin() : e1.begin(), (t == 0 ? e0.begin() : e1.begin()) + (t == 0 ? c0 : c1));
        std::sort(got.begin(), got.end());
        std::vector<u64> want;
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++)
        {
            int dx = X[i] - X[j], dy = Y[i] - Y[j], dz = Z[i] - Z[j];
            if (naive(i, j, factors[4 * (dx * dx + dy * dy + dz * dz)], tables[t])) want.push_back(((u64)i << 32) | j);
        }
        total += want.size();
        if (got != want) { bad++; printf("sketch rule %d: got %zu edges, want %zu\n", t, got.size(), want.size()); }
        else printf("sketch rule %d: %zu edges match\n", t, got.size());
    }

    // ---- expand: 3 blocks
    std::vector<std::vector<int>> blocks = {{}, {}, {}};
    for (int r = 1; r < n; r += 2) blocks[0].push_back(r);
    for (int r = 0; r < std::min(n, 5); r++) blocks[1].push_back(r);
    for (int r = n / 2; r < n; r++) blocks[2].push_back(r);
    std::vector<int> memberRow, memberBlock, twice = {11, 12, 9, 2 * X[4], 2 * Y[4], 2 * Z[4], 0, 22, 7};
    for (int b = 0; b < 3; b++) for (int r : blocks[b]) { memberRow.push_back(r); memberBlock.push_back(b); }
    int members = memberRow.size(), B = 3;
    std::vector<int> out(2 * (size_t)n * B, 0);
    int vTiles = (n + 63) / 64, kTiles = (members + 63) / 64;
    for (int start = 0; start < vTiles; start += 3)
    {
        int len = std::min(3, vTiles - start);
        launch({(unsigned)kTiles, (unsigned)len, 1}, {16, 16, 1}, [&] {
            expand_counts(bits.data(), counts.data(), X.data(), Y.data(), Z.data(), n, words, maps, factors.data(),
                          memberRow.data(), memberBlock.data(), members, twice.data(), B,
                          args(tables[0]), args(tables[1]), 2, out.data(), start);
        });
    }
    long mism = 0, passing = 0;
    for (int t = 0; t < 2; t++) for (int v = 0; v < n; v++) for (int b = 0; b < B; b++)
    {
        int dx = 2 * X[v] - twice[3 * b], dy = 2 * Y[v] - twice[3 * b + 1], dz = 2 * Z[v] - twice[3 * b + 2];
        double c = factors[dx * dx + dy * dy + dz * dz];
        int want = 0; for (int k : blocks[b]) want += naive(v, k, c, tables[t]);
        passing += want;
        if (out[((size_t)t * n + v) * B + b] != want) mism++;
    }
    printf("expand: %ld mismatches, %ld passing pairs\n", mism, passing);
    return bad || mism ? 1 : 0;
}
