// ESRGAN-family upscalers, told apart by keys as the reference README (Upscalers) and spandrel do:
//   RRDB new-arch (BasicSR / Real-ESRGAN): conv_first + body.N.rdbK.convJ       -> "realesrgan"
//   RRDB old-arch (original ESRGAN Sequential): model.0 + model.1.sub.N.RDBK    -> "esrgan"
//   RRDB 2019 spelling (ESRGAN, BSRGAN): conv_first + RRDB_trunk.N.RDBK         -> "esrgan"
//   SRVGGNetCompact (realesr-general-x4v3 and friends): body.0 conv + body.1 PReLU -> "srvgg"
//   SwinIR: conv_first + layers.N.residual_group                               -> "swinir"
// Published files wrap the weights in params_ema (else params); the wrapper is removed first. The scale is
// read from the shapes (never assumed), see each branch.
#include "core/library/detectors.h"
#include "core/library/key_queries.h"

#include <cmath>

namespace gesso::library {

namespace {

std::string scaleDetail(const std::string& arch, int64_t scale) {
    return scale > 0 ? arch + ", x" + std::to_string(scale) : arch;
}

int64_t integerSqrt(int64_t v) {
    if (v <= 0) return -1;
    const int64_t r = int64_t(std::lround(std::sqrt(double(v))));
    return r * r == v ? r : -1;
}

Classification upscaler(const std::string& family, const std::string& detail) {
    Classification c;
    c.kind = Kind::Upscaler;
    c.family = family;
    c.detail = detail;
    return c;
}

} // namespace

std::optional<Classification> detectUpscaler(const TensorListing& listing) {
    io::ShapeMap shapes = listing.shapes;
    for (const char* wrapper : {"params_ema.", "params."}) {
        io::ShapeMap inner = stripPrefix(shapes, wrapper);
        if (!inner.empty()) {
            shapes = std::move(inner);
            break;
        }
    }
    const bool known = listing.shapesKnown;
    if (hasKey(shapes, "conv_first.weight") && hasKey(shapes, "body.0.rdb1.conv1.weight")) {
        // Two x2 upsampling stages after an optional pixel-unshuffle by u: scale = 4 / u.
        const int64_t u = integerSqrt(dimOf(shapes, "conv_first.weight", 1) /
                                      std::max<int64_t>(1, dimOf(shapes, "conv_last.weight", 0)));
        const int64_t scale = known && u > 0 && 4 % u == 0 ? 4 / u : -1;
        return upscaler("realesrgan", scaleDetail("RRDB", scale));
    }
    if (hasKey(shapes, "model.0.weight") && hasKey(shapes, "model.1.sub.0.RDB1.conv1.0.weight")) {
        // n = last top-level index + 1; (n - 5) / 3 upsampling stages of x2. Key names suffice.
        const int n = maxIndexAfter(shapes, "model.") + 1;
        const int stages = n >= 5 && (n - 5) % 3 == 0 ? (n - 5) / 3 : -1;
        return upscaler("esrgan", scaleDetail("RRDB old-arch", stages >= 0 ? int64_t(1) << stages : -1));
    }
    if (hasKey(shapes, "conv_first.weight") && anyWithPrefix(shapes, "RRDB_trunk.0.RDB1."))
        return upscaler("esrgan", "RRDB 2019 layout");
    if (hasKey(shapes, "conv_first.weight") && anyWithPrefix(shapes, "layers.0.residual_group."))
        return upscaler("swinir", "SwinIR");
    if (hasKey(shapes, "body.0.weight") && hasKey(shapes, "body.1.weight") &&
        (!known || (dimOf(shapes, "body.1.weight", 0) > 0 && shapes.at("body.1.weight").size() == 1))) {
        // Last conv: out * s^2 channels with out = in.
        const int last = maxIndexAfter(shapes, "body.");
        const int64_t in = dimOf(shapes, "body.0.weight", 1);
        const int64_t s =
            in > 0 ? integerSqrt(dimOf(shapes, "body." + std::to_string(last) + ".weight", 0) / in) : -1;
        return upscaler("srvgg", scaleDetail("SRVGGNetCompact", known ? s : -1));
    }
    return std::nullopt;
}

} // namespace gesso::library
