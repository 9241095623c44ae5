// Edge cases of the prompt syntax that the golden set does not cover: AUTOMATIC1111's own doctests,
// unbalanced brackets, escapes, bad weights, empty prompts, BREAK at chunk edges, very long prompts, comma
// backtracking, nested alternation inside editing, LoRA tags, negative padding and emphasis mean restoration.
#include "core/model/model_loader.h"
#include "core/text/conditioner.h"
#include "core/text/prompt_chunks.h"
#include "core/text/prompt_parser.h"
#include "core/text/prompt_schedule.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

using namespace gesso;
using text::PromptSchedule;
using text::WeightedText;

namespace {

std::vector<WeightedText> parse(const std::string& s) {
    return text::parsePromptAttention(s).runs;
}

std::string repeatWord(const std::string& word, int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
        s += (i ? " " : "") + word;
    return s;
}

} // namespace

class TestPromptSyntaxUnit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void scheduleDoctests() {
        auto g = [](const std::string& p) { return text::promptSchedule(p, 10); };
        QCOMPARE(g("test"), (PromptSchedule{{10, "test"}}));
        QCOMPARE(g("a [b:3]"), (PromptSchedule{{3, "a "}, {10, "a b"}}));
        QCOMPARE(g("a [b: 3]"), (PromptSchedule{{3, "a "}, {10, "a b"}}));
        QCOMPARE(g("a [[[b]]:2]"), (PromptSchedule{{2, "a "}, {10, "a [[b]]"}}));
        QCOMPARE(g("[(a:2):3]"), (PromptSchedule{{3, ""}, {10, "(a:2)"}}));
        QCOMPARE(g("a [b : c : 1] d"), (PromptSchedule{{1, "a b  d"}, {10, "a  c  d"}}));
        QCOMPARE(g("a[b:[c:d:2]:1]e"), (PromptSchedule{{1, "abe"}, {2, "ace"}, {10, "ade"}}));
        QCOMPARE(g("a [unbalanced"), (PromptSchedule{{10, "a [unbalanced"}}));
        QCOMPARE(g("a [b:.5] c"), (PromptSchedule{{5, "a  c"}, {10, "a b c"}}));
        QCOMPARE(g("((a][:b:c [d:3]"), (PromptSchedule{{3, "((a][:b:c "}, {10, "((a][:b:c d"}}));
        QCOMPARE(g("[fe|]male"), (PromptSchedule{{1, "female"},
                                                 {2, "male"},
                                                 {3, "female"},
                                                 {4, "male"},
                                                 {5, "female"},
                                                 {6, "male"},
                                                 {7, "female"},
                                                 {8, "male"},
                                                 {9, "female"},
                                                 {10, "male"}}));
        QCOMPARE(g("[fe|||]male"), (PromptSchedule{{1, "female"},
                                                   {2, "male"},
                                                   {3, "male"},
                                                   {4, "male"},
                                                   {5, "female"},
                                                   {6, "male"},
                                                   {7, "male"},
                                                   {8, "male"},
                                                   {9, "female"},
                                                   {10, "male"}}));
        const auto alt = g("[a|(b:1.1)]");
        QCOMPARE(alt.size(), size_t(10));
        QCOMPARE(alt[1].text, std::string("(b:1.1)"));
    }

    void scheduleEdgeCases() {
        // Nested alternation inside prompt editing.
        const auto s = text::promptSchedule("[[cat|dog]:bird:4]", 6);
        QCOMPARE(s,
                 (PromptSchedule{{1, "cat"}, {2, "dog"}, {3, "cat"}, {4, "dog"}, {5, "bird"}, {6, "bird"}}));
        // A '|' outside brackets: A1111's grammar rejects the prompt; the text is kept whole.
        QCOMPARE(text::promptSchedule("a | b [c:2]", 10), (PromptSchedule{{10, "a | b [c:2]"}}));
        // Steps beyond the end and step 0 never switch; fractions with a decimal point.
        QCOMPARE(text::promptSchedule("[a:b:25]", 10), (PromptSchedule{{10, "a"}}));
        QCOMPARE(text::promptSchedule("[a:b:0]", 10), (PromptSchedule{{10, "b"}}));
        QCOMPARE(text::promptSchedule("[a:b:0.25]", 20), (PromptSchedule{{5, "a"}, {20, "b"}}));
        QCOMPARE(text::promptSchedule("", 10), (PromptSchedule{{10, ""}}));
        // The sampler picks entries like A1111's reconstruct_cond_batch (0-based step <= untilStep).
        const auto e = text::promptSchedule("[a:b:3]", 10);
        QCOMPARE(text::scheduleIndexForStep(e, 0), size_t(0));
        QCOMPARE(text::scheduleIndexForStep(e, 3), size_t(0));
        QCOMPARE(text::scheduleIndexForStep(e, 4), size_t(1));
        QCOMPARE(text::scheduleIndexForStep(e, 99), size_t(1));
    }

    void attentionDoctests() {
        QCOMPARE(parse("normal text"), (std::vector<WeightedText>{{"normal text", 1.0}}));
        QCOMPARE(parse("an (important) word"),
                 (std::vector<WeightedText>{{"an ", 1.0}, {"important", 1.1}, {" word", 1.0}}));
        QCOMPARE(parse("(unbalanced"), (std::vector<WeightedText>{{"unbalanced", 1.1}}));
        QCOMPARE(parse("\\(literal\\]"), (std::vector<WeightedText>{{"(literal]", 1.0}}));
        QCOMPARE(parse("(unnecessary)(parens)"), (std::vector<WeightedText>{{"unnecessaryparens", 1.1}}));
        QCOMPARE(parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky)))."),
                 (std::vector<WeightedText>{{"a ", 1.0},
                                            {"house", 1.5730000000000004},
                                            {" ", 1.1},
                                            {"on", 1.0},
                                            {" a ", 1.1},
                                            {"hill", 0.55},
                                            {", sun, ", 1.1},
                                            {"sky", 1.4641000000000006},
                                            {".", 1.1}}));
    }

    void attentionEdgeCases() {
        // Unbalanced brackets degrade like A1111 and warn.
        auto p = text::parsePromptAttention("a [b (c");
        QCOMPARE(p.runs, (std::vector<WeightedText>{{"a ", 1.0}, {"b ", 1 / 1.1}, {"c", 1.1 * (1 / 1.1)}}));
        QCOMPARE(p.warnings.size(), size_t(2));
        p = text::parsePromptAttention("a) b]");
        QCOMPARE(p.runs, (std::vector<WeightedText>{{"a) b]", 1.0}}));
        QCOMPARE(p.warnings.size(), size_t(2));
        QVERIFY(text::parsePromptAttention("(a:1.2)").warnings.empty());
        // Negative and zero weights, signs, spaces.
        QCOMPARE(parse("(a:-1)"), (std::vector<WeightedText>{{"a", -1.0}}));
        QCOMPARE(parse("(a: +0.5 )"), (std::vector<WeightedText>{{"a", 0.5}}));
        QCOMPARE(parse("(a:0)"), (std::vector<WeightedText>{{"a", 0.0}}));
        // An unreadable weight is not fatal.
        p = text::parsePromptAttention("(a:1.2.3)");
        QCOMPARE(p.runs, (std::vector<WeightedText>{{"a", 1.1}}));
        QCOMPARE(p.warnings.size(), size_t(1));
        // ':' that is no weight stays text; escapes; a lone backslash vanishes as in A1111.
        QCOMPARE(parse("time: 10:30"), (std::vector<WeightedText>{{"time: 10:30", 1.0}}));
        QCOMPARE(parse("\\\\ and \\x"), (std::vector<WeightedText>{{"\\ and x", 1.0}}));
        QCOMPARE(parse(""), (std::vector<WeightedText>{{"", 1.0}}));
        // BREAK only as a whole word, surrounding spaces eaten.
        QCOMPARE(parse("a BREAK b"), (std::vector<WeightedText>{{"a", 1.0}, {"BREAK", -1.0}, {"b", 1.0}}));
        QCOMPARE(parse("BREAKING news"), (std::vector<WeightedText>{{"BREAKING news", 1.0}}));
        // Inside brackets A1111 also weights the marker, which then is the word "break" (kept for parity).
        QCOMPARE(parse("(a BREAK b)"), (std::vector<WeightedText>{{"a", 1.1}, {"BREAK", -1.1}, {"b", 1.1}}));
    }

    void loraTags() {
        const auto e =
            text::extractLoraTags("a cat <lora:styleA:0.7>, <lora:detail> <hypernet:x:1> <lora:bad:w>");
        QCOMPARE(e.text, std::string("a cat ,   "));
        QCOMPARE(e.loras,
                 (std::vector<text::LoraTag>{{"styleA", 0.7, 0.7}, {"detail", 1.0, 1.0}, {"bad", 1.0, 1.0}}));
        QCOMPARE(e.warnings.size(), size_t(2)); // hypernet unsupported, bad weight
        QCOMPARE(text::extractLoraTags("a <b> c").text, std::string("a <b> c"));
    }

    // A1111's multipliers: positional TE then UNET (UNET defaults to TE), the named forms override them.
    void loraMultipliers() {
        using text::LoraTag;
        const auto tags = [](const std::string& prompt) { return text::extractLoraTags(prompt).loras; };
        QCOMPARE(tags("<lora:a:0.5:1.25>"), (std::vector<LoraTag>{{"a", 0.5, 1.25}}));
        QCOMPARE(tags("<lyco:a:unet=0.3>"), (std::vector<LoraTag>{{"a", 1.0, 0.3}}));
        QCOMPARE(tags("<lora:a:te=0.4>"), (std::vector<LoraTag>{{"a", 0.4, 0.4}}));
        QCOMPARE(tags("<lora:a:0.9:te=0.2:unet=0.6>"), (std::vector<LoraTag>{{"a", 0.2, 0.6}}));
        QCOMPARE(tags("<lora:a:b:c>"), (std::vector<LoraTag>{{"a", 1.0, 1.0}}));
        const auto dyn = text::extractLoraTags("<lora:a:1:1:8>");
        QCOMPARE(dyn.loras, (std::vector<LoraTag>{{"a", 1.0, 1.0}}));
        QCOMPARE(dyn.warnings.size(), size_t(1));
        QVERIFY(tags("<lora:te=1>").empty());
    }

    void chunking() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto tok = text::ClipTokenizer::load(reference / "tokenizer" / "clip");
        const int64_t cat = tok.encode("cat")[0], dog = tok.encode("dog")[0];
        // Empty prompt: one empty chunk, no tokens.
        auto c = text::chunkPrompt(tok, parse(""));
        QCOMPARE(c.chunks.size(), size_t(1));
        QCOMPARE(c.tokenCount, 0);
        QCOMPARE(c.chunks[0].ids, text::emptyChunk().ids);
        // Exactly 75 tokens then BREAK: the break closes the full chunk, no empty chunk in between.
        c = text::chunkPrompt(tok, parse(repeatWord("cat", 75) + " BREAK dog"));
        QCOMPARE(c.chunks.size(), size_t(2));
        QCOMPARE(c.chunks[0].ids[75], cat);
        QCOMPARE(c.chunks[1].ids[1], dog);
        QCOMPARE(c.chunks[1].ids[2], text::ClipTokenizer::kEosId);
        QCOMPARE(c.tokenCount, 76);
        // BREAK first: an empty first chunk.
        c = text::chunkPrompt(tok, parse("BREAK dog"));
        QCOMPARE(c.chunks.size(), size_t(2));
        QCOMPARE(c.chunks[0].ids[1], text::ClipTokenizer::kEosId);
        // 76 tokens: the 76th opens a second chunk.
        c = text::chunkPrompt(tok, parse(repeatWord("cat", 76)));
        QCOMPARE(c.chunks.size(), size_t(2));
        QCOMPARE(c.chunks[1].ids[1], cat);
        // Very long prompt: 300 tokens -> 4 chunks, all BOS ... EOS.
        c = text::chunkPrompt(tok, parse(repeatWord("cat", 300)));
        QCOMPARE(c.chunks.size(), size_t(4));
        QCOMPARE(c.tokenCount, 300);
        for (const auto& chunk : c.chunks) {
            QCOMPARE(chunk.ids[0], text::ClipTokenizer::kBosId);
            QCOMPARE(chunk.ids[76], text::ClipTokenizer::kEosId);
        }
        // Comma backtracking: a comma at position 70 moves the 4 words after it to the next chunk ...
        c = text::chunkPrompt(tok, parse(repeatWord("cat", 70) + ", (" + repeatWord("dog", 10) + ")"));
        QCOMPARE(c.chunks.size(), size_t(2));
        QCOMPARE(c.chunks[0].ids[71], tok.commaId());
        QCOMPARE(c.chunks[0].ids[72], text::ClipTokenizer::kEosId);
        QCOMPARE(c.chunks[0].multipliers[72], 1.0f);
        QCOMPARE(c.chunks[1].ids[1], dog);
        QCOMPARE(c.chunks[1].multipliers[1], 1.1f);
        QCOMPARE(c.chunks[1].ids[11], text::ClipTokenizer::kEosId);
        // ... but not when the comma is more than 20 tokens back.
        c = text::chunkPrompt(tok, parse(repeatWord("cat", 40) + ", " + repeatWord("dog", 40)));
        QCOMPARE(c.chunks[0].ids[75], dog);
    }

    void conditioningOfTheTinyModel() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto conditioner =
            text::TextConditioner::loadPath(reference / "models" / "tiny-sd15" / "diffusers");
        // Emphasis keeps each chunk's mean and changes the weighted tokens.
        const auto plain = conditioner.encode("a red cat").context;
        const auto weighted = conditioner.encode("a (red:1.5) cat").context;
        QVERIFY(std::abs(plain.mean().item<double>() - weighted.mean().item<double>()) < 1e-6);
        QVERIFY(test::maxAbsDiff(plain, weighted) > 1e-3);
        // Plain mode takes the brackets literally.
        QVERIFY(test::maxAbsDiff(conditioner.encode("a (red:1.5) cat", {true, 1}).context, weighted) > 1e-3);
        // Negative padded to the positive's chunk count with encoded empty chunks.
        const auto r = conditioner.encodePrompts(repeatWord("cat", 100) + " <lora:style:0.5>", "blurry", 4);
        QCOMPARE(r.loras, (std::vector<text::LoraTag>{{"style", 0.5, 0.5}}));
        QCOMPARE(r.positive[0].conditioning.chunks(), int64_t(2));
        QCOMPARE(r.negative[0].conditioning.chunks(), int64_t(2));
        const auto empty = conditioner.encode("").context;
        QCOMPARE(test::maxAbsDiff(r.negative[0].conditioning.context.slice(1, 77, 154), empty), 0.0);
        QCOMPARE(test::maxAbsDiff(r.negative[0].conditioning.context.slice(1, 0, 77),
                                  conditioner.encode("blurry").context),
                 0.0);
        // Scheduled prompts: one entry per switch, all with the same chunk count.
        const auto s = conditioner.encodePrompts("a [dog:cat:2] BREAK x", "", 4);
        QCOMPARE(s.positive.size(), size_t(2));
        QCOMPARE(s.positive[0].text, std::string("a dog BREAK x"));
        QCOMPARE(s.positiveAt(0).chunks(), int64_t(2));
        QCOMPARE(s.negativeAt(3).chunks(), int64_t(2));
        QVERIFY(test::maxAbsDiff(s.positiveAt(2).context, s.positiveAt(3).context) > 1e-4);
        // Parser problems come back as warnings, never as exceptions.
        QVERIFY(!conditioner.encodePrompts("(unclosed", "", 4).warnings.empty());
    }

    // A1111 "Original" emphasis: each chunk's z is multiplied by its token weights, then rescaled so that its
    // mean equals the unweighted chunk's mean. The tiny model's final layer norm has the default weight 1 and
    // bias 0, so every token's mean is ~0 (chunk means ~1e-8) and the rescaling changes nothing visible. Here
    // that norm's bias is raised by 2..3 and its weight spread over 0.5..2.5, so that chunk means are ~2.5
    // and tokens differ in mean, and the conditioning is checked against the formula evaluated here in
    // double precision.
    void emphasisRestoresEachChunkMean() {
        GESSO_REQUIRE_REFERENCE(reference);
        model::LoadOptions options;
        options.textEncodersOnly = true;
        auto checkpoint = model::loadCheckpoint(reference / "models" / "tiny-sd15" / "diffusers", options);
        QCOMPARE(checkpoint.textEncoders.size(), size_t(1));
        auto& weights = checkpoint.textEncoders[0].weights;
        const auto bias = weights.find("text_model.final_layer_norm.bias");
        const auto gain = weights.find("text_model.final_layer_norm.weight");
        QVERIFY(bias != weights.end() && gain != weights.end());
        const auto ramp = torch::linspace(0, 1, bias->second.numel()).to(bias->second.dtype());
        bias->second = bias->second + 2 + ramp;
        gain->second = gain->second * (0.5 + 2 * ramp);
        text::TokenizerSearch search;
        search.explicitDir = reference / "tokenizer" / "clip";
        const auto conditioner = text::TextConditioner::load(checkpoint, search);

        const std::string prompt =
            "a (red cat:1.6), [[dark]] night BREAK (green:0.5) (tall tree:1.4) on a hill";
        const auto chunks = text::chunkPrompt(conditioner.tokenizer(), parse(prompt)).chunks;
        QCOMPARE(chunks.size(), size_t(2));
        auto ids = torch::empty({2, 77}, torch::kLong);
        auto weightsPerToken = torch::empty({2, 77}, torch::kFloat64);
        for (int64_t r = 0; r < 2; ++r)
            for (int64_t k = 0; k < 77; ++k) {
                ids[r][k] = chunks[size_t(r)].ids[size_t(k)];
                weightsPerToken[r][k] = double(chunks[size_t(r)].multipliers[size_t(k)]);
            }
        // Unweighted z per chunk (no multipliers: no emphasis), in double.
        const auto z =
            conditioner.encodeWindows(ids, {}, {}, 1).context.reshape({2, 77, -1}).to(torch::kFloat64);
        std::vector<torch::Tensor> expectedChunks, unrestoredChunks;
        for (int64_t r = 0; r < 2; ++r) {
            const auto zc = z[r];
            const auto weighted = zc * weightsPerToken[r].unsqueeze(1);
            const double originalMean = zc.mean().item<double>(),
                         weightedMean = weighted.mean().item<double>();
            std::printf("chunk %lld: mean %.6f, weighted mean %.6f, rescale %.6f\n",
                        static_cast<long long>(r), originalMean, weightedMean, originalMean / weightedMean);
            QVERIFY2(originalMean > 1, "the shifted bias should move the chunk mean far from zero");
            expectedChunks.push_back(weighted * (originalMean / weightedMean));
            unrestoredChunks.push_back(weighted);
        }
        const auto expected = torch::stack(expectedChunks).reshape({1, 2 * 77, -1});
        const auto unrestored = torch::stack(unrestoredChunks).reshape({1, 2 * 77, -1});
        const auto ours = conditioner.encode(prompt).context;
        const double limit = test::componentTolerance(expected);
        QVERIFY(test::reportCase("tiny-sd15 (final_layer_norm shifted)", "emphasis vs formula",
                                 test::maxAbsDiff(ours, expected), limit));
        // The rescaling is large here: leaving it out, or taking one mean over both chunks, is far off.
        const auto oneMean = unrestored * (z.mean() / unrestored.mean());
        std::printf("without the mean restoration max|diff| = %.3g, with one mean for both chunks %.3g\n",
                    test::maxAbsDiff(ours, unrestored), test::maxAbsDiff(ours, oneMean));
        QVERIFY(test::maxAbsDiff(ours, unrestored) > 10 * limit);
        QVERIFY(test::maxAbsDiff(ours, oneMean) > 10 * limit);
    }
};

QTEST_GUILESS_MAIN(TestPromptSyntaxUnit)
#include "test_prompt_syntax_unit.moc"
