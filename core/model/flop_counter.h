#pragma once
// Counts the multiply-add work (2 FLOP per MAC) of convolutions, linear layers and attention matmuls while
// enabled, so benchmarks can state achieved GFLOP/s. Off by default; counting costs one atomic add per layer.
#include <cstdint>

namespace gesso::model {

void setFlopCounting(bool enabled);
bool flopCounting();
void addFlops(double flops);
double countedFlops();
void resetFlops();

} // namespace gesso::model
