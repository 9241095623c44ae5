#include "core/upscale/upscaler_arch.h"

#include "core/runtime/error.h"

#include <cctype>
#include <cmath>
#include <functional>
#include <optional>
#include <regex>
#include <set>

namespace gesso::upscale {

namespace {

constexpr int64_t kMaxChannels = 4096;
constexpr int kMaxUpsampleConvs = 4; // x16
constexpr int64_t kMaxBlocks = 1000;

[[noreturn]] void refuse(const std::string& label, const std::string& problem) {
    throw Error("upscaler '" + label + "': " + problem);
}

bool has(const io::TensorMap& t, const std::string& key) {
    return t.count(key) != 0;
}

// The integer right after `prefix` in `name` (up to the next '.'), if `name` starts with `prefix`.
std::optional<int> indexAfter(const std::string& name, const std::string& prefix) {
    if (name.rfind(prefix, 0) != 0) return std::nullopt;
    size_t end = prefix.size();
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end])))
        ++end;
    if (end == prefix.size() || end - prefix.size() > 6 || (end < name.size() && name[end] != '.'))
        return std::nullopt;
    return std::stoi(name.substr(prefix.size(), end - prefix.size()));
}

// Distinct indices after `prefix`; they must run 0..n-1.
int countIndices(const io::TensorMap& t, const std::string& prefix, int first, const std::string& label) {
    std::set<int> indices;
    for (const auto& entry : t)
        if (auto i = indexAfter(entry.first, prefix)) indices.insert(*i);
    int expected = first;
    for (int i : indices)
        if (i != expected++) refuse(label, "'" + prefix + "N' indices are not consecutive");
    return int(indices.size());
}

int64_t integerSqrt(int64_t v) {
    if (v <= 0) return -1;
    const auto r = int64_t(std::llround(std::sqrt(double(v))));
    return r * r == v ? r : -1;
}

int64_t dim(const io::TensorMap& t, const std::string& key, int64_t d, const std::string& label) {
    auto it = t.find(key);
    if (it == t.end()) refuse(label, "missing tensor '" + key + "'");
    if (it->second.dim() <= d) refuse(label, "tensor '" + key + "' has too few dimensions");
    return it->second.size(d);
}

// Checks that the tensors named in `expected` have exactly those shapes and that nothing else is there.
class ShapeCheck {
public:
    ShapeCheck(const io::TensorMap& t, std::string label) : m_t(t), m_label(std::move(label)) {}
    void conv(const std::string& name, int64_t out, int64_t in) {
        tensor(name + ".weight", {out, in, 3, 3});
        tensor(name + ".bias", {out});
    }
    void tensor(const std::string& key, const std::vector<int64_t>& shape) {
        auto it = m_t.find(key);
        if (it == m_t.end()) refuse(m_label, "missing tensor '" + key + "'");
        if (it->second.sizes().vec() != shape)
            refuse(m_label, "tensor '" + key + "' has shape " + shapeText(it->second.sizes().vec()) +
                                ", expected " + shapeText(shape));
        m_seen.insert(key);
    }
    void noOthers() const {
        for (const auto& entry : m_t)
            if (!m_seen.count(entry.first))
                refuse(m_label, "unexpected tensor '" + entry.first + "' (a variant Gesso does not support)");
    }

private:
    static std::string shapeText(const std::vector<int64_t>& shape) {
        std::string s = "[";
        for (size_t i = 0; i < shape.size(); ++i)
            s += (i ? ", " : "") + std::to_string(shape[i]);
        return s + "]";
    }
    const io::TensorMap& m_t;
    std::string m_label;
    std::set<std::string> m_seen;
};

void checkChannels(int64_t value, const char* what, const std::string& label) {
    if (value < 1 || value > kMaxChannels)
        refuse(label, std::string(what) + " of " + std::to_string(value) + " is out of range");
}

// Renames the tensors of `in` with `rename` (empty result: an unexpected tensor).
io::TensorMap renamed(const io::TensorMap& in, const std::string& label,
                      const std::function<std::string(const std::string&)>& rename) {
    io::TensorMap out;
    for (const auto& [name, tensor] : in) {
        std::string to = rename(name);
        if (to.empty()) refuse(label, "unexpected tensor '" + name + "' (a variant Gesso does not support)");
        if (!out.emplace(std::move(to), tensor).second) refuse(label, "tensor '" + name + "' appears twice");
    }
    return out;
}

// "body.N.rdbK.convJ.<param>" from a match of (N, K, J, param).
std::string denseConvName(const std::smatch& m) {
    return "body." + m[1].str() + ".rdb" + m[2].str() + ".conv" + m[3].str() + "." + m[4].str();
}

// Original ESRGAN nn.Sequential: model.0, model.1.sub.N.RDBk.convj.0, model.1.sub.<nb>, upsampling convs at
// model.3, model.6, ..., then model.<3k+2> (HR conv) and model.<3k+4> (last conv).
io::TensorMap fromOldArch(const io::TensorMap& in, UpscalerArch& arch, const std::string& label) {
    int last = -1;
    for (const auto& entry : in)
        if (auto i = indexAfter(entry.first, "model.")) last = std::max(last, *i);
    const int n = last + 1;
    if (n < 5 || (n - 5) % 3 != 0)
        refuse(label, "old-arch ESRGAN with " + std::to_string(n) + " top-level layers");
    const int stages = (n - 5) / 3;
    if (stages > kMaxUpsampleConvs) refuse(label, "too many upsampling stages");
    arch.modelSequenceLength = n;
    const int trunk = countIndices(in, "model.1.sub.", 0, label) - 1;
    static const std::regex block(R"(model\.1\.sub\.(\d+)\.RDB([123])\.conv([1-5])\.0\.(weight|bias))");
    static const std::regex layer(R"(model\.(\d+)\.(weight|bias))");
    static const std::regex trunkConv(R"(model\.1\.sub\.(\d+)\.(weight|bias))");
    return renamed(in, label, [&](const std::string& name) -> std::string {
        std::smatch m;
        if (std::regex_match(name, m, block)) return denseConvName(m);
        if (std::regex_match(name, m, trunkConv))
            return std::stoi(m[1].str()) == trunk ? "conv_body." + m[2].str() : std::string();
        if (!std::regex_match(name, m, layer)) return {};
        const int k = std::stoi(m[1].str());
        const std::string param = "." + m[2].str();
        if (k == 0) return "conv_first" + param;
        if (k % 3 == 0 && k / 3 >= 1 && k / 3 <= stages) return "conv_up" + std::to_string(k / 3) + param;
        if (k == 3 * stages + 2) return "conv_hr" + param;
        if (k == 3 * stages + 4) return "conv_last" + param;
        return {};
    });
}

// ESRGAN 2019 / BSRGAN spelling: RRDB_trunk, trunk_conv, upconvK, HRconv.
io::TensorMap from2019(const io::TensorMap& in, const std::string& label) {
    static const std::regex block(R"(RRDB_trunk\.(\d+)\.RDB([123])\.conv([1-5])\.(weight|bias))");
    static const std::regex named(R"((conv_first|trunk_conv|upconv(\d)|HRconv|conv_last)\.(weight|bias))");
    return renamed(in, label, [&](const std::string& name) -> std::string {
        std::smatch m;
        if (std::regex_match(name, m, block)) return denseConvName(m);
        if (!std::regex_match(name, m, named)) return {};
        const std::string layer = m[1].str(), param = "." + m[3].str();
        if (layer == "trunk_conv") return "conv_body" + param;
        if (layer == "HRconv") return "conv_hr" + param;
        if (m[2].matched) return "conv_up" + m[2].str() + param;
        return layer + param;
    });
}

void detectRrdb(const io::TensorMap& t, UpscalerArch& arch, const std::string& label) {
    arch.features = dim(t, "conv_first.weight", 0, label);
    const int64_t firstIn = dim(t, "conv_first.weight", 1, label);
    arch.outChannels = dim(t, "conv_last.weight", 0, label);
    arch.growth = dim(t, "body.0.rdb1.conv1.weight", 0, label);
    checkChannels(arch.features, "feature width", label);
    checkChannels(arch.growth, "growth width", label);
    checkChannels(arch.outChannels, "output channels", label);
    checkChannels(firstIn, "input channels", label);
    arch.blocks = countIndices(t, "body.", 0, label);
    if (arch.blocks < 1 || arch.blocks > kMaxBlocks) refuse(label, "RRDB block count out of range");
    arch.upsampleConvs = countIndices(t, "conv_up", 1, label);
    if (arch.upsampleConvs > kMaxUpsampleConvs) refuse(label, "too many upsampling stages");
    if (arch.architecture == Architecture::RrdbNew) {
        // in = out; conv_first sees in * u^2 channels after the pixel-unshuffle by u.
        const int64_t u = firstIn % arch.outChannels == 0 ? integerSqrt(firstIn / arch.outChannels) : -1;
        if (u < 1 || (int64_t(1) << arch.upsampleConvs) % u != 0)
            refuse(label, "conv_first has " + std::to_string(firstIn) + " input channels for " +
                              std::to_string(arch.outChannels) + " output channels: no pixel-unshuffle fits");
        arch.pixelUnshuffle = int(u);
        arch.inChannels = arch.outChannels;
    } else {
        arch.inChannels = firstIn;
    }
    arch.scale = (1 << arch.upsampleConvs) / arch.pixelUnshuffle;

    ShapeCheck check(t, label);
    const int64_t nf = arch.features, gc = arch.growth;
    check.conv("conv_first", nf, firstIn);
    for (int64_t b = 0; b < arch.blocks; ++b)
        for (int r = 1; r <= 3; ++r) {
            const std::string prefix = "body." + std::to_string(b) + ".rdb" + std::to_string(r) + ".conv";
            for (int c = 1; c <= 4; ++c)
                check.conv(prefix + std::to_string(c), gc, nf + (c - 1) * gc);
            check.conv(prefix + "5", nf, nf + 4 * gc);
        }
    check.conv("conv_body", nf, nf);
    for (int k = 1; k <= arch.upsampleConvs; ++k)
        check.conv("conv_up" + std::to_string(k), nf, nf);
    check.conv("conv_hr", nf, nf);
    check.conv("conv_last", arch.outChannels, nf);
    check.noOthers();
}

void detectSrvgg(const io::TensorMap& t, UpscalerArch& arch, const std::string& label) {
    const int count = countIndices(t, "body.", 0, label);
    const int last = count - 1;
    if (last < 2 || last % 2 != 0) refuse(label, "SRVGGNetCompact body ends at an odd index");
    arch.convs = (last - 2) / 2;
    arch.features = dim(t, "body.0.weight", 0, label);
    arch.inChannels = dim(t, "body.0.weight", 1, label);
    arch.outChannels = arch.inChannels;
    checkChannels(arch.features, "feature width", label);
    checkChannels(arch.inChannels, "input channels", label);
    const int64_t lastOut = dim(t, "body." + std::to_string(last) + ".weight", 0, label);
    const int64_t s = lastOut % arch.outChannels == 0 ? integerSqrt(lastOut / arch.outChannels) : -1;
    if (s < 1 || s > 16)
        refuse(label, "last conv has " + std::to_string(lastOut) + " output channels: not out x scale^2");
    arch.scale = int(s);

    ShapeCheck check(t, label);
    check.conv("body.0", arch.features, arch.inChannels);
    for (int i = 1; i <= arch.convs; ++i)
        check.conv("body." + std::to_string(2 * i), arch.features, arch.features);
    for (int i = 0; i <= arch.convs; ++i)
        check.tensor("body." + std::to_string(2 * i + 1) + ".weight", {arch.features});
    check.conv("body." + std::to_string(last), lastOut, arch.features);
    check.noOthers();
}

} // namespace

const char* architectureName(Architecture arch) {
    switch (arch) {
    case Architecture::RrdbNew:
        return "rrdb_new";
    case Architecture::RrdbOld:
        return "rrdb_old";
    case Architecture::Rrdb2019:
        return "rrdb_2019";
    case Architecture::Srvgg:
        return "srvgg";
    }
    return "?";
}

std::string UpscalerArch::describe() const {
    const std::string x = " x" + std::to_string(scale);
    if (architecture == Architecture::Srvgg)
        return "SRVGGNetCompact" + x + " (nf " + std::to_string(features) + ", " + std::to_string(convs) +
               " convs)";
    return std::string("RRDB ") + architectureName(architecture) + x + " (nf " + std::to_string(features) +
           ", nb " + std::to_string(blocks) + ", gc " + std::to_string(growth) +
           (pixelUnshuffle > 1 ? ", pixel-unshuffle " + std::to_string(pixelUnshuffle) : std::string()) + ")";
}

UpscalerArch detectUpscalerArch(io::TensorMap& tensors, const std::string& label) {
    UpscalerArch arch;
    if (has(tensors, "conv_first.weight") && has(tensors, "body.0.rdb1.conv1.weight")) {
        arch.architecture = Architecture::RrdbNew;
    } else if (has(tensors, "model.0.weight") && has(tensors, "model.1.sub.0.RDB1.conv1.0.weight")) {
        arch.architecture = Architecture::RrdbOld;
        tensors = fromOldArch(tensors, arch, label);
    } else if (has(tensors, "conv_first.weight") && has(tensors, "RRDB_trunk.0.RDB1.conv1.weight")) {
        arch.architecture = Architecture::Rrdb2019;
        tensors = from2019(tensors, label);
    } else if (has(tensors, "body.0.weight") && has(tensors, "body.1.weight") &&
               tensors.at("body.1.weight").dim() == 1) {
        arch.architecture = Architecture::Srvgg;
        detectSrvgg(tensors, arch, label);
        return arch;
    } else {
        refuse(label, "not an ESRGAN-family network (RRDBNet, original ESRGAN or SRVGGNetCompact keys)");
    }
    detectRrdb(tensors, arch, label);
    return arch;
}

} // namespace gesso::upscale
