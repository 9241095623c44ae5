#include "tests/io/hostile_cases.h"

#include "core/io/safetensors.h"
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"
#include "tests/io/torch_zip_builder.h"

#include <cstdio>
#include <fstream>

namespace gesso::test {

namespace {

std::string safetensorsImage(const std::string& header, size_t dataBytes, uint64_t declared = ~uint64_t(0)) {
    std::string out;
    const uint64_t n = declared == ~uint64_t(0) ? header.size() : declared;
    for (int i = 0; i < 8; ++i)
        out.push_back(char(n >> (8 * i)));
    return out + header + std::string(dataBytes, '\0');
}

void parse(const std::string& image) {
    io::parseSafetensorsHeader(reinterpret_cast<const uint8_t*>(image.data()), image.size(), "hostile");
}

// A storage loader that returns zero tensors for any request (checks only the pickle logic).
io::StorageLoader zeroStorages() {
    return [](const std::string&, torch::ScalarType dtype, int64_t numel) {
        if (numel > (int64_t(1) << 24)) throw Error("test storage too large");
        return torch::zeros({numel}, torch::TensorOptions().dtype(dtype));
    };
}

void unpickle(const std::string& pickle) {
    io::unpickleStateDict(reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size(), zeroStorages(),
                          "hostile.pkl");
}

void loadZip(const std::string& zip) {
    io::loadTorchStateDictFromMemory(reinterpret_cast<const uint8_t*>(zip.data()), zip.size(),
                                     "hostile.ckpt");
}

std::string oneTensorPickle(int64_t numel, int64_t offset, std::vector<int64_t> sizes,
                            std::vector<int64_t> strides) {
    PickleWriter p;
    p.raw("\x80\x02")
        .emptyOrderedDict()
        .op('(')
        .str("w")
        .tensor("FloatStorage", "0", numel, offset, sizes, strides);
    p.op('u').op('.');
    return p.bytes();
}

std::string torchZip(const std::string& pickle, const std::string& storage,
                     const std::filesystem::path& scratch) {
    return makeZip(
        {{"archive/data.pkl", pickle}, {"archive/data/0", storage}, {"archive/byteorder", "little"}},
        scratch / "hostile.zip");
}

// Patches every 32-bit "uncompressed size" (and compressed size) of the central directory to `value`.
std::string patchCentralSizes(std::string zip, uint32_t value) {
    for (size_t i = 0; i + 46 <= zip.size(); ++i) {
        if (zip.compare(i, 4, "PK\x01\x02") != 0) continue;
        for (size_t field : {size_t(20), size_t(24)})
            for (int b = 0; b < 4; ++b)
                zip[i + field + b] = char(value >> (8 * b));
    }
    return zip;
}

} // namespace

std::vector<HostileCase> hostileCases(const std::filesystem::path& scratch) {
    std::vector<HostileCase> cases;
    const std::string good = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    // --- safetensors headers ---
    cases.push_back({"safetensors: header length past EOF",
                     [=] { parse(safetensorsImage(good, 8, 1u << 20)); }, "past the end"});
    cases.push_back({"safetensors: huge header length",
                     [=] { parse(safetensorsImage(good, 8, ~uint64_t(0) - 1)); }, "exceeds"});
    cases.push_back(
        {"safetensors: offsets past EOF",
         [] { parse(safetensorsImage(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8)); },
         "past the end"});
    cases.push_back({"safetensors: overlapping tensors",
                     [] {
                         parse(safetensorsImage(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                                12));
                     },
                     "overlap"});
    cases.push_back(
        {"safetensors: shape product overflow",
         [] {
             parse(safetensorsImage(
                 R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8));
         },
         "overflow"});
    cases.push_back(
        {"safetensors: wrong dtype size",
         [] { parse(safetensorsImage(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})", 8)); },
         "needs"});
    cases.push_back(
        {"safetensors: invalid JSON", [] { parse(safetensorsImage(R"({"a":{"dtype":)", 8)); }, "JSON"});
    cases.push_back(
        {"safetensors: non-UTF-8 JSON", [] { parse(safetensorsImage("{\"\xff\xfe\":1}", 8)); }, "JSON"});
    cases.push_back({"safetensors: duplicate name",
                     [] {
                         parse(safetensorsImage(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                                                R"("a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})",
                                                0));
                     },
                     "twice"});
    // --- pickles ---
    cases.push_back(
        {"pickle: os.system",
         [] {
             PickleWriter p;
             p.raw("\x80\x02").global("os", "system").str("echo pwned").op(char(0x85)).op('R').op('.');
             unpickle(p.bytes());
         },
         "unsafe pickle: refuses global os.system"});
    cases.push_back(
        {"pickle: builtins.eval via STACK_GLOBAL",
         [] {
             PickleWriter p;
             p.raw("\x80\x04").raw("\x8c\x08").raw("builtins").raw("\x8c\x04").raw("eval").op(char(0x93));
             p.str("1").op(char(0x85)).op('R').op('.');
             unpickle(p.bytes());
         },
         "unsafe pickle: refuses global builtins.eval"});
    cases.push_back({"pickle: unknown opcode", [] { unpickle(std::string("\x80\x02\xff", 3)); },
                     "unsupported pickle opcode"});
    cases.push_back({"pickle: truncated", [] { unpickle(oneTensorPickle(4, 0, {4}, {1}).substr(0, 60)); },
                     "unexpectedly"});
    cases.push_back({"pickle: empty", [] { unpickle(std::string()); }, "unexpectedly"});
    cases.push_back({"pickle: deep nesting",
                     [] {
                         std::string p = "\x80\x02)";
                         p += std::string(100000, char(0x85));
                         p += ".";
                         unpickle(p);
                     },
                     "too deeply"});
    cases.push_back({"pickle: list inside itself",
                     [] {
                         unpickle(std::string("\x80\x02]q\x00h\x00"
                                              "a.",
                                              9));
                     },
                     "inside itself"});
    cases.push_back({"pickle: storage offset out of range", [] { unpickle(oneTensorPickle(4, 3, {2}, {1})); },
                     "reaches element"});
    cases.push_back({"pickle: stride out of range",
                     [] {
                         unpickle(oneTensorPickle(4, 0, {2, 2}, {4, 1}));
                     },
                     "reaches element"});
    cases.push_back({"pickle: size x stride overflow",
                     [] {
                         unpickle(oneTensorPickle(4, 0, {int64_t(1) << 62, 4}, {int64_t(1) << 62, 1}));
                     },
                     "overflow"});
    cases.push_back(
        {"pickle: negative size", [] { unpickle(oneTensorPickle(4, 0, {-2}, {1})); }, "negative"});
    cases.push_back({"pickle: stack underflow", [] { unpickle(std::string("\x80\x02R.", 4)); }, "underflow"});
    cases.push_back({"pickle: memo miss", [] { unpickle(std::string("\x80\x02h\x07.", 5)); }, "memo"});
    cases.push_back({"pickle: not a dict", [] { unpickle(std::string("\x80\x02N.", 4)); }, "state dict"});
    // --- zip containers ---
    cases.push_back({"zip: storage larger than its entry",
                     [scratch] {
                         loadZip(torchZip(oneTensorPickle(int64_t(1) << 40, 0, {4}, {1}),
                                          std::string(16, '\0'), scratch));
                     },
                     "needs"});
    cases.push_back(
        {"zip: huge declared sizes",
         [scratch] {
             loadZip(patchCentralSizes(
                 torchZip(oneTensorPickle(4, 0, {4}, {1}), std::string(16, '\0'), scratch), 0xFFFFFFF0u));
         },
         "cannot read PyTorch checkpoint"});
    cases.push_back({"zip: truncated",
                     [scratch] {
                         const std::string zip =
                             torchZip(oneTensorPickle(4, 0, {4}, {1}), std::string(16, '\0'), scratch);
                         loadZip(zip.substr(0, zip.size() / 2));
                     },
                     "cannot read PyTorch checkpoint"});
    cases.push_back({"zip: no data.pkl",
                     [scratch] {
                         loadZip(makeZip({{"archive/other", "x"}}, scratch / "hostile.zip"));
                     },
                     "no data.pkl"});
    cases.push_back({"zip: storage key with a path",
                     [scratch] {
                         PickleWriter p;
                         p.raw("\x80\x02")
                             .emptyOrderedDict()
                             .op('(')
                             .str("w")
                             .tensor("FloatStorage", "../0", 4, 0, {4}, {1});
                         p.op('u').op('.');
                         loadZip(torchZip(p.bytes(), std::string(16, '\0'), scratch));
                     },
                     "not a plain name"});
    cases.push_back({"zip: not a zip at all", [] { loadZip("this is not a zip archive, just text"); },
                     "not a valid zip"});
    cases.push_back({"file: legacy torch format",
                     [scratch] {
                         const auto path = scratch / "legacy.ckpt";
                         std::ofstream(path, std::ios::binary)
                             << std::string("\x80\x02\x8a\x0a", 4) << std::string(64, 'x');
                         io::loadTorchStateDict(path);
                     },
                     "convert it to safetensors"});
    return cases;
}

int runHostileCases(const std::filesystem::path& scratch) {
    int failures = 0;
    for (const auto& c : hostileCases(scratch)) {
        std::string message;
        bool threw = false;
        try {
            c.run();
        } catch (const Error& e) {
            threw = true;
            message = e.what();
        } catch (const std::exception& e) {
            message = std::string("wrong exception type: ") + e.what();
        }
        const bool ok = threw && message.find(c.expected) != std::string::npos;
        std::printf("%s %s: %s\n", ok ? "ok  " : "FAIL", c.name.c_str(),
                    threw ? message.c_str() : "(no error)");
        if (!ok) ++failures;
    }
    return failures;
}

} // namespace gesso::test
