#include "core/sampling/brownian_tree.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_seed_sequence.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

namespace gesso::sampling {

namespace {

constexpr int kDecimals = 6;      // tol = 1e-6: torchsde rounds with ndigits = -int(log10(tol))
constexpr size_t kPoolSize = 24;  // BrownianTree's pool_size
constexpr size_t kCacheSize = 45; // BrownianInterval's cache_size; the values do not depend on it
constexpr int kMaxDepth = 62;     // spawn keys grow as 2^depth and must fit in 64 bits

// Python's round(x, 6): x correctly rounded to 6 decimals (ties to even), read back as the nearest double.
// to_chars/from_chars are exact and locale-independent.
double roundToGrid(double x) {
    char text[400]; // |x| < 1.8e308: at most 309 integer digits, the point and 6 decimals
    const auto written = std::to_chars(text, text + sizeof text, x, std::chars_format::fixed, kDecimals);
    double rounded = 0;
    if (written.ec != std::errc() || std::from_chars(text, written.ptr, rounded).ec != std::errc())
        throw Error("Brownian tree: cannot round time " + std::to_string(x));
    return rounded;
}

// torchsde's _randn: a fresh CPU generator per draw, seeded with one SeedSequence word.
torch::Tensor standardNormal(at::IntArrayRef shape, uint32_t seed) {
    at::Generator generator = at::detail::createCPUGenerator(seed);
    return at::randn(shape, generator, torch::TensorOptions().dtype(torch::kFloat32));
}

} // namespace

struct BrownianTree::Node {
    double start = 0;
    double end = 0;
    Node* parent = nullptr;
    bool isLeft = false;
    std::optional<double> midway; // set once the node is split
    uint64_t spawnKey = 0;
    int depth = 0;
    uint32_t bridgeSeed = 0;
    std::unique_ptr<Node> left;
    std::unique_ptr<Node> right;
    torch::Tensor increment; // W(end) - W(start) while cached (always for the root)
};

BrownianTree::BrownianTree(double t0, double t1, std::vector<int64_t> shape, uint64_t entropy)
    : m_shape(std::move(shape)), m_entropy(np::uint32Words(entropy)), m_root(std::make_unique<Node>()) {
    if (!std::isfinite(t0) || !std::isfinite(t1))
        throw Error("Brownian tree: the interval [" + std::to_string(t0) + ", " + std::to_string(t1) +
                    "] is not finite");
    if (t0 > t1)
        throw Error("Brownian tree: initial time " + std::to_string(t0) + " is after terminal time " +
                    std::to_string(t1));
    m_root->start = roundToGrid(t0);
    m_root->end = roundToGrid(t1);
    const uint32_t rootSeed = np::SeedSequence(m_entropy, {}, kPoolSize).generateState(1)[0];
    m_root->increment = standardNormal(m_shape, rootSeed).mul(std::sqrt(t1 - t0));
    m_last = m_root.get();
}

BrownianTree::~BrownianTree() = default;
BrownianTree::BrownianTree(BrownianTree&&) noexcept = default;
BrownianTree& BrownianTree::operator=(BrownianTree&&) noexcept = default;

double BrownianTree::start() const {
    return m_root->start;
}

double BrownianTree::end() const {
    return m_root->end;
}

torch::Tensor BrownianTree::increment(double ta, double tb) {
    if (!std::isfinite(ta) || !std::isfinite(tb))
        throw Error("Brownian tree: query [" + std::to_string(ta) + ", " + std::to_string(tb) +
                    "] is not finite");
    ta = std::min(std::max(ta, m_root->start), m_root->end);
    tb = std::min(std::max(tb, m_root->start), m_root->end);
    if (ta > tb)
        throw Error("Brownian tree: query times ta=" + std::to_string(ta) + " and tb=" + std::to_string(tb) +
                    " must respect ta <= tb");
    const double a = roundToGrid(ta);
    const double b = roundToGrid(tb);
    // torchsde returns zeros for ta == tb; two times closer than the grid would make it split forever or
    // return a zero-width interval's increment (zero as well).
    if (a == b) return torch::zeros(m_shape, torch::kFloat32);

    std::vector<Node*> pieces;
    locate(m_last, a, b, pieces);
    m_last = pieces.back();
    torch::Tensor w = incrementOf(pieces.front());
    if (pieces.size() == 1) return w.clone(); // the cached tensor itself must not escape
    for (size_t i = 1; i < pieces.size(); ++i)
        w = w + incrementOf(pieces[i]);
    return w;
}

// torchsde's _loc_inner: climbs to the first interval holding [ta, tb], then descends, splitting leaves
// that the query cuts, and appends the covering intervals left to right.
void BrownianTree::locate(Node* node, double ta, double tb, std::vector<Node*>& out) {
    while (ta < node->start || tb > node->end) {
        if (!node->parent) throw Error("Brownian tree: query outside the tree's interval");
        node = node->parent;
    }
    if (ta == node->start && tb == node->end) {
        out.push_back(node);
        return;
    }
    if (!node->midway) {
        if (ta == node->start) {
            split(node, tb);
            locate(node->left.get(), ta, tb, out);
        } else {
            split(node, ta);
            locate(node->right.get(), ta, tb, out);
        }
        return;
    }
    const double midway = *node->midway;
    if (tb <= midway) {
        locate(node->left.get(), ta, tb, out);
    } else if (ta >= midway) {
        locate(node->right.get(), ta, tb, out);
    } else {
        locate(node->left.get(), ta, midway, out);
        locate(node->right.get(), midway, tb, out);
    }
}

// The halfway tree: halve (rounded to the grid) until `target`, strictly inside `node`, is a split point.
void BrownianTree::split(Node* node, double target) {
    for (;;) {
        splitAt(node, 0.5 * (node->end + node->start));
        const double midway = *node->midway;
        if (target > midway)
            node = node->right.get();
        else if (target < midway)
            node = node->left.get();
        else
            return;
    }
}

void BrownianTree::splitAt(Node* node, double midway) {
    node->midway = roundToGrid(midway);
    if (node->parent) {
        node->spawnKey = 2 * node->parent->spawnKey + (node->isLeft ? 0 : 1);
        node->depth = node->parent->depth + 1;
    }
    if (node->depth > kMaxDepth)
        throw Error("Brownian tree: interval [" + std::to_string(m_root->start) + ", " +
                    std::to_string(m_root->end) + "] needs more than " + std::to_string(kMaxDepth) +
                    " levels at tolerance 1e-6");
    std::vector<uint32_t> spawnKey = np::uint32Words(node->spawnKey);
    spawnKey.push_back(static_cast<uint32_t>(node->depth));
    node->bridgeSeed = np::SeedSequence(m_entropy, std::move(spawnKey), kPoolSize).generateState(1)[0];

    node->left = std::make_unique<Node>();
    node->left->start = node->start;
    node->left->end = *node->midway;
    node->left->parent = node;
    node->left->isLeft = true;
    node->right = std::make_unique<Node>();
    node->right->start = *node->midway;
    node->right->end = node->end;
    node->right->parent = node;
}

// The increment of `node`, derived down from its nearest cached ancestor (the root at worst).
torch::Tensor BrownianTree::incrementOf(Node* node) {
    std::vector<Node*> chain;
    Node* known = node;
    for (; !known->increment.defined(); known = known->parent)
        chain.push_back(known);
    torch::Tensor w = known->increment;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        w = bridge(**it, w);
        remember(*it, w);
    }
    return w;
}

// Brownian bridge at the parent's midpoint, in torchsde's float32 operations and order: both children
// draw the parent's one normal sample, the right child is the rest of the parent's increment.
torch::Tensor BrownianTree::bridge(const Node& child, const torch::Tensor& parentIncrement) const {
    const Node& parent = *child.parent;
    const double hReciprocal = 1 / (parent.end - parent.start);
    const double leftDiff = *parent.midway - parent.start;
    const double rightDiff = parent.end - *parent.midway;
    const torch::Tensor mean = parentIncrement.mul(leftDiff).mul(hReciprocal);
    const double variance = leftDiff * rightDiff * hReciprocal;
    const torch::Tensor left = mean.add(standardNormal(m_shape, parent.bridgeSeed).mul(std::sqrt(variance)));
    return child.isLeft ? left : parentIncrement.sub(left);
}

void BrownianTree::remember(Node* node, torch::Tensor increment) {
    node->increment = std::move(increment);
    m_cached.push_back(node);
    if (m_cached.size() > kCacheSize) {
        m_cached.front()->increment = torch::Tensor();
        m_cached.pop_front();
    }
}

} // namespace gesso::sampling
