// Textual-inversion embedding files and their library: every format users download (the reference files and
// diffusers' learned_embeds.bin built here), hostile files refused with gesso::Error, the library's listing,
// lazy loading and cache, the webui's matching and chunking rules beyond the goldens (longest name first,
// a skipped width falls back to a shorter name, a 75-vector embedding, the comma backtrack), and the text
// encoders' live parameters for the LoRA patcher.
#include "core/io/safetensors.h"
#include "core/runtime/error.h"
#include "core/text/conditioner.h"
#include "core/text/embedding_file.h"
#include "core/text/embedding_library.h"
#include "tests/common/reference.h"
#include "tests/io/torch_zip_builder.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeVectors(const fs::path& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
    io::writeSafetensors(path, tensors);
}

torch::Tensor randomVectors(int64_t n, int64_t width, int seed) {
    auto g = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
    return torch::randn({n, width}, g) * 0.05;
}

// The error readEmbeddingFile throws for `path`, or "" when it loads.
std::string readError(const fs::path& path) {
    try {
        text::readEmbeddingFile(path);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

int fixCount(const text::PromptTokens& tokens) {
    int n = 0;
    for (const auto& c : tokens.chunks.chunks)
        n += static_cast<int>(c.fixes.size());
    return n;
}

} // namespace

class TestEmbeddingFiles : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        const auto reference = test::referenceDir();
        if (!reference) {
            if (test::runningInCi()) QFAIL(test::missingReferenceMessage().c_str());
            QSKIP(test::missingReferenceMessage().c_str());
        }
        m_reference = *reference;
        QVERIFY(m_scratch.isValid());
        m_dir = m_scratch.path().toStdString();
    }

    void readsEveryReferenceFormat() {
        const auto folder = m_reference / "embeddings";
        const auto index = nlohmann::json::parse(readBytes(folder / "index.json"));
        QVERIFY(!index.at("files").empty());
        for (const auto& [file, info] : index.at("files").items()) {
            const auto v = text::readEmbeddingFile(folder / file);
            QCOMPARE(v.count(), info.at("n").get<int64_t>());
            if (info.contains("width_l")) {
                QVERIFY2(v.isPair(), file.c_str());
                QCOMPARE(v.clipL.size(1), info.at("width_l").get<int64_t>());
                QCOMPARE(v.clipG.size(1), info.at("width_g").get<int64_t>());
            } else {
                QVERIFY2(!v.isPair(), file.c_str());
                QCOMPARE(v.width(), info.at("width").get<int64_t>());
            }
        }
    }

    void readsDiffusersConcepts() {
        // diffusers' learned_embeds.bin: {token: [W]} (one vector) or {token: [n, W]}, a torch.save zip.
        const auto one = randomVectors(1, 32, 1).reshape({32});
        const auto bin = m_dir / "learned_embeds.bin";
        writeBytes(bin, test::makeTorchCheckpoint({{"<cat-toy>", one.contiguous()}}, false, m_dir / "zip1"));
        auto v = text::readEmbeddingFile(bin);
        QCOMPARE(v.count(), int64_t(1));
        QVERIFY(torch::equal(v.vectors[0], one));
        const auto three = randomVectors(3, 32, 2);
        writeBytes(bin, test::makeTorchCheckpoint({{"<cat-toy>", three}}, false, m_dir / "zip2"));
        v = text::readEmbeddingFile(bin);
        QCOMPARE(v.count(), int64_t(3));
        QVERIFY(torch::equal(v.vectors, three));
    }

    void refusesHostileFiles() {
        struct Case {
            std::string name;
            std::function<void(const fs::path&)> write;
            std::string expected; // part of the message
        };
        std::vector<Case> cases;
        const auto refFolder = m_reference / "embeddings";
        for (const auto& entry : fs::directory_iterator(refFolder)) {
            if (entry.path().extension() == ".json") continue;
            const auto bytes = readBytes(entry.path());
            for (size_t length : {size_t(0), size_t(8), bytes.size() / 2, bytes.size() - 1})
                cases.push_back(
                    {entry.path().filename().string() + " truncated to " + std::to_string(length),
                     [bytes, length](const fs::path& p) { writeBytes(p, bytes.substr(0, length)); }, ""});
        }
        cases.push_back({"garbage", [](const fs::path& p) { writeBytes(p, std::string(1000, '\x5a')); }, ""});
        cases.push_back({"thousands of vectors",
                         [](const fs::path& p) {
                             writeVectors(p, {{"emb_params", torch::zeros({5000, 32})}});
                         },
                         "5000 vectors"});
        cases.push_back({"huge width",
                         [](const fs::path& p) {
                             writeVectors(p, {{"emb_params", torch::zeros({1, 9000})}});
                         },
                         "width 9000"});
        cases.push_back(
            {"huge claimed shape",
             [](const fs::path& p) {
                 const std::string header =
                     R"({"emb_params":{"dtype":"F32","shape":[100000000,768],"data_offsets":[0,128]}})";
                 std::string image;
                 for (int i = 0; i < 8; ++i)
                     image.push_back(char(uint64_t(header.size()) >> (8 * i)));
                 writeBytes(p, image + header + std::string(128, '\0'));
             },
             ""});
        cases.push_back({"file over the size bound",
                         [](const fs::path& p) {
                             writeVectors(p, {{"emb_params", torch::zeros({2, 32})}});
                             fs::resize_file(p, text::kMaxEmbeddingFileBytes + 1); // sparse
                         },
                         "MiB"});
        cases.push_back(
            {"pickle with a forbidden global",
             [this](const fs::path& p) {
                 test::PickleWriter w;
                 w.raw("\x80\x02").global("os", "system").str("touch pwned").op('\x85').op('R').op('.');
                 writeBytes(p,
                            test::makeZip({{"archive/data.pkl", w.bytes()}, {"archive/byteorder", "little"}},
                                          m_dir / "zip3"));
             },
             "unsafe pickle"});
        cases.push_back(
            {"two entries in string_to_param",
             [this](const fs::path& p) {
                 writeBytes(p, test::makeTorchCheckpoint({{"string_to_param.*", randomVectors(2, 32, 3)},
                                                          {"string_to_param.#", randomVectors(2, 32, 4)}},
                                                         false, m_dir / "zip4"));
             },
             "2 entries"});
        cases.push_back({"integer vectors",
                         [](const fs::path& p) {
                             writeVectors(p, {{"emb_params", torch::zeros({2, 32}, torch::kLong)}});
                         },
                         "floating-point"});
        cases.push_back({"NaN vectors",
                         [](const fs::path& p) {
                             writeVectors(p, {{"emb_params", torch::full({2, 32}, std::nan(""))}});
                         },
                         "NaN"});
        cases.push_back({"3-D tensor",
                         [](const fs::path& p) {
                             writeVectors(p, {{"emb_params", torch::zeros({2, 3, 32})}});
                         },
                         "shape"});
        cases.push_back({"two unrelated tensors",
                         [](const fs::path& p) {
                             writeVectors(p, {{"a", torch::zeros({2, 32})}, {"b", torch::zeros({2, 32})}});
                         },
                         "not a textual-inversion embedding"});
        cases.push_back(
            {"SDXL pair with different counts",
             [](const fs::path& p) {
                 writeVectors(p, {{"clip_l", torch::zeros({2, 32})}, {"clip_g", torch::zeros({3, 32})}});
             },
             "clip_g vectors"});
        cases.push_back(
            {"legacy torch pickle",
             [](const fs::path& p) { writeBytes(p, std::string("\x80\x02\x8a\x0a", 4) + "junk"); },
             "legacy"});
        int index = 0;
        for (const auto& c : cases) {
            const auto path = m_dir / ("hostile" + std::to_string(index++) + ".safetensors");
            c.write(path);
            const auto error = readError(path);
            QVERIFY2(!error.empty(), ("accepted: " + c.name).c_str());
            std::printf("%s -> %s\n", c.name.c_str(), error.c_str());
            QVERIFY2(error.find(path.string()) != std::string::npos,
                     ("the message does not name the file: " + c.name + ": " + error).c_str());
            QVERIFY2(error.find(c.expected) != std::string::npos,
                     (c.name + ": expected '" + c.expected + "' in: " + error).c_str());
            fs::remove(path);
        }
    }

    void libraryListsLazilyAndCaches() {
        const auto root = m_dir / "library";
        fs::create_directories(root / "a" / "b");
        fs::copy_file(m_reference / "embeddings" / "tinystyle.pt", root / "a" / "tinystyle.pt");
        fs::copy_file(m_reference / "embeddings" / "tinyneg.safetensors",
                      root / "a" / "b" / "NEG.SAFETENSORS");
        writeBytes(root / "a" / "empty.pt", "");            // A1111 skips empty files
        writeBytes(root / "notes.txt", "not an embedding"); // other extensions are not embeddings
        writeBytes(root / "broken.safetensors", "garbage"); // listed; fails only when used
        const auto lib = std::make_shared<text::EmbeddingLibrary>(std::vector<fs::path>{root});
        QCOMPARE(lib->names(), (std::vector<std::string>{"NEG", "broken", "tinystyle"}));
        QCOMPARE(lib->file("neg").value(), root / "a" / "b" / "NEG.SAFETENSORS");
        QVERIFY(!lib->file("missing"));
        QVERIFY_THROWS_EXCEPTION(Error, lib->load("broken"));
        QVERIFY_THROWS_EXCEPTION(Error, lib->load("missing"));

        const auto first = lib->load("tinystyle");
        QCOMPARE(first->vectors.count(), int64_t(3));
        QCOMPARE(lib->load("tinystyle").get(), first.get()); // cached
        // Another library over the same file shares the cache.
        QCOMPARE(text::EmbeddingLibrary({root / "a" / "tinystyle.pt"}).load("tinystyle").get(), first.get());

        // A changed file is read again.
        writeVectors(root / "a" / "tinystyle.pt", {{"emb_params", randomVectors(4, 32, 5)}});
        fs::last_write_time(root / "a" / "tinystyle.pt",
                            fs::last_write_time(root / "a" / "tinystyle.pt") + std::chrono::seconds(5));
        const auto changed = lib->load("tinystyle");
        QCOMPARE(changed->vectors.count(), int64_t(4));

        // A later folder's file of the same stem replaces the earlier one (the webui's later registration).
        fs::create_directories(m_dir / "override");
        writeVectors(m_dir / "override" / "tinystyle.safetensors", {{"emb_params", randomVectors(5, 32, 6)}});
        const text::EmbeddingLibrary both({root, m_dir / "override"});
        QCOMPARE(both.file("tinystyle").value(), m_dir / "override" / "tinystyle.safetensors");

        // Several threads listing and loading at once.
        std::atomic<int> bad{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 50; ++i) {
                    bad += lib->names().size() != 3;
                    bad += lib->load("NEG")->vectors.count() != 2;
                }
            });
        for (auto& t : threads)
            t.join();
        QCOMPARE(bad.load(), 0);
    }

    void matchesLongestNameAndFallsBack() {
        const auto& sd1 = conditioner("tiny-sd15");
        const auto root = m_dir / "longest";
        fs::create_directories(root / "wide");
        writeVectors(root / "style.safetensors", {{"emb_params", randomVectors(2, 32, 7)}});
        writeVectors(root / "style-two.safetensors", {{"emb_params", randomVectors(4, 32, 8)}});
        text::EncodeOptions options;
        options.embeddings = std::make_shared<text::EmbeddingLibrary>(std::vector<fs::path>{root});
        QVERIFY(sd1.tokenizer().encode("style-two").size() > sd1.tokenizer().encode("style").size());

        auto tokens = sd1.tokenizePrompt("a style-two b", options);
        QCOMPARE(fixCount(tokens), 1);
        QCOMPARE(tokens.chunks.chunks[0].fixes[0].name, std::string("style-two"));
        QCOMPARE(tokens.chunks.chunks[0].fixes[0].vectors(), 4);
        tokens = sd1.tokenizePrompt("a style two b", options);
        QCOMPARE(fixCount(tokens), 1);
        QCOMPARE(tokens.chunks.chunks[0].fixes[0].name, std::string("style"));

        // The longer name's file has the wrong width: the webui never registered it, so the shorter name
        // matches and "-two" stays text; a warning names the file and both widths.
        writeVectors(root / "wide" / "style-two.safetensors", {{"emb_params", randomVectors(4, 64, 9)}});
        options.embeddings = std::make_shared<text::EmbeddingLibrary>(
            std::vector<fs::path>{root / "style.safetensors", root / "wide"});
        tokens = sd1.tokenizePrompt("a style-two b", options);
        QCOMPARE(fixCount(tokens), 1);
        QCOMPARE(tokens.chunks.chunks[0].fixes[0].name, std::string("style"));
        const auto plainTail = sd1.tokenizer().encode("-two b");
        for (size_t k = 0; k < plainTail.size(); ++k)
            QCOMPARE(tokens.chunks.chunks[0].ids[2 + 2 + k], plainTail[k]); // BOS, "a", 2 vectors
        bool warned = false;
        for (const auto& w : tokens.warnings)
            warned |= w.find((root / "wide" / "style-two.safetensors").string()) != std::string::npos &&
                      w.find("64") != std::string::npos && w.find("32") != std::string::npos;
        QVERIFY2(warned, "no warning naming the file and both widths");
        QCOMPARE(tokens.embeddings.size(), size_t(1));
        QCOMPARE(tokens.embeddings[0].name, std::string("style"));
    }

    void placesWholeEmbeddingsInChunks() {
        const auto& sd1 = conditioner("tiny-sd15");
        const auto root = m_dir / "chunks";
        fs::create_directories(root);
        const auto big = randomVectors(text::kMaxEmbeddingVectors, 32, 10);
        writeVectors(root / "big.safetensors", {{"emb_params", big}});
        writeVectors(root / "pair.safetensors", {{"emb_params", randomVectors(2, 32, 11)}});
        text::EncodeOptions options;
        options.embeddings = std::make_shared<text::EmbeddingLibrary>(std::vector<fs::path>{root});

        // 75 vectors never fit after a token: the chunk is closed and the embedding fills the next one.
        auto tokens = sd1.tokenizePrompt("a big", options);
        QCOMPARE(tokens.chunks.chunks.size(), size_t(2));
        QCOMPARE(tokens.chunks.chunks[1].fixes.size(), size_t(1));
        QCOMPARE(tokens.chunks.chunks[1].fixes[0].offset, 0);
        for (int k = 1; k <= 75; ++k)
            QCOMPARE(tokens.chunks.chunks[1].ids[k], int64_t(0));
        const auto embeds = sd1.inputsEmbeds(tokens, 0).cpu();
        QVERIFY(torch::equal(embeds[1].slice(0, 1, 76), big));

        // The comma backtrack moves ids but not fixes, as the webui's tokenize_line does: 60 words, a comma,
        // a 2-vector embedding (positions 61, 62) and 20 words; at the 76th token the chunk backtracks to the
        // comma.
        std::string prompt;
        for (int i = 0; i < 60; ++i)
            prompt += "cat ";
        prompt += ", pair";
        for (int i = 0; i < 20; ++i)
            prompt += " dog";
        tokens = sd1.tokenizePrompt(prompt, options);
        QCOMPARE(tokens.chunks.chunks.size(), size_t(2));
        const auto& closed = tokens.chunks.chunks[0];
        QCOMPARE(closed.fixes.size(), size_t(1));
        QCOMPARE(closed.fixes[0].offset, 61);
        QCOMPARE(closed.ids[62], sd1.tokenizer().eosId()); // padding, overwritten by the vectors
        QCOMPARE(tokens.chunks.chunks[1].fixes.size(), size_t(0));
        QCOMPARE(tokens.chunks.chunks[1].ids[1], int64_t(0));
        QCOMPARE(tokens.chunks.chunks[1].ids[2], int64_t(0));
        const auto shifted = sd1.inputsEmbeds(tokens, 0).cpu();
        QVERIFY(torch::equal(shifted[0].slice(0, 62, 64), options.embeddings->load("pair")->vectors.vectors));

        // Plain (diffusers) mode knows no embeddings.
        const auto plain = sd1.encodePrompts("a pair", "", 1, [&] {
            auto o = options;
            o.plainPrompt = true;
            return o;
        }());
        QVERIFY(plain.embeddings.empty());
    }

    void encodePromptsReportsBothPrompts() {
        const auto& sd1 = conditioner("tiny-sd15");
        text::EncodeOptions options;
        options.embeddings =
            std::make_shared<text::EmbeddingLibrary>(std::vector<fs::path>{m_reference / "embeddings"});
        const auto result = sd1.encodePrompts("a [tinystyle:cat:3] photo", "tinyneg, tinyxl-emb", 6, options);
        std::set<std::string> names;
        for (const auto& u : result.embeddings)
            names.insert(u.name);
        QCOMPARE(names, (std::set<std::string>{"tinyneg", "tinystyle"}));
        bool warned = false;
        for (const auto& w : result.warnings)
            warned |= w.find("tinyxl-emb") != std::string::npos;
        QVERIFY2(warned, "no warning for the SDXL embedding on an SD1 model");
        // The embedding changes the conditioning (the same words without the library differ).
        const auto without = sd1.encodePrompts("a [tinystyle:cat:3] photo", "tinyneg, tinyxl-emb", 6);
        QVERIFY(
            !torch::equal(without.positive[0].conditioning.context, result.positive[0].conditioning.context));
        QVERIFY(torch::equal(without.positive.back().conditioning.context,
                             result.positive.back().conditioning.context)); // "cat" after step 3
    }

    void exposesLiveParameters() {
        const auto& sd1 = conditioner("tiny-sd15");
        auto params = sd1.parameters();
        QVERIFY(!params.empty());
        for (const auto& [key, tensor] : params)
            QVERIFY2(key.rfind("text_encoder.text_model.", 0) == 0, key.c_str());
        QVERIFY(sd1.openClipEncoders().empty());
        const std::string token = "text_encoder.text_model.embeddings.token_embedding.weight";
        QVERIFY(params.count(token));
        const auto before = sd1.encode("a photo").context.clone();
        const auto original = params[token].clone();
        {
            torch::NoGradGuard noGrad;
            params[token].mul_(2.0);
        }
        QVERIFY(!torch::equal(sd1.encode("a photo").context, before)); // the encoder uses these very tensors
        {
            torch::NoGradGuard noGrad;
            params[token].copy_(original);
        }
        QVERIFY(torch::equal(sd1.encode("a photo").context, before));

        const auto& xl = conditioner("tiny-sdxl");
        bool te1 = false, te2 = false;
        for (const auto& [key, tensor] : xl.parameters()) {
            te1 |= key.rfind("text_encoder.text_model.", 0) == 0;
            te2 |= key.rfind("text_encoder_2.text_model.", 0) == 0 ||
                   key == "text_encoder_2.text_projection.weight";
        }
        QVERIFY(te1 && te2);
        QCOMPARE(xl.openClipEncoders(), (std::set<std::string>{"text_encoder_2"}));
        QCOMPARE(conditioner("tiny-sd2v").openClipEncoders(), (std::set<std::string>{"text_encoder"}));
    }

private:
    const text::TextConditioner& conditioner(const std::string& model) {
        if (!m_conditioners.count(model))
            m_conditioners.emplace(
                model, text::TextConditioner::loadPath(m_reference / "models" / model / "diffusers"));
        return m_conditioners.at(model);
    }

    fs::path m_reference;
    QTemporaryDir m_scratch;
    fs::path m_dir;
    std::map<std::string, text::TextConditioner> m_conditioners;
};

QTEST_GUILESS_MAIN(TestEmbeddingFiles)
#include "test_embedding_files.moc"
