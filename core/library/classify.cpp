#include "core/library/classify.h"

#include "core/library/detectors.h"

#include <exception>

namespace gesso::library {

Classification classifyTensors(const TensorListing& listing) {
    Classification result;
    try {
        // Order matters only where layouts overlap: TAESD's encoder./decoder.layers before the VAE's
        // encoder./decoder.; the rest have disjoint key names.
        for (auto detect :
             {detectCheckpoint, detectLora, detectEmbedding, detectTaesd, detectVae, detectUpscaler}) {
            if (auto found = detect(listing)) {
                result = *found;
                break;
            }
        }
        if (result.kind == Kind::Unknown && result.reason.empty()) {
            result.reason = listing.shapes.empty()
                                ? "it holds no tensors"
                                : "no known key layout among its " + std::to_string(listing.shapes.size()) +
                                      " tensors (first: '" + listing.shapes.begin()->first + "')";
        }
    } catch (const std::exception& e) {
        result = {};
        result.reason = e.what();
    }
    result.format = listing.format;
    return result;
}

} // namespace gesso::library
