#include "tests/upscale/upscaler_fixtures.h"

#include "tests/io/torch_zip_builder.h"

#include <torch/torch.h>

#include <regex>

namespace gesso::test {

namespace {

void conv(io::TensorMap& t, const std::string& name, int64_t out, int64_t in, double gain) {
    t[name + ".weight"] = torch::randn({out, in, 3, 3}) * (gain / std::sqrt(double(in * 9)));
    t[name + ".bias"] = torch::rand({out}) * 0.1 - 0.05;
}

std::string le64(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i)
        s[size_t(i)] = char((v >> (8 * i)) & 0xff);
    return s;
}

} // namespace

io::TensorMap rrdbNewArch(int64_t nf, int64_t nb, int64_t gc, int64_t u, uint64_t seed) {
    torch::manual_seed(seed);
    io::TensorMap t;
    conv(t, "conv_first", nf, 3 * u * u, 1.0);
    for (int64_t b = 0; b < nb; ++b)
        for (int r = 1; r <= 3; ++r) {
            const std::string p = "body." + std::to_string(b) + ".rdb" + std::to_string(r) + ".conv";
            for (int c = 1; c <= 4; ++c)
                conv(t, p + std::to_string(c), gc, nf + (c - 1) * gc, 2.5);
            conv(t, p + "5", nf, nf + 4 * gc, 2.5);
        }
    for (const char* name : {"conv_body", "conv_up1", "conv_up2", "conv_hr"})
        conv(t, name, nf, nf, 1.0);
    conv(t, "conv_last", 3, nf, 1.0);
    return t;
}

io::TensorMap toOldArch(const io::TensorMap& newArch) {
    int64_t nb = 0;
    for (const auto& entry : newArch)
        if (entry.first.rfind("body.", 0) == 0)
            nb = std::max<int64_t>(nb, std::stoll(entry.first.substr(5, entry.first.find('.', 5) - 5)) + 1);
    static const std::regex block(R"(body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias))");
    const std::map<std::string, std::string> layers = {
        {"conv_first", "model.0"}, {"conv_body", "model.1.sub." + std::to_string(nb)},
        {"conv_up1", "model.3"},   {"conv_up2", "model.6"},
        {"conv_hr", "model.8"},    {"conv_last", "model.10"}};
    io::TensorMap out;
    for (const auto& [name, tensor] : newArch) {
        std::smatch m;
        if (std::regex_match(name, m, block)) {
            out["model.1.sub." + m[1].str() + ".RDB" + m[2].str() + ".conv" + m[3].str() + ".0." +
                m[4].str()] = tensor;
            continue;
        }
        const auto dot = name.rfind('.');
        out[layers.at(name.substr(0, dot)) + name.substr(dot)] = tensor;
    }
    return out;
}

io::TensorMap to2019(const io::TensorMap& newArch) {
    static const std::regex block(R"(body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias))");
    const std::map<std::string, std::string> layers = {
        {"conv_first", "conv_first"}, {"conv_body", "trunk_conv"}, {"conv_up1", "upconv1"},
        {"conv_up2", "upconv2"},      {"conv_hr", "HRconv"},       {"conv_last", "conv_last"}};
    io::TensorMap out;
    for (const auto& [name, tensor] : newArch) {
        std::smatch m;
        if (std::regex_match(name, m, block)) {
            out["RRDB_trunk." + m[1].str() + ".RDB" + m[2].str() + ".conv" + m[3].str() + "." + m[4].str()] =
                tensor;
            continue;
        }
        const auto dot = name.rfind('.');
        out[layers.at(name.substr(0, dot)) + name.substr(dot)] = tensor;
    }
    return out;
}

io::TensorMap srvgg(int64_t nf, int convs, int64_t s, uint64_t seed) {
    torch::manual_seed(seed);
    io::TensorMap t;
    conv(t, "body.0", nf, 3, 1.0);
    for (int i = 0; i <= convs; ++i) {
        if (i > 0) conv(t, "body." + std::to_string(2 * i), nf, nf, 1.0);
        t["body." + std::to_string(2 * i + 1) + ".weight"] = torch::rand({nf}) * 0.4 + 0.05;
    }
    conv(t, "body." + std::to_string(2 * convs + 2), 3 * s * s, nf, 1.0);
    return t;
}

std::string legacyTorchFile(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                            const std::string& smuggledGlobal) {
    std::string out;
    out += std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15); // magic number
    out += std::string("\x80\x02M\xe9\x03.", 6);                                         // protocol 1001
    out += std::string("\x80\x02}.", 4);                                                 // sys_info
    PickleWriter p;
    p.raw(std::string("\x80\x02", 2)).emptyOrderedDict().op('(');
    for (size_t i = 0; i < tensors.size(); ++i) {
        const torch::Tensor& t = tensors[i].second;
        p.str(tensors[i].first).global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').str("storage").global("torch", "FloatStorage").str(std::to_string(i)).str("cpu");
        p.integer(t.numel()).op('N').op('t').op('Q').integer(0).op('(');
        for (int64_t s : t.sizes())
            p.integer(s);
        p.op('t').op('(');
        for (int64_t s : t.contiguous().strides())
            p.integer(s);
        p.op('t').op(char(0x89)).emptyOrderedDict().op('t').op('R');
    }
    if (!smuggledGlobal.empty()) {
        const auto dot = smuggledGlobal.rfind('.');
        p.str("payload").global(smuggledGlobal.substr(0, dot), smuggledGlobal.substr(dot + 1));
        p.op('(').str("echo pwned").op('t').op('R');
    }
    p.op('u').op('.');
    out += p.bytes();
    PickleWriter keys;
    keys.raw(std::string("\x80\x02", 2)).op(']').op('(');
    for (size_t i = 0; i < tensors.size(); ++i)
        keys.str(std::to_string(i));
    keys.op('e').op('.');
    out += keys.bytes();
    for (const auto& [name, tensor] : tensors) {
        const torch::Tensor t = tensor.to(torch::kFloat32).contiguous();
        out += le64(uint64_t(t.numel()));
        out.append(static_cast<const char*>(t.data_ptr()), size_t(t.numel()) * 4);
    }
    return out;
}

} // namespace gesso::test
