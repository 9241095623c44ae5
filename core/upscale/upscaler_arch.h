#pragma once
// Which ESRGAN-family network a set of tensors is, and its hyper-parameters, read from keys and shapes only
// (shared/reference/README.md, "Upscalers"; nothing is assumed about widths, depth or scale). Detection also
// renames the RRDB spellings to one layout and checks every tensor's shape, so a network built from the
// result cannot fail on a shape.
#include "core/io/tensor_maps.h"

#include <string>

namespace gesso::upscale {

enum class Architecture { RrdbNew, RrdbOld, Rrdb2019, Srvgg };
const char* architectureName(Architecture arch); // "rrdb_new", "rrdb_old", "rrdb_2019", "srvgg"

struct UpscalerArch {
    Architecture architecture = Architecture::RrdbNew;
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t features = 0; // nf
    int scale = 0;        // output pixels per input pixel
    // RRDB
    int64_t blocks = 0;          // nb
    int64_t growth = 0;          // gc
    int upsampleConvs = 0;       // nearest-x2 + conv stages
    int pixelUnshuffle = 1;      // u: the input is pixel-unshuffled by u first (new-arch x2 / x1)
    int modelSequenceLength = 0; // old-arch: top-level nn.Sequential length
    // SRVGG
    int convs = 0; // num_conv
    std::string describe() const;
};

// Detects the network of `tensors` (wrapper already removed), checks every shape and returns the weights
// under the canonical names: RRDB "conv_first", "body.N.rdbK.convJ", "conv_body", "conv_upK", "conv_hr",
// "conv_last" (each .weight/.bias); SRVGG as stored ("body.N.weight/bias"). `label` names the file in
// errors. Throws gesso::Error: unknown layout, missing, unexpected or misshapen tensors, absurd sizes.
UpscalerArch detectUpscalerArch(io::TensorMap& tensors, const std::string& label);

} // namespace gesso::upscale
