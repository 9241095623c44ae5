// The Brownian-tree noise of the DPM++ SDE samplers against the reference (torchsde 0.2.6 under diffusers
// 0.27.2): every golden case under golden/sde/ and golden/samplers/ whose JSON lists `brownian_calls`,
// found by scanning, rebuilt from its tree seed, the scheduler's sigma range and the noise shape, queried in
// the recorded order and compared with its noise.NNN tensors (bit-identical expected, 1e-6 absolute at
// most). numpy's SeedSequence against the values in numpy's own tests, and properties of the tree that hold
// whatever the reference: order independence, additivity, variance, per-item seeds.
#include "core/io/safetensors.h"
#include "core/runtime/error.h"
#include "core/sampling/brownian_tree.h"
#include "core/sampling/brownian_tree_noise_sampler.h"
#include "core/sampling/numpy_seed_sequence.h"
#include "core/sampling/scheduler.h"
#include "core/sampling/scheduler_config.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstdio>

using namespace gesso;
using namespace gesso::sampling;

namespace {

const char* const kGroups[] = {"golden/sde", "golden/samplers"};

std::vector<uint32_t> concatWords(std::initializer_list<uint64_t> values) {
    std::vector<uint32_t> out;
    for (uint64_t v : values) {
        const auto words = np::uint32Words(v);
        out.insert(out.end(), words.begin(), words.end());
    }
    return out;
}

std::string noiseName(int index) {
    char name[32];
    std::snprintf(name, sizeof name, "noise.%03d", index);
    return name;
}

// The sigma range diffusers' DPMSolverSDEScheduler gives its noise sampler: min(sigmas[sigmas > 0]) and
// max(sigmas) of the schedule set for the case's step count.
std::pair<float, float> schedulerSigmaRange(const nlohmann::json& scheduler, int steps) {
    const auto config = SchedulerConfig::fromDiffusersJson(
        schedulerKindFromClassName(scheduler.at("class").get<std::string>()),
        scheduler.at("resolved_config"));
    auto made = makeScheduler(config);
    made->setTimesteps(steps);
    const torch::Tensor sigmas = made->sigmas().to(torch::kFloat32);
    return {sigmas.masked_select(sigmas > 0).min().item<float>(), sigmas.max().item<float>()};
}

} // namespace

class TestBrownianTree : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // numpy/random/tests/test_seed_sequence.py (NumPy 1.26), test_reference_data: the C++ reference values of
    // O'Neill's seed_seq gist, default pool size 4, as uint32 and uint64 words.
    void seedSequenceMatchesNumpyReferenceData() {
        const std::vector<std::vector<uint32_t>> inputs = {
            {3735928559, 195939070, 229505742, 305419896},
            {3668361503, 4165561550, 1661411377, 3634257570},
            {164546577, 4166754639, 1765190214, 1303880213},
            {446610472, 3941463886, 522937693, 1882353782},
            {1864922766, 1719732118, 3882010307, 1776744564},
            {4141682960, 3310988675, 553637289, 902896340},
            {1134851934, 2352871630, 3699409824, 2648159817},
            {1240956131, 3107113773, 1283198141, 1924506131},
            {2669565031, 579818610, 3042504477, 2774880435},
            {2766103236, 2883057919, 4029656435, 862374500},
        };
        const std::vector<std::vector<uint32_t>> outputs = {
            {3914649087, 576849849, 3593928901, 2229911004},
            {2240804226, 3691353228, 1365957195, 2654016646},
            {3562296087, 3191708229, 1147942216, 3726991905},
            {1403443605, 3591372999, 1291086759, 441919183},
            {1086200464, 2191331643, 560336446, 3658716651},
            {3249937430, 2346751812, 847844327, 2996632307},
            {2584285912, 4034195531, 3523502488, 169742686},
            {959045797, 3875435559, 1886309314, 359682705},
            {3978441347, 432478529, 3223635119, 138903045},
            {296367413, 4262059219, 13109864, 3283683422},
        };
        const std::vector<std::vector<uint64_t>> outputs64 = {
            {2477551240072187391ull, 9577394838764454085ull},
            {15854241394484835714ull, 11398914698975566411ull},
            {13708282465491374871ull, 16007308345579681096ull},
            {15424829579845884309ull, 1898028439751125927ull},
            {9411697742461147792ull, 15714068361935982142ull},
            {10079222287618677782ull, 12870437757549876199ull},
            {17326737873898640088ull, 729039288628699544ull},
            {16644868984619524261ull, 1544825456798124994ull},
            {1857481142255628931ull, 596584038813451439ull},
            {18305404959516669237ull, 14103312907920476776ull},
        };
        for (size_t i = 0; i < inputs.size(); ++i) {
            const np::SeedSequence sequence(inputs[i]);
            QCOMPARE(sequence.generateState(4), outputs[i]);
            QCOMPARE(sequence.generateState64(2), outputs64[i]);
        }
    }

    // numpy's test_zero_padding (same file): SeedSequence(42) is stable since NumPy 1.17, large integers go
    // in low word first, and a spawn key does not collide with implicit zero padding (gh-16539).
    void seedSequenceZeroPadding() {
        const std::vector<uint32_t> expected42 = {3444837047, 2669555309, 2046530742, 3581440988};
        QCOMPARE(np::SeedSequence(np::uint32Words(42)).generateState(4), expected42);
        const auto shifted = np::SeedSequence(np::uint32Words(uint64_t(42) << 32)).generateState(4);
        const auto spawned = np::SeedSequence(np::uint32Words(42), np::uint32Words(0)).generateState(4);
        for (size_t i = 0; i < 4; ++i) {
            QVERIFY(shifted[i] != expected42[i]);
            QVERIFY(spawned[i] != expected42[i]);
        }
        QVERIFY_THROWS_EXCEPTION(gesso::Error, np::SeedSequence(np::uint32Words(1), {}, 3));
    }

    // The docstring example of numpy's _coerce_to_uint32_array.
    void integersBecomeLowWordFirst() {
        const std::vector<uint32_t> expected = {12345, 3735928559, 16, 67890, 3735928559};
        QCOMPARE(concatWords({12345, 0x10deadbeefull, 67890, 0xdeadbeefull}), expected);
        QCOMPARE(np::uint32Words(0), std::vector<uint32_t>{0});
    }

    void goldenBrownianCallsMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        int cases = 0;
        bool allOk = true;
        for (const char* group : kGroups) {
            for (const auto& json : test::findCaseFiles(reference, group)) {
                const auto meta = SchedulerConfig::readJsonFile(json);
                if (!meta.contains("brownian_calls")) continue;
                ++cases;
                auto st = json;
                st.replace_extension(".safetensors");
                const auto tensors = io::SafetensorsFile::open(st);
                auto relative = std::filesystem::relative(json, reference);
                relative.replace_extension();

                const auto& calls = meta.at("brownian_calls");
                QVERIFY2(!calls.empty(), relative.c_str());
                const auto [sigmaMin, sigmaMax] =
                    schedulerSigmaRange(meta.at("scheduler"), meta.at("steps").get<int>());
                const std::vector<uint64_t> seeds = calls[0].at("tree_seed").get<std::vector<uint64_t>>();
                const std::vector<int64_t> shape =
                    tensors.tensor(noiseName(calls[0].at("noise_index").get<int>())).sizes().vec();
                // One integer seed = one tree of the whole latent (diffusers' noise_sampler_seed); a list
                // of several = one tree per batch item.
                BrownianTreeNoiseSampler sampler =
                    seeds.size() == 1 ? BrownianTreeNoiseSampler(shape, sigmaMin, sigmaMax, seeds[0])
                                      : BrownianTreeNoiseSampler(shape, sigmaMin, sigmaMax, seeds);

                double worst = 0;
                int identical = 0;
                for (const auto& call : calls) {
                    QCOMPARE(call.at("tree_seed").get<std::vector<uint64_t>>(), seeds);
                    const torch::Tensor expected =
                        tensors.tensor(noiseName(call.at("noise_index").get<int>())).to(torch::kFloat32);
                    const torch::Tensor ours =
                        sampler(static_cast<float>(call.at("sigma").get<double>()),
                                static_cast<float>(call.at("sigma_next").get<double>()));
                    const double diff = test::maxAbsDiff(ours, expected);
                    worst = std::max(worst, diff);
                    identical += ours.sizes() == expected.sizes() && torch::equal(ours, expected);
                }
                std::printf("%s: %d of %zu Brownian draws bit-identical (tree [%.9g, %.9g], seed %llu)\n",
                            relative.c_str(), identical, calls.size(), double(sigmaMin), double(sigmaMax),
                            static_cast<unsigned long long>(seeds[0]));
                allOk &= test::reportCase(relative.string(), "Brownian noise", worst, 1e-6);
            }
        }
        QVERIFY2(cases > 0, "no golden case with brownian_calls under golden/sde or golden/samplers");
        QVERIFY(allOk);
    }

    // halfway_tree=True: a query's value depends on the entropy only, not on earlier queries.
    void queriesDoNotDependOnOrder() {
        BrownianTree direct(0.03, 14.6, {2, 3, 5}, 7);
        BrownianTree visited(0.03, 14.6, {2, 3, 5}, 7);
        for (auto [a, b] : std::initializer_list<std::pair<double, double>>{
                 {0.5, 9.0}, {3.25, 3.5}, {0.03, 0.04}, {11.0, 14.6}})
            visited.increment(a, b);
        QVERIFY(torch::equal(direct.increment(1.2345, 6.789), visited.increment(1.2345, 6.789)));
        QVERIFY(torch::equal(direct.increment(0.03, 14.6), visited.increment(0.03, 14.6)));
        QVERIFY(!torch::equal(direct.increment(1.0, 2.0),
                              BrownianTree(0.03, 14.6, {2, 3, 5}, 8).increment(1.0, 2.0)));
    }

    void incrementsAddUpAndHaveTheirVariance() {
        const std::vector<int64_t> shape = {200000};
        BrownianTree tree(0.0291675, 14.614643, shape, 44);
        const auto left = tree.increment(0.2, 1.7);
        const auto right = tree.increment(1.7, 6.1);
        const auto whole = tree.increment(0.2, 6.1);
        QVERIFY(torch::allclose(left + right, whole, 0, 1e-4));
        // Variance t - s; disjoint increments uncorrelated (4 standard errors of 200000 samples).
        const double n = double(shape[0]);
        const double varLeft = left.pow(2).mean().item<double>() / 1.5;
        const double varRight = right.pow(2).mean().item<double>() / 4.4;
        const double correlation = (left * right).mean().item<double>() / std::sqrt(1.5 * 4.4);
        QVERIFY2(std::abs(varLeft - 1) < 4 * std::sqrt(2 / n), std::to_string(varLeft).c_str());
        QVERIFY2(std::abs(varRight - 1) < 4 * std::sqrt(2 / n), std::to_string(varRight).c_str());
        QVERIFY2(std::abs(correlation) < 4 / std::sqrt(n), std::to_string(correlation).c_str());
        // Out-of-range times are clamped to the tree's ends, reversed ones refused.
        QVERIFY(torch::equal(tree.increment(-5.0, 100.0), tree.increment(tree.start(), tree.end())));
        QVERIFY_THROWS_EXCEPTION(gesso::Error, tree.increment(2.0, 1.0));
        QVERIFY(tree.increment(1.0, 1.0).abs().max().item<float>() == 0.0f);
    }

    // k-diffusion's list of seeds: item i equals a one-seed sampler of the item's shape with seed i; the
    // draw is antisymmetric in (sigma, sigmaNext).
    void perItemSeedsStackIndependentTrees() {
        BrownianTreeNoiseSampler batch({2, 4, 3, 5}, 0.03f, 14.6f, std::vector<uint64_t>{11, 12});
        BrownianTreeNoiseSampler first({4, 3, 5}, 0.03f, 14.6f, uint64_t(11));
        BrownianTreeNoiseSampler second({4, 3, 5}, 0.03f, 14.6f, uint64_t(12));
        const auto both = batch(9.4f, 6.1f);
        QVERIFY(torch::equal(both[0], first(9.4f, 6.1f)));
        QVERIFY(torch::equal(both[1], second(9.4f, 6.1f)));
        QVERIFY(torch::equal(first(6.1f, 9.4f), first(9.4f, 6.1f).neg()));
        QVERIFY_THROWS_EXCEPTION(gesso::Error,
                                 BrownianTreeNoiseSampler({3, 4}, 0.03f, 14.6f, std::vector<uint64_t>{1, 2}));
    }
};

QTEST_GUILESS_MAIN(TestBrownianTree)
#include "test_brownian_tree.moc"
