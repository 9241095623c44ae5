#include "core/lora/lora_delta.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <sstream>

namespace gesso::lora {

namespace {

const torch::Tensor* part(const AdapterModule& m, const char* name) {
    auto it = m.parts.find(name);
    return it == m.parts.end() ? nullptr : &it->second;
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::ostringstream s;
    s << c10::IntArrayRef(shape); // "[32, 320, 3, 3]"
    return s.str();
}

int64_t product(const std::vector<int64_t>& dims, const std::string& label) {
    int64_t n = 1;
    for (int64_t d : dims)
        if (d < 0 || __builtin_mul_overflow(n, d, &n)) throw Error(label + ": factor sizes overflow");
    return n;
}

// A factor's shape, checked to be non-empty with `minDims`..`maxDims` dimensions.
std::vector<int64_t> factorShape(const AdapterModule& m, const char* name, size_t minDims, size_t maxDims,
                                 const std::string& label) {
    const torch::Tensor* t = part(m, name);
    if (!t) throw Error(label + ": no '" + name + "' factor");
    std::vector<int64_t> shape = t->sizes().vec();
    if (shape.size() < minDims || shape.size() > maxDims)
        throw Error(label + ": '" + name + "' has shape " + shapeText(shape) + ", expected " +
                    std::to_string(minDims) + (minDims == maxDims ? "" : " to " + std::to_string(maxDims)) +
                    " dimensions");
    if (t->numel() == 0) throw Error(label + ": '" + name + "' is empty " + shapeText(shape));
    return shape;
}

// Rows and columns of a factor flattened to a matrix (the webui's reshape(size(0), -1)).
std::pair<int64_t, int64_t> asMatrix(const std::vector<int64_t>& shape, const std::string& label) {
    return {shape[0], product(shape, label) / shape[0]};
}

void requireEqual(int64_t a, int64_t b, const std::string& label, const std::string& what) {
    if (a != b)
        throw Error(label + ": " + what + " (" + std::to_string(a) + " vs " + std::to_string(b) + ")");
}

// Shape of a Tucker factor einsum('ijkl,jr,ip->prkl', t, wb, wa).
std::vector<int64_t> tuckerShape(const AdapterModule& m, const char* t, const char* wa, const char* wb,
                                 const std::string& label) {
    const auto ts = factorShape(m, t, 4, 4, label);
    const auto as = factorShape(m, wa, 2, 2, label);
    const auto bs = factorShape(m, wb, 2, 2, label);
    requireEqual(ts[0], as[0], label, std::string("rank of '") + t + "' and '" + wa + "' differ");
    requireEqual(ts[1], bs[0], label, std::string("rank of '") + t + "' and '" + wb + "' differ");
    return {as[1], bs[1], ts[2], ts[3]};
}

// Shape of a @ b (b flattened to a matrix).
std::vector<int64_t> productShape(const AdapterModule& m, const char* a, const char* b,
                                  const std::string& label) {
    const auto as = factorShape(m, a, 2, 2, label);
    const auto bs = asMatrix(factorShape(m, b, 2, 4, label), label);
    requireEqual(as[1], bs.first, label, std::string("rank mismatch between '") + a + "' and '" + b + "'");
    return {as[0], bs.second};
}

std::vector<int64_t> lohaFactorShape(const AdapterModule& m, int i, const std::string& label) {
    const std::string t = "hada_t" + std::to_string(i), a = "hada_w" + std::to_string(i) + "_a",
                      b = "hada_w" + std::to_string(i) + "_b";
    if (part(m, t.c_str())) return tuckerShape(m, t.c_str(), a.c_str(), b.c_str(), label);
    return productShape(m, a.c_str(), b.c_str(), label);
}

std::vector<int64_t> lokrW1Shape(const AdapterModule& m, const std::string& label) {
    if (part(m, "lokr_w1")) return factorShape(m, "lokr_w1", 2, 2, label);
    return productShape(m, "lokr_w1_a", "lokr_w1_b", label);
}

std::vector<int64_t> lokrW2Shape(const AdapterModule& m, const std::string& label) {
    if (part(m, "lokr_w2")) return factorShape(m, "lokr_w2", 2, 4, label);
    if (part(m, "lokr_t2")) return tuckerShape(m, "lokr_t2", "lokr_w2_a", "lokr_w2_b", label);
    return productShape(m, "lokr_w2_a", "lokr_w2_b", label);
}

// (output rows, element count) of the module's delta.
std::pair<int64_t, int64_t> deltaSize(const AdapterModule& m, const std::string& label) {
    switch (m.kind) {
    case AdapterKind::Lora: {
        const auto [upRows, upRank] = asMatrix(factorShape(m, "up", 2, 4, label), label);
        const auto [downRank, columns] = asMatrix(factorShape(m, "down", 2, 4, label), label);
        if (part(m, "mid")) {
            const auto mid = factorShape(m, "mid", 4, 4, label);
            requireEqual(upRank, mid[0], label, "rank mismatch between lora_up and lora_mid");
            requireEqual(downRank, mid[1], label, "rank mismatch between lora_mid and lora_down");
            return {upRows, product({upRows, columns, mid[2], mid[3]}, label)};
        }
        requireEqual(upRank, downRank, label, "rank mismatch between lora_up and lora_down");
        return {upRows, product({upRows, columns}, label)};
    }
    case AdapterKind::Loha: {
        const auto first = lohaFactorShape(m, 1, label);
        const auto second = lohaFactorShape(m, 2, label);
        requireEqual(product(first, label), product(second, label), label,
                     "the two Hadamard factors differ in size");
        requireEqual(first[0], second[0], label, "the two Hadamard factors differ in rows");
        return {first[0], product(first, label)};
    }
    case AdapterKind::Lokr: {
        const auto w1 = lokrW1Shape(m, label);
        const auto w2 = lokrW2Shape(m, label);
        std::vector<int64_t> kron = {w1[0], w2[0], w1[1], w2[1]};
        for (size_t i = 2; i < w2.size(); ++i)
            kron.push_back(w2[i]);
        return {product({w1[0], w2[0]}, label), product(kron, label)};
    }
    case AdapterKind::Full: {
        const auto diff = factorShape(m, "diff", 1, 4, label);
        return {diff[0], product(diff, label)};
    }
    }
    throw Error(label + ": unknown adapter type");
}

torch::Tensor matrix(const torch::Tensor& t) {
    return t.reshape({t.size(0), -1});
}

torch::Tensor tucker(const AdapterModule& m, const char* t, const char* wa, const char* wb) {
    return torch::einsum("ijkl,jr,ip->prkl", {m.parts.at(t), m.parts.at(wb), m.parts.at(wa)});
}

torch::Tensor lohaFactor(const AdapterModule& m, int i) {
    const std::string t = "hada_t" + std::to_string(i), a = "hada_w" + std::to_string(i) + "_a",
                      b = "hada_w" + std::to_string(i) + "_b";
    if (part(m, t.c_str())) return tucker(m, t.c_str(), a.c_str(), b.c_str());
    return torch::mm(m.parts.at(a), matrix(m.parts.at(b)));
}

} // namespace

std::optional<int64_t> adapterRank(const AdapterModule& m) {
    const char* name = nullptr;
    switch (m.kind) {
    case AdapterKind::Lora:
        name = "down";
        break;
    case AdapterKind::Loha:
        name = "hada_w1_b";
        break;
    case AdapterKind::Lokr:
        name = part(m, "lokr_w2_b") ? "lokr_w2_b" : part(m, "lokr_w1_b") ? "lokr_w1_b" : nullptr;
        break;
    case AdapterKind::Full:
        break;
    }
    const torch::Tensor* t = name ? part(m, name) : nullptr;
    if (!t || t->dim() == 0) return std::nullopt;
    return t->size(0);
}

double adapterScale(const AdapterModule& m) {
    if (m.scale) return *m.scale;
    const auto rank = adapterRank(m);
    if (m.alpha && rank && *rank > 0) return *m.alpha / double(*rank);
    return 1.0;
}

void checkDeltaShape(const AdapterModule& m, const std::vector<int64_t>& weightShape,
                     const std::string& label) {
    const auto [rows, elements] = deltaSize(m, label);
    const int64_t weightElements = product(weightShape, label);
    if (weightShape.empty() || rows != weightShape[0] || elements != weightElements)
        throw Error(label + ": its " + adapterKindName(m.kind) + " factors make a " + std::to_string(rows) +
                    " x " + std::to_string(rows ? elements / rows : 0) +
                    " delta, which does not fit the weight " + shapeText(weightShape));
}

void addDelta(const AdapterModule& m, torch::Tensor& weight32, double factor) {
    switch (m.kind) {
    case AdapterKind::Lora: {
        const torch::Tensor up = matrix(m.parts.at("up"));
        const torch::Tensor down = matrix(m.parts.at("down"));
        if (const torch::Tensor* mid = part(m, "mid")) {
            weight32.add_(torch::einsum("nmkl,in,mj->ijkl", {*mid, up, down}).reshape(weight32.sizes()),
                          factor);
            return;
        }
        weight32.view({weight32.size(0), -1}).addmm_(up, down, 1.0, factor);
        return;
    }
    case AdapterKind::Loha:
        weight32.add_(lohaFactor(m, 1).reshape(weight32.sizes()) * lohaFactor(m, 2).reshape(weight32.sizes()),
                      factor);
        return;
    case AdapterKind::Lokr: {
        torch::Tensor w1 = part(m, "lokr_w1") ? m.parts.at("lokr_w1")
                                              : torch::mm(m.parts.at("lokr_w1_a"), m.parts.at("lokr_w1_b"));
        torch::Tensor w2;
        if (part(m, "lokr_w2"))
            w2 = m.parts.at("lokr_w2");
        else if (part(m, "lokr_t2"))
            w2 = tucker(m, "lokr_t2", "lokr_w2_a", "lokr_w2_b");
        else
            w2 = torch::mm(m.parts.at("lokr_w2_a"), matrix(m.parts.at("lokr_w2_b")));
        if (w2.dim() == 4)
            w1 = w1.unsqueeze(2).unsqueeze(2);
        else if (w2.dim() == 3)
            w1 = w1.unsqueeze(2);
        weight32.add_(torch::kron(w1, w2.contiguous()).reshape(weight32.sizes()), factor);
        return;
    }
    case AdapterKind::Full:
        weight32.add_(m.parts.at("diff").reshape(weight32.sizes()), factor);
        return;
    }
}

} // namespace gesso::lora
