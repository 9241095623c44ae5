// Parity of the CLIP tokenizer with transformers' slow CLIPTokenizer (golden/tokenizer/*), plus the
// vocabulary lookup rules and the edge cases the golden prompts do not reach.
#include "core/runtime/error.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/text_cleaner.h"
#include "core/text/tokenizer_location.h"
#include "tests/common/reference.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstdlib>

using namespace gesso;

namespace {

std::vector<int64_t> row(const torch::Tensor& t, int64_t r) {
    auto c = t[r].contiguous();
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

int mismatches(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    if (a.size() != b.size()) return static_cast<int>(std::max(a.size(), b.size()));
    int n = 0;
    for (size_t i = 0; i < a.size(); ++i)
        n += a[i] != b[i];
    return n;
}

} // namespace

class TestTextTokenizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void goldenIdsAreExact() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto cases = test::findCaseFiles(reference, "golden/tokenizer");
        QVERIFY2(!cases.empty(), "no golden/tokenizer cases found");
        const auto vocab = reference / "tokenizer" / "clip";
        const auto plain1 = text::ClipTokenizer::load(vocab, text::ClipTokenizerOptions::clipL());
        const auto plain2 = text::ClipTokenizer::load(vocab, text::ClipTokenizerOptions::sdxlSecond());
        // Every diffusers tokenizer folder of the tiny models must agree with the matching plain one.
        std::vector<std::pair<std::string, text::ClipTokenizer>> tokenizers{{"tokenizer", plain1},
                                                                            {"tokenizer_2", plain2}};
        for (const auto& entry : std::filesystem::directory_iterator(reference / "models")) {
            for (const char* name : {"tokenizer", "tokenizer_2"}) {
                const auto dir = entry.path() / "diffusers" / name;
                if (text::hasClipVocabulary(dir))
                    tokenizers.emplace_back(name, text::ClipTokenizer::load(dir));
            }
        }
        QVERIFY2(tokenizers.size() > 2, "no models/<m>/diffusers/tokenizer* folders found");
        bool ok = true;
        for (const auto& path : cases) {
            auto c = test::loadCase(reference, path);
            const auto prompts = c.meta.at("prompts");
            for (const auto& [name, tokenizer] : tokenizers) {
                const auto ids = c.tensor(name + ".input_ids");
                const auto lengths = c.tensor(name + ".untruncated_lengths");
                int bad = 0;
                for (size_t p = 0; p < prompts.size(); ++p) {
                    const auto text = prompts[p].get<std::string>();
                    bad += mismatches(tokenizer.window(text), row(ids, static_cast<int64_t>(p)));
                    bad += static_cast<int64_t>(tokenizer.encode(text).size() + 2) !=
                           lengths[static_cast<int64_t>(p)].item<int64_t>();
                    if (name == "tokenizer" && c.meta.contains("tokens")) {
                        const auto expected = c.meta["tokens"][p].get<std::vector<std::string>>();
                        bad += tokenizer.tokenize(text) != expected;
                    }
                }
                const auto label =
                    name + " (" + std::filesystem::relative(tokenizer.directory(), reference).string() + ")";
                ok &= test::reportCase(c.relative, label + " ids: mismatches", bad, 0);
            }
        }
        QVERIFY(ok);
    }

    void cleaningAndPreTokenisation() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto tok = text::ClipTokenizer::load(reference / "tokenizer" / "clip");
        // ftfy: curly quotes straight, HTML entities, whitespace collapsing, lower-casing.
        QCOMPARE(text::cleanPromptText("  \xe2\x80\x9cHello\xe2\x80\x9d  &amp;\tWORLD\n "),
                 std::string("\"hello\" & world"));
        QCOMPARE(tok.encode("\xe2\x80\x98it\xe2\x80\x99s\xe2\x80\x99"), tok.encode("'it's'"));
        QCOMPARE(tok.encode("Fish &amp; Chips"), tok.encode("fish & chips"));
        QCOMPARE(text::cleanPromptText("a <b> &amp;"),
                 std::string("a <b> &amp;")); // ftfy leaves HTML-looking text
        // Full-width letters and ligatures.
        QCOMPARE(tok.encode("\xef\xbc\xa1\xef\xbc\xa2"), tok.encode("ab"));
        QCOMPARE(tok.encode("\xef\xac\x81sh"), tok.encode("fish"));
        // Digits are single tokens; contractions split; punctuation runs stay together.
        QCOMPARE(tok.tokenize("2024"), (std::vector<std::string>{"2</w>", "0</w>", "2</w>", "4</w>"}));
        QCOMPARE(tok.tokenize("it's"), (std::vector<std::string>{"it</w>", "'s</w>"}));
        QCOMPARE(tok.tokenize("wow!!!"), (std::vector<std::string>{"wow</w>", "!!!</w>"}));
        // Non-ASCII letters are letters (byte-level BPE still gives ids for all of them).
        const auto accents = tok.encode("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
        QVERIFY(!accents.empty());
        for (auto id : accents)
            QVERIFY(id >= 0 && id < text::ClipTokenizer::kBosId);
        // Special tokens in the text map to their ids.
        QCOMPARE(tok.encode("a<|endoftext|>b"),
                 (std::vector<int64_t>{tok.encode("a")[0], 49407, tok.encode("b")[0]}));
    }

    void windowTruncatesAndPads() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto tok1 = text::ClipTokenizer::load(reference / "tokenizer" / "clip");
        const auto tok2 = text::ClipTokenizer::load(reference / "tokenizer" / "clip",
                                                    text::ClipTokenizerOptions::sdxlSecond());
        std::string longText;
        for (int i = 0; i < 100; ++i)
            longText += "cat ";
        const auto w = tok1.window(longText);
        QCOMPARE(w.size(), size_t(77));
        QCOMPARE(w.front(), int64_t(49406));
        QCOMPARE(w.back(), int64_t(49407));
        QCOMPARE(w[75], tok1.encode("cat")[0]);
        const auto e = tok2.window("");
        QCOMPARE(e[0], int64_t(49406));
        QCOMPARE(e[1], int64_t(49407));
        QCOMPARE(e[2], int64_t(0));
        QCOMPARE(tok1.window("")[2], int64_t(49407));
        QCOMPARE(tok1.commaId(), int64_t(267));
    }

    void missingVocabularyIsAClearError() {
        QTemporaryDir empty;
        const auto dir = std::filesystem::path(empty.path().toStdString());
        try {
            text::ClipTokenizer::load(dir);
            QFAIL("loading an empty folder must fail");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("vocab.json") != std::string::npos);
        }
        qputenv("GESSO_TOKENIZER_DIR", empty.path().toUtf8());
        try {
            text::findClipVocabulary(std::nullopt, {dir / "nowhere", std::nullopt});
            QFAIL("no vocabulary anywhere must fail");
        } catch (const Error& e) {
            const std::string msg = e.what();
            QVERIFY(msg.find("vocab.json") != std::string::npos);
            QVERIFY(msg.find("nowhere") != std::string::npos);
            QVERIFY(msg.find("GESSO_TOKENIZER_DIR") != std::string::npos);
        }
        qunsetenv("GESSO_TOKENIZER_DIR");
    }

    void searchOrder() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto vocab = reference / "tokenizer" / "clip";
        QTemporaryDir empty;
        const auto none = std::filesystem::path(empty.path().toStdString());
        // The model's folder wins; then --tokenizer-dir; then the environment; then the setting.
        QCOMPARE(text::findClipVocabulary(vocab, {none, none}), vocab);
        QCOMPARE(text::findClipVocabulary(std::nullopt, {vocab, none}), vocab);
        qputenv("GESSO_TOKENIZER_DIR", QByteArray::fromStdString(vocab.string()));
        QCOMPARE(text::findClipVocabulary(none, {none, none}), vocab);
        qunsetenv("GESSO_TOKENIZER_DIR");
        QCOMPARE(text::findClipVocabulary(none, {none, vocab}), vocab);
    }
};

QTEST_GUILESS_MAIN(TestTextTokenizer)
#include "test_text_tokenizer.moc"
