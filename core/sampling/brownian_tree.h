#pragma once
// torchsde 0.2.6's BrownianTree: a BrownianInterval over [t0, t1] with halfway_tree=True, tol=1e-6,
// pool_size=24 and no Levy area, as diffusers' and k-diffusion's BrownianTreeNoiseSampler build it.
// Bit-identical to it in float32 on the CPU:
// - the dyadic tree of intervals, every end rounded to 6 decimals as Python's round(x, 6) does;
// - a node's bridge seed = numpy SeedSequence(entropy, spawn_key=(key, depth), pool_size=24) word 0, where
//   the root has key 0 and a child key 2 * parent + (0 left, 1 right); the root increment is drawn with
//   SeedSequence(entropy, pool_size=24) word 0, times sqrt(t1 - t0) of the unrounded ends;
// - each draw from a fresh torch CPU generator seeded with that word; the Brownian-bridge arithmetic in the
//   same float32 operations (left = W * l * (1/h) + sqrt(l * r / h) * z, right = W - left).
// A query [ta, tb] is answered as the sum, left to right, of the tree's intervals that cover it, splitting
// intervals on the way exactly as torchsde does, so a sequence of queries gives torchsde's values as long as
// the same queries come in the same order.
// Not thread-safe: one tree is queried from one thread at a time.
#include <torch/types.h>

#include <cstdint>
#include <list>
#include <memory>
#include <vector>

namespace gesso::sampling {

class BrownianTree {
public:
    // `t0`/`t1` as torchsde receives them (float(x) of diffusers' float32 tensors). `shape` is the shape of
    // one draw, `entropy` numpy's entropy integer. Throws gesso::Error for non-finite ends or t0 > t1.
    BrownianTree(double t0, double t1, std::vector<int64_t> shape, uint64_t entropy);
    ~BrownianTree();
    BrownianTree(BrownianTree&&) noexcept;
    BrownianTree& operator=(BrownianTree&&) noexcept;

    // W(tb) - W(ta): a float32 CPU tensor of the tree's shape. Like torchsde, ta and tb are first clamped to
    // [t0, t1] (torchsde warns "Should have ta>=t0") and then rounded to the tree's 1e-6 grid; ta > tb or a
    // non-finite time throws gesso::Error. Equal times (before or after rounding) give zeros.
    torch::Tensor increment(double ta, double tb);

    // The tree's rounded ends.
    double start() const;
    double end() const;

private:
    struct Node;

    void locate(Node* node, double ta, double tb, std::vector<Node*>& out);
    void split(Node* node, double target);
    void splitAt(Node* node, double midway);
    torch::Tensor incrementOf(Node* node);
    torch::Tensor bridge(const Node& child, const torch::Tensor& parentIncrement) const;
    void remember(Node* node, torch::Tensor increment);

    std::vector<int64_t> m_shape;
    std::vector<uint32_t> m_entropy;
    std::unique_ptr<Node> m_root;
    Node* m_last = nullptr;    // where the next search starts (torchsde's _last_interval)
    std::list<Node*> m_cached; // nodes holding their increment, oldest first (not the root)
};

} // namespace gesso::sampling
